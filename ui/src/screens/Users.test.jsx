import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import Users from "./Users.jsx";
import { api } from "../api.js";
import { conflict, invalid, pageOf, TOKEN } from "../testing.js";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const ANA = {
  id: "u-1",
  full_name: "Ana Administradora",
  email: "ana@beg.com.br",
  phone: null,
  role: "ADMINISTRADOR",
  active: true,
  locked: false,
  last_login_at: "2026-11-05T17:03:00Z",
};
const BETO = { ...ANA, id: "u-2", full_name: "Beto Operador", email: "beto@beg.com.br", role: "OPERADOR", locked: true, last_login_at: null };

let listUsers;
beforeEach(() => {
  listUsers = vi.spyOn(api, "listUsers").mockResolvedValue(pageOf([ANA, BETO]));
});

describe("Users", () => {
  it("lists users with role, lock and last login, and sends the filter", async () => {
    render(<Users token={TOKEN} />);
    const rows = await screen.findAllByTestId("user-row");
    expect(rows.map((r) => r.dataset.email)).toEqual(["ana@beg.com.br", "beto@beg.com.br"]);
    expect(screen.getByTestId("role-ana@beg.com.br").value).toBe("ADMINISTRADOR");
    expect(rows[0].textContent).toContain("05/11/2026 14:03");
    expect(rows[1].textContent).toContain("Bloqueado");
    expect(rows[1].textContent).toContain("Nunca");
    expect(listUsers).toHaveBeenCalledWith(TOKEN, { search: null, active: null, page: 0, page_size: 20 });

    fireEvent.input(screen.getByTestId("users-search"), { target: { value: "beto" } });
    fireEvent.change(screen.getByTestId("users-active"), { target: { value: "true" } });
    await waitFor(() => expect(listUsers.mock.calls.at(-1)[1]).toEqual({ search: "beto", active: true, page: 0, page_size: 20 }));
  });

  it("shows the CONFLICT of removing the last administrator and keeps the stored role", async () => {
    const setRole = vi.spyOn(api, "setUserRole").mockRejectedValue(conflict("Não é possível remover o último administrador ativo."));
    render(<Users token={TOKEN} />);
    const select = await screen.findByTestId("role-ana@beg.com.br");
    fireEvent.change(select, { target: { value: "OPERADOR" } });
    expect((await screen.findByTestId("banner-error")).textContent).toBe("Não é possível remover o último administrador ativo.");
    expect(setRole).toHaveBeenCalledWith(TOKEN, "u-1", "OPERADOR");
    await waitFor(() => expect(listUsers).toHaveBeenCalledTimes(2));
    expect(screen.getByTestId("banner-error")).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId("role-ana@beg.com.br").value).toBe("ADMINISTRADOR"));
  });

  it("deactivates a user", async () => {
    const setActive = vi.spyOn(api, "setUserActive").mockResolvedValue({ ...BETO, active: false });
    render(<Users token={TOKEN} />);
    fireEvent.click(await screen.findByTestId("toggle-user-beto@beg.com.br"));
    expect((await screen.findByTestId("banner-info")).textContent).toBe("Usuário Beto Operador desativado.");
    expect(setActive).toHaveBeenCalledWith(TOKEN, "u-2", false);
  });

  it("creates a user with the chosen role and shows field errors", async () => {
    const create = vi
      .spyOn(api, "createUser")
      .mockRejectedValueOnce(invalid("email", "Já existe um usuário com este e-mail."))
      .mockResolvedValueOnce({ ...BETO, id: "u-3", full_name: "Carla" });
    render(<Users token={TOKEN} />);
    fireEvent.click(await screen.findByTestId("new-user"));
    const form = screen.getByTestId("user-form");
    fireEvent.input(screen.getByLabelText("Nome completo"), { target: { value: "Carla" } });
    fireEvent.input(screen.getByLabelText("E-mail"), { target: { value: "ana@beg.com.br" } });
    fireEvent.change(screen.getByLabelText("Papel"), { target: { value: "APROVADOR" } });
    fireEvent.input(screen.getByLabelText("Senha (mínimo 12 caracteres)"), { target: { value: "senha-bem-comprida" } });
    fireEvent.input(screen.getByLabelText("Confirmação da senha"), { target: { value: "senha-bem-comprida" } });
    fireEvent.click(screen.getByTestId("save-user"));
    expect((await screen.findByTestId("error-email")).textContent).toBe("Já existe um usuário com este e-mail.");
    expect(create.mock.calls[0][1]).toEqual({
      full_name: "Carla",
      email: "ana@beg.com.br",
      phone: null,
      role: "APROVADOR",
      password: "senha-bem-comprida",
      password_confirmation: "senha-bem-comprida",
    });
    expect(form.isConnected).toBe(true);

    fireEvent.input(screen.getByLabelText("E-mail"), { target: { value: "carla@beg.com.br" } });
    fireEvent.click(screen.getByTestId("save-user"));
    expect((await screen.findByTestId("banner-info")).textContent).toBe("Usuário Carla criado.");
  });

  it("resets a password with its confirmation", async () => {
    const reset = vi.spyOn(api, "resetUserPassword").mockResolvedValue({ ...BETO, locked: false });
    render(<Users token={TOKEN} />);
    fireEvent.click(await screen.findByTestId("reset-beto@beg.com.br"));
    expect(screen.getByTestId("reset-form").textContent).toContain("Nova senha para Beto Operador");
    fireEvent.input(screen.getByLabelText("Senha (mínimo 12 caracteres)"), { target: { value: "outra-senha-comprida" } });
    fireEvent.input(screen.getByLabelText("Confirmação da senha"), { target: { value: "outra-senha-comprida" } });
    fireEvent.click(screen.getByTestId("save-reset"));
    expect((await screen.findByTestId("banner-info")).textContent).toBe("Senha de Beto Operador redefinida.");
    expect(reset).toHaveBeenCalledWith(TOKEN, "u-2", "outra-senha-comprida", "outra-senha-comprida");
  });
});
