import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import Clients from "./Clients.jsx";
import { api } from "../api.js";
import { client, invalid, OPERATORS, pageOf, settle, TOKEN } from "../testing.js";
import { onModelChanged } from "../events.js";

vi.mock("../events.js", async (importOriginal) => ({ ...(await importOriginal()), onModelChanged: vi.fn() }));
const handlers = new Set();
const changed = (payload) => act(() => handlers.forEach((h) => h(payload)));
beforeEach(() => {
  handlers.clear();
  onModelChanged.mockImplementation((handler) => {
    handlers.add(handler);
    return () => handlers.delete(handler);
  });
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

let listClients;
beforeEach(() => {
  vi.spyOn(api, "listOperators").mockResolvedValue(pageOf(OPERATORS));
  listClients = vi.spyOn(api, "listClients").mockResolvedValue(
    pageOf([client(), client({ id: "c-2", hash: null, legal_name: "MANUAL LTDA", cnpj: "11222333000181", active: false })], {
      total: 41,
    }),
  );
});

const lastFilter = () => listClients.mock.calls.at(-1)[1];

describe("Clients", () => {
  it("lists the page the database returned, with the CNPJ formatted", async () => {
    render(<Clients token={TOKEN} />);
    const rows = await screen.findAllByTestId("client-row");
    expect(rows.map((r) => r.dataset.hash)).toEqual(["exemplo0030", ""]);
    expect(rows[0].textContent).toContain("13.878.375/0001-09");
    expect(rows[0].textContent).toContain("Definida");
    expect(rows[1].textContent).toContain("Inativo");
    // A client without hash is keyed by its id.
    expect(screen.getByTestId("edit-client-c-2")).toBeTruthy();
    expect(screen.getByTestId("pager").textContent).toBe("Página 1 de 3 · 41 clientes");
    expect(listClients).toHaveBeenCalledWith(TOKEN, { search: null, operator_id: null, active: null, page: 0, page_size: 20 });
    expect(api.listOperators).toHaveBeenCalledWith(TOKEN, { page: 0, page_size: 200, active: null, search: null });
  });

  it("sends the search, operator and situation filters and pages from the database", async () => {
    render(<Clients token={TOKEN} />);
    await screen.findAllByTestId("client-row");
    fireEvent.click(screen.getByText("Próxima"));
    await waitFor(() => expect(lastFilter().page).toBe(1));

    fireEvent.input(screen.getByTestId("clients-search"), { target: { value: "pão" } });
    await waitFor(() => expect(lastFilter()).toMatchObject({ search: "pão", page: 0 }));

    await screen.findByRole("option", { name: "Oi (inativa)" });
    fireEvent.change(screen.getByTestId("clients-operator"), { target: { value: "op-vivo" } });
    await waitFor(() => expect(lastFilter()).toMatchObject({ search: "pão", operator_id: "op-vivo" }));

    fireEvent.change(screen.getByTestId("clients-active"), { target: { value: "false" } });
    await waitFor(() => expect(lastFilter()).toEqual({ search: "pão", operator_id: "op-vivo", active: false, page: 0, page_size: 20 }));
  });

  it("never prefills the portal password and sends blank as keep", async () => {
    const update = vi.spyOn(api, "updateClient").mockResolvedValue(client({ legal_name: "PÃO E TAL S/A" }));
    render(<Clients token={TOKEN} />);
    fireEvent.click(await screen.findByTestId("edit-client-exemplo0030"));
    const form = screen.getByTestId("client-form");
    expect(form.textContent).toContain("Senha do portal: definida");
    expect(screen.getByLabelText("Nova senha do portal").value).toBe("");
    expect(screen.getByLabelText("Remover senha")).toBeTruthy();
    expect(screen.getByLabelText("CNPJ").value).toBe("13.878.375/0001-09");

    fireEvent.input(screen.getByLabelText("Razão social"), { target: { value: "PÃO E TAL S/A" } });
    fireEvent.click(screen.getByTestId("save-client"));
    expect((await screen.findByTestId("banner-info")).textContent).toBe("Cliente PÃO E TAL S/A salvo.");
    const [token, id, version, input] = update.mock.calls[0];
    expect([token, id, version]).toEqual([TOKEN, "c-1", 4]);
    expect(input).toMatchObject({
      legal_name: "PÃO E TAL S/A",
      operator_id: "op-vivo",
      portal_password: null,
      clear_portal_password: false,
      sat_category: null,
    });
  });

  it("asks to remove the password only when one is set, and shows Rust's field errors", async () => {
    const create = vi.spyOn(api, "createClient").mockRejectedValue(invalid("cnpj", "CNPJ inválido: dígitos verificadores não conferem."));
    render(<Clients token={TOKEN} />);
    fireEvent.click(await screen.findByTestId("new-client"));
    expect(screen.getByTestId("client-form").textContent).toContain("Senha do portal: não definida");
    expect(screen.queryByLabelText("Remover senha")).toBeNull();

    fireEvent.input(screen.getByLabelText("Razão social"), { target: { value: "NOVA LTDA" } });
    fireEvent.input(screen.getByLabelText("CNPJ"), { target: { value: "11.111.111/1111-11" } });
    fireEvent.input(screen.getByLabelText("Senha do portal"), { target: { value: "segredo" } });
    fireEvent.change(within(screen.getByTestId("client-form")).getByLabelText("Operadora"), { target: { value: "op-vivo" } });
    fireEvent.click(screen.getByTestId("save-client"));
    expect((await screen.findByTestId("error-cnpj")).textContent).toBe("CNPJ inválido: dígitos verificadores não conferem.");
    expect(create.mock.calls[0][1]).toMatchObject({ cnpj: "11.111.111/1111-11", portal_password: "segredo", hash: null });
    expect(screen.getByTestId("client-form")).toBeTruthy();
  });

  it("deactivates a client with the version it was read at", async () => {
    const toggle = vi.spyOn(api, "setClientActive").mockResolvedValue(client({ active: false }));
    render(<Clients token={TOKEN} />);
    fireEvent.click(await screen.findByTestId("toggle-client-exemplo0030"));
    expect((await screen.findByTestId("banner-info")).textContent).toBe("Cliente PÃO E TAL TRANSPORTES S/A desativado.");
    expect(toggle).toHaveBeenCalledWith(TOKEN, "c-1", 4, false);
  });

  it("reads the same page again when clients change elsewhere, not for processes", async () => {
    render(<Clients token={TOKEN} />);
    await screen.findAllByTestId("client-row");
    fireEvent.click(screen.getByRole("button", { name: "Próxima" }));
    await waitFor(() => expect(lastFilter().page).toBe(1));
    const calls = listClients.mock.calls.length;
    changed({ processes: ["p-1"] });
    await settle();
    expect(listClients.mock.calls.length).toBe(calls);
    changed({ clients: ["c-1"] });
    await waitFor(() => expect(listClients.mock.calls.length).toBe(calls + 1));
    expect(lastFilter().page).toBe(1);
  });

  it("exports clients with the current filter", async () => {
    const exportList = vi.spyOn(api, "exportList").mockResolvedValue({ path: "/tmp/c.csv", file_name: "c.csv", rows: 41 });
    render(<Clients token={TOKEN} />);
    fireEvent.input(await screen.findByTestId("clients-search"), { target: { value: "pão" } });
    fireEvent.click(screen.getByTestId("btn-export-csv"));
    await waitFor(() => expect(screen.getByTestId("export-status").textContent).toBe("Exportado: c.csv (41 linhas) em /tmp/c.csv"));
    expect(exportList).toHaveBeenCalledWith(TOKEN, "clientes", expect.objectContaining({ search: "pão", page: 0 }), "csv");
  });
});
