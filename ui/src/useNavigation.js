// Where a notification click, a brm-desk:// link or the tray sends the window. Rust shows
// and focuses the window, then says where it should land: live as a `navigate` event, or,
// when it happened before login, kept until the desk asks once (take_pending_navigation).
import { useEffect, useRef } from "preact/hooks";
import { api } from "./api.js";
import { onNavigate } from "./events.js";

// A target from Rust as the desk's (tab, params), or null when it is not one the desk
// knows (an older or newer build on the other side): nothing moves then.
//   {to: "processo", id, version} → Processos with that process's detail open
//   {to: "aprovacao"}             → the approval desk
//   {to: "atencao"}               → Processos filtered by "precisam de atenção"
//   {to: "processo_na_aprovacao", id} → the approval desk on that process, "Aprovar"
//                                    focused (a brm-desk://aprovar link: never approves)
export function deskPlace(target) {
  if (!target || typeof target !== "object") return null;
  switch (target.to) {
    case "processo":
      return typeof target.id === "string" && target.id ? { tab: "processos", params: { open_id: target.id } } : null;
    case "aprovacao":
      return { tab: "aprovacao", params: null };
    case "atencao":
      return { tab: "processos", params: { needs_attention: true } };
    case "processo_na_aprovacao":
      return typeof target.id === "string" && target.id ? { tab: "aprovacao", params: { open_id: target.id } } : null;
    default:
      return null;
  }
}

// Calls `go(tab, params)` for every target: the pending one (asked once, on mount) and
// each `navigate` event while mounted. A live event that arrives while the pending one
// is still being asked wins: it is the newer click.
export function useNavigation(token, go) {
  const latest = useRef(go);
  latest.current = go;

  useEffect(() => {
    let live = true;
    let moved = false;
    const send = (target) => {
      const place = deskPlace(target);
      if (!place) return;
      moved = true;
      latest.current(place.tab, place.params);
    };
    const stop = onNavigate((target) => {
      if (live) send(target);
    });
    api
      .takePendingNavigation(token)
      .then((target) => {
        if (live && !moved) send(target);
      })
      // Nothing kept, or the question failed (the session is read again at the next
      // command, which says what is wrong): the desk simply opens where it opens.
      .catch(() => {});
    return () => {
      live = false;
      stop();
    };
  }, [token]);
}
