import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, render } from "@testing-library/preact";
import { settle, TOKEN } from "./testing.js";

// Stand-ins for Tauri's invoke and event bus: the command name and arguments the hook
// sends are the contract with Rust.
const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...args) => invoke(...args) }));
const listeners = {};
const unlisten = vi.fn();
const listen = vi.fn();
vi.mock("@tauri-apps/api/event", () => ({
  listen: async (name, cb) => {
    listen(name);
    listeners[name] = cb;
    return unlisten;
  },
}));

const { deskPlace, useNavigation } = await import("./useNavigation.js");

function Probe({ token = TOKEN, go }) {
  useNavigation(token, go);
  return null;
}

const emit = (payload) => act(() => listeners.navigate({ payload }));

beforeEach(() => {
  invoke.mockReset();
  unlisten.mockClear();
  listen.mockClear();
  delete listeners.navigate;
});
afterEach(cleanup);

describe("deskPlace", () => {
  it("maps each target to a tab and the list's parameters", () => {
    expect(deskPlace({ to: "processo", id: "p-9", version: 3 })).toEqual({ tab: "processos", params: { open_id: "p-9" } });
    expect(deskPlace({ to: "aprovacao" })).toEqual({ tab: "aprovacao", params: null });
    expect(deskPlace({ to: "atencao" })).toEqual({ tab: "processos", params: { needs_attention: true } });
    expect(deskPlace({ to: "processo_na_aprovacao", id: "p-9" })).toEqual({ tab: "aprovacao", params: { open_id: "p-9" } });
  });

  it("ignores what it does not know", () => {
    expect(deskPlace(null)).toBeNull();
    expect(deskPlace("processo")).toBeNull();
    expect(deskPlace({ to: "processo" })).toBeNull();
    expect(deskPlace({ to: "processo", id: "" })).toBeNull();
    expect(deskPlace({ to: "processo_na_aprovacao" })).toBeNull();
    expect(deskPlace({ to: "usuarios" })).toBeNull();
  });
});

describe("useNavigation", () => {
  it("asks once for the target kept from before login and goes there", async () => {
    invoke.mockResolvedValue({ to: "processo", id: "p-7", version: 4 });
    const go = vi.fn();
    const { rerender } = render(<Probe go={go} />);
    await act(settle);
    rerender(<Probe go={go} />);
    await act(settle);
    expect(invoke).toHaveBeenCalledTimes(1);
    expect(invoke).toHaveBeenCalledWith("take_pending_navigation", { token: TOKEN });
    expect(go.mock.calls).toEqual([["processos", { open_id: "p-7" }]]);
  });

  it("stays put when nothing was kept or the question failed", async () => {
    const go = vi.fn();
    invoke.mockResolvedValueOnce(null);
    render(<Probe go={go} />);
    await act(settle);
    cleanup();
    invoke.mockRejectedValueOnce({ code: "UNAUTHENTICATED", message: "Sessão expirada." });
    render(<Probe go={go} />);
    await act(settle);
    expect(invoke).toHaveBeenCalledTimes(2);
    expect(go).not.toHaveBeenCalled();
  });

  it("follows every navigate event while mounted, and stops listening after", async () => {
    invoke.mockResolvedValue(null);
    const go = vi.fn();
    const { unmount } = render(<Probe go={go} />);
    await act(settle);
    await emit({ to: "aprovacao" });
    await emit({ to: "atencao" });
    await emit({ to: "processo", id: "p-2", version: 1 });
    await emit({ to: "nenhum-lugar" });
    expect(go.mock.calls).toEqual([
      ["aprovacao", null],
      ["processos", { needs_attention: true }],
      ["processos", { open_id: "p-2" }],
    ]);
    unmount();
    expect(unlisten).toHaveBeenCalledTimes(1);
  });

  it("lets a live click that arrives first win over the kept target", async () => {
    let answer;
    invoke.mockReturnValue(new Promise((r) => (answer = r)));
    const go = vi.fn();
    render(<Probe go={go} />);
    await act(settle);
    await emit({ to: "aprovacao" });
    await act(async () => {
      answer({ to: "processo", id: "p-old", version: 1 });
      await settle();
    });
    expect(go.mock.calls).toEqual([["aprovacao", null]]);
  });

  it("uses the newest handler without listening again", async () => {
    invoke.mockResolvedValue(null);
    const first = vi.fn();
    const second = vi.fn();
    const { rerender } = render(<Probe go={first} />);
    await act(settle);
    rerender(<Probe go={second} />);
    await emit({ to: "aprovacao" });
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledWith("aprovacao", null);
    expect(listen.mock.calls).toEqual([["navigate"]]);
    expect(invoke).toHaveBeenCalledTimes(1);
  });
});
