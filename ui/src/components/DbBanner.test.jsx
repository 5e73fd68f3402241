import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, render, screen, waitFor } from "@testing-library/preact";
import { DbBanner } from "./DbBanner.jsx";
import { api } from "../api.js";
import { onDbStatus } from "../events.js";
import { TOKEN } from "../testing.js";

// Stands in for Tauri's event bus, which only exists inside the application.
vi.mock("../events.js", () => ({ onDbStatus: vi.fn() }));

let push;
let stop;
beforeEach(() => {
  stop = vi.fn();
  onDbStatus.mockImplementation((handler) => {
    push = (payload) => act(() => handler(payload));
    return stop;
  });
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe("DbBanner", () => {
  it("appears on a down event, counts down, and hides on ok", async () => {
    vi.spyOn(api, "databaseStatus").mockResolvedValue({ state: "ok", message: null, retry_in_secs: 0 });
    vi.useFakeTimers();
    render(<DbBanner token={TOKEN} />);
    await act(() => Promise.resolve());
    expect(api.databaseStatus).toHaveBeenCalledWith(TOKEN);
    expect(screen.queryByTestId("db-banner")).toBeNull();

    push({ state: "down", message: "connection refused", retry_in_secs: 5 });
    const banner = screen.getByTestId("db-banner");
    expect(banner.textContent).toContain(
      "Sem conexão com o banco de dados. Tentando reconectar em 5 s… Alterações estão bloqueadas até a conexão voltar.",
    );
    expect(banner.textContent).toContain("connection refused");
    act(() => vi.advanceTimersByTime(2000));
    expect(screen.getByTestId("db-banner").textContent).toContain("Tentando reconectar em 3 s…");

    push({ state: "ok", message: null, retry_in_secs: 0 });
    expect(screen.queryByTestId("db-banner")).toBeNull();
  });

  it("shows the state database_status answered on mount", async () => {
    vi.spyOn(api, "databaseStatus").mockResolvedValue({ state: "down", message: "timeout", retry_in_secs: 10 });
    render(<DbBanner token={TOKEN} />);
    expect((await screen.findByTestId("db-banner")).textContent).toContain("Tentando reconectar em 10 s…");
  });

  it("lets a newer event win over a late answer, and stops listening when closed", async () => {
    let answer;
    vi.spyOn(api, "databaseStatus").mockReturnValue(new Promise((r) => (answer = r)));
    const { unmount } = render(<DbBanner token={TOKEN} />);
    push({ state: "down", message: null, retry_in_secs: 3 });
    await act(async () => answer({ state: "ok", message: null, retry_in_secs: 0 }));
    expect(screen.getByTestId("db-banner")).toBeTruthy();
    unmount();
    await waitFor(() => expect(stop).toHaveBeenCalled());
  });
});
