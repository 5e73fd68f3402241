import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { useCallback, useState } from "preact/hooks";
import { usePagedList } from "./usePagedList.js";
import { useReloadOn } from "./useModelChanged.js";
import { onModelChanged } from "./events.js";
import { settle } from "./testing.js";

vi.mock("./events.js", async (importOriginal) => ({ ...(await importOriginal()), onModelChanged: vi.fn() }));

const handlers = new Set();
const changed = (payload) => act(() => handlers.forEach((h) => h(payload)));
beforeEach(() => {
  handlers.clear();
  onModelChanged.mockImplementation((handler) => {
    handlers.add(handler);
    return () => handlers.delete(handler);
  });
});
afterEach(cleanup);

// A list the way the screens use it: a page number, a selected row, reload on changes
// to `clients`.
function List({ fetch }) {
  const [pageNo, setPageNo] = useState(0);
  const [selected, setSelected] = useState(null);
  const fetchPage = useCallback(() => fetch(pageNo), [pageNo]);
  const { page, loading, reload } = usePagedList(fetchPage);
  useReloadOn(["clients"], reload, { delay: 0 });
  return (
    <div data-testid="box" aria-busy={loading ? "true" : "false"}>
      <button type="button" onClick={() => setPageNo((n) => n + 1)} data-testid="next" />
      {page?.items.map((r) => (
        <p key={r.id} data-testid="row" data-id={r.id} data-name={r.name} className={r.id === selected ? "selected" : ""} onClick={() => setSelected(r.id)}>
          {r.name}
        </p>
      ))}
    </div>
  );
}

describe("usePagedList with live changes", () => {
  it("reads the same page again, keeps the selection and shows the old rows while reading", async () => {
    let version = 1;
    const pending = [];
    const fetch = vi.fn(
      (n) =>
        new Promise((resolve) => {
          const v = version;
          pending.push(() => resolve({ items: [{ id: `r-${n}-a`, name: `a v${v}` }, { id: `r-${n}-b`, name: `b v${v}` }], total: 40 }));
        }),
    );
    render(<List fetch={fetch} />);
    await act(async () => pending.shift()());
    fireEvent.click(screen.getByTestId("next"));
    await act(async () => pending.shift()());
    expect(screen.getAllByTestId("row").map((r) => r.dataset.id)).toEqual(["r-1-a", "r-1-b"]);
    fireEvent.click(screen.getAllByTestId("row")[1]);
    const rowB = screen.getAllByTestId("row")[1];

    version = 2;
    changed({ clients: ["c-9"] });
    await waitFor(() => expect(fetch).toHaveBeenCalledTimes(3));
    expect(fetch).toHaveBeenLastCalledWith(1);
    // Reading: the old rows stay, marked busy.
    expect(screen.getByTestId("box").getAttribute("aria-busy")).toBe("true");
    expect(screen.getAllByTestId("row").map((r) => r.dataset.name)).toEqual(["a v1", "b v1"]);
    await act(async () => pending.shift()());
    expect(screen.getByTestId("box").getAttribute("aria-busy")).toBe("false");
    expect(screen.getAllByTestId("row").map((r) => r.dataset.name)).toEqual(["a v2", "b v2"]);
    // Same element, still selected: nothing was remounted.
    expect(screen.getAllByTestId("row")[1]).toBe(rowB);
    expect(rowB.className).toBe("selected");
  });

  it("ignores other kinds and reloads on everything", async () => {
    const fetch = vi.fn(async () => ({ items: [], total: 0 }));
    render(<List fetch={fetch} />);
    await waitFor(() => expect(fetch).toHaveBeenCalledTimes(1));
    changed({ processes: ["p-1"], users: [], clients: [] });
    await settle();
    expect(fetch).toHaveBeenCalledTimes(1);
    changed({ everything: true });
    await waitFor(() => expect(fetch).toHaveBeenCalledTimes(2));
  });
});
