import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, render, screen, waitFor } from "@testing-library/preact";
import App, { RECOVERED_NOTICE } from "./App.jsx";
import { api } from "./api.js";

afterEach(cleanup);

describe("App boot state", () => {
  it("opens on Criar administrador when no user exists", () => {
    render(<App boot={{ needs_admin: true }} />);
    expect(screen.getByTestId("first-run").textContent).toContain("Criar administrador");
  });

  it("opens on the login once a user exists", () => {
    render(<App boot={{ needs_admin: false }} />);
    expect(screen.getByTestId("login")).toBeTruthy();
    expect(screen.queryByTestId("first-run")).toBeNull();
  });

  it("shows why the database could not open", () => {
    render(<App boot={{ error: { code: "DATABASE", message: "Não foi possível acessar o banco de dados: disco cheio" } }} />);
    expect(screen.getByRole("alert").textContent).toBe("Não foi possível acessar o banco de dados: disco cheio");
  });
});

describe("App opened again after its web process ended", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    history.replaceState(null, "", "/");
  });

  it("asks whether a user exists (the boot value is old), says why on the login, and drops the fragment", async () => {
    history.replaceState(null, "", "/#recuperada");
    const status = vi.spyOn(api, "setupStatus").mockResolvedValue({ needs_admin: false });
    // At start-up there was no user yet; one was created before the crash.
    render(<App boot={{ needs_admin: true }} />);
    await waitFor(() => expect(screen.getByTestId("login")).toBeTruthy());
    expect(status).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId("first-run")).toBeNull();
    expect(screen.getByTestId("login").textContent).toContain(RECOVERED_NOTICE);
    expect(location.hash).toBe("");
  });

  it("without the fragment opens as usual, with no notice", () => {
    const status = vi.spyOn(api, "setupStatus");
    render(<App boot={{ needs_admin: false }} />);
    expect(status).not.toHaveBeenCalled();
    expect(screen.getByTestId("login").textContent).not.toContain("parou de responder");
  });
});
