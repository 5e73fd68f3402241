// Previous/next over a list paginated by the database. `page` is 0-based; `noun` is
// [singular, plural] for the total ("1 cliente", "3 clientes").
export function Pager({ page, pageSize, total, noun, onPage }) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return (
    <div className="pager">
      <button type="button" disabled={page === 0} onClick={() => onPage(page - 1)}>
        Anterior
      </button>
      <span data-testid="pager">
        Página {page + 1} de {pages} · {total} {total === 1 ? noun[0] : noun[1]}
      </span>
      <button type="button" disabled={page + 1 >= pages} onClick={() => onPage(page + 1)}>
        Próxima
      </button>
    </div>
  );
}

// A visible "Carregando…" with a spinner while a list is read; the space it takes stays
// reserved, so rows below do not jump when it appears.
export function Busy({ busy, label = "Carregando…" }) {
  return (
    <span className={busy ? "busy" : "busy busy--idle"} role="status" aria-live="polite" data-testid="busy">
      {busy && (
        <>
          <span className="spinner" aria-hidden="true" /> {label}
        </>
      )}
    </span>
  );
}

// The table of a list inside its own scrolling box (wide tables scroll sideways there,
// never the window), busy while the list is read again.
export function TableBox({ busy, children }) {
  return (
    <div className="table-box" aria-busy={busy ? "true" : "false"}>
      {children}
    </div>
  );
}
