import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen } from "@testing-library/preact";
import App from "./App.jsx";

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
