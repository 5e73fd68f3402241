// The window goes back to the login screen when Rust ends the session (the
// `session-ended` event: deactivated or password reset on another desktop, idle) or when
// any command finds no live session, saying why; and it tells Rust when the person uses
// the window, at most once a minute.
import { afterEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { api, call, CommandError } from "./api.js";
import { onSessionEnded } from "./events.js";
import { useActivity } from "./useActivity.js";

vi.mock("./events.js", async (original) => ({ ...(await original()), onSessionEnded: vi.fn(() => () => {}) }));

const { default: App, SESSION_REFUSED_NOTICE } = await import("./App.jsx");

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const SESSION = { token: "tok-bia", user: { id: "u-1", full_name: "Bia", email: "bia@beg.com.br", role: "APROVADOR" } };

async function logIn() {
  vi.spyOn(api, "login").mockResolvedValue(SESSION);
  render(<App boot={{ needs_admin: false }} />);
  fireEvent.input(screen.getByLabelText("E-mail"), { target: { value: "bia@beg.com.br" } });
  fireEvent.input(screen.getByLabelText("Senha"), { target: { value: "senha-forte-da-bia" } });
  fireEvent.submit(screen.getByTestId("login"));
  await waitFor(() => expect(screen.queryByTestId("login")).toBeNull());
}

describe("App: sessions that end elsewhere", () => {
  it("goes back to the login with Rust's reason when the session is ended", async () => {
    let push;
    onSessionEnded.mockImplementation((h) => {
      push = h;
      return () => {};
    });
    await logIn();
    await waitFor(() => expect(push).toBeTypeOf("function"));
    act(() => push({ message: "Sua sessão foi encerrada: este usuário foi desativado. Procure um administrador." }));
    const login = await screen.findByTestId("login");
    expect(login.textContent).toContain("este usuário foi desativado");
    expect(screen.getByLabelText("E-mail").value).toBe("bia@beg.com.br");
  });

  it("goes back to the login when any command finds no live session", async () => {
    await logIn();
    // Preact runs effects after the paint: let the desk's listener be installed.
    await act(() => new Promise((r) => setTimeout(r, 50)));
    const refused = call("list_processes", { token: SESSION.token }, async () => {
      throw { code: "UNAUTHENTICATED", message: "Sessão inválida ou expirada." };
    });
    await expect(refused).rejects.toBeInstanceOf(CommandError);
    expect((await screen.findByTestId("login")).textContent).toContain(SESSION_REFUSED_NOTICE);
  });

  it("says why when Rust knows (the shared database refused the person's own login)", async () => {
    await logIn();
    await act(() => new Promise((r) => setTimeout(r, 50)));
    const why = "Sua sessão foi encerrada: este usuário foi desativado ou bloqueado. Procure um administrador.";
    const refused = call("list_processes", { token: SESSION.token }, async () => {
      throw { code: "UNAUTHENTICATED", message: why };
    });
    await expect(refused).rejects.toBeInstanceOf(CommandError);
    expect((await screen.findByTestId("login")).textContent).toContain(why);
  });

  it("a refused login is not a session that ended", async () => {
    render(<App boot={{ needs_admin: false }} />);
    await expect(
      call("login", { email: "x", password: "y" }, async () => {
        throw { code: "UNAUTHENTICATED", message: "E-mail ou senha inválidos." };
      }),
    ).rejects.toBeInstanceOf(CommandError);
    expect(screen.getByTestId("login").textContent).not.toContain(SESSION_REFUSED_NOTICE);
  });
});

describe("useActivity", () => {
  function Probe({ token, now }) {
    useActivity(token, { every: 60_000, now });
    return null;
  }

  it("touches the session on use, at most once a minute, and not without a session", () => {
    const touch = vi.spyOn(api, "touchSession").mockResolvedValue(null);
    let t = 1_000_000;
    const now = () => t;
    const { rerender } = render(<Probe token="tok" now={now} />);
    fireEvent.keyDown(window, { key: "a" });
    expect(touch).not.toHaveBeenCalled(); // the login itself just counted
    t += 61_000;
    fireEvent.pointerDown(window);
    fireEvent.keyDown(window, { key: "b" });
    expect(touch).toHaveBeenCalledTimes(1);
    expect(touch).toHaveBeenCalledWith("tok");
    t += 61_000;
    fireEvent.wheel(window);
    expect(touch).toHaveBeenCalledTimes(2);
    rerender(<Probe token={null} now={now} />);
    t += 61_000;
    fireEvent.keyDown(window, { key: "c" });
    expect(touch).toHaveBeenCalledTimes(2);
  });
});
