// Every operator, for the selects of the client and process screens. 200 is the most a
// page may hold; a company with more operators than that would need a search box here.
import { useEffect, useState } from "preact/hooks";
import { api } from "./api.js";

export function useOperatorOptions(token) {
  const [operators, setOperators] = useState([]);
  useEffect(() => {
    let live = true;
    api
      .listOperators(token, { page: 0, page_size: 200, active: null, search: null })
      .then((p) => live && setOperators(p.items))
      .catch(() => {}); // the screen still works; its own list shows the error
    return () => {
      live = false;
    };
  }, [token]);
  return operators;
}
