// One page of a list the database filters and paginates. `fetchPage` (memoised on the
// filter) is called again whenever it changes; an answer that arrives after a newer
// request was sent is dropped, so fast typing in a search box never shows stale rows.
// `error` is only about reading the list: screens keep their own message for actions,
// so reloading after a refused action does not wipe the reason it was refused.
//
// While a read is in flight `loading` is true but the previous page stays in `page`:
// screens keep showing the old rows (no flash, no collapsed table, the scroll position
// and the selected row stay) and mark the table aria-busy instead.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";

export function usePagedList(fetchPage) {
  const [page, setPage] = useState(null);
  const [error, setError] = useState(null);
  const [loading, setLoading] = useState(true);
  const latest = useRef(0);

  const reload = useCallback(async () => {
    const n = ++latest.current;
    setLoading(true);
    try {
      const p = await fetchPage();
      if (n !== latest.current) return;
      setPage(p);
      setError(null);
    } catch (err) {
      if (n === latest.current) setError(err.message);
    } finally {
      if (n === latest.current) setLoading(false);
    }
  }, [fetchPage]);

  useEffect(() => {
    reload();
  }, [reload]);

  return { page, error, loading, reload };
}
