import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { api } from "../api.js";
import { decimalToTyped, InvoiceValuesForm, typedToCents, validateValues } from "./InvoiceValuesForm.jsx";
import { invalid, processRow, TOKEN } from "../testing.js";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function open(process = processRow({ amount: null, due_date: null })) {
  const onSaved = vi.fn();
  render(<InvoiceValuesForm token={TOKEN} process={process} onSaved={onSaved} />);
  return { onSaved };
}

const typeAmount = (v) => fireEvent.input(screen.getByTestId("values-amount"), { target: { value: v } });
const typeDue = (v) => fireEvent.input(screen.getByTestId("values-due-date"), { target: { value: v } });
const save = () => fireEvent.click(screen.getByTestId("btn-salvar-valores"));

describe("InvoiceValuesForm", () => {
  it("shows what was read, in pt-BR", () => {
    open(processRow({ amount: "1234.5", due_date: "2026-12-10" }));
    expect(screen.getByLabelText("Valor (R$)").value).toBe("1.234,50");
    expect(screen.getByLabelText("Vencimento").value).toBe("2026-12-10");
  });

  it("shows a message under each wrong field and sends nothing", async () => {
    const set = vi.spyOn(api, "setInvoiceValues");
    open();
    typeAmount("12,345");
    typeDue("2026-12-10");
    save();
    expect((await screen.findByTestId("error-amount")).textContent).toBe("Informe o valor como 1.234,56.");
    expect(screen.queryByTestId("error-due_date")).toBeNull();
    typeAmount("1.000.000.000,00");
    typeDue("1999-12-31");
    save();
    await waitFor(() => expect(screen.getByTestId("error-amount").textContent).toBe("O valor deve ser no máximo R$ 999.999.999,99."));
    expect(screen.getByTestId("error-due_date").textContent).toBe("O ano do vencimento deve estar entre 2000 e 2100.");
    expect(set).not.toHaveBeenCalled();
  });

  it("sends only what changed and hands back Rust's answer", async () => {
    const row = processRow({ amount: "987.65", amount_source: "DIGITADO" });
    const set = vi.spyOn(api, "setInvoiceValues").mockResolvedValue(row);
    const { onSaved } = open(processRow({ amount: "1234.56", due_date: "2026-12-10" }));
    typeAmount("R$ 987,65");
    save();
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith(row));
    expect(set).toHaveBeenCalledWith(TOKEN, "p-1", 7, "R$ 987,65", null);
  });

  it("says when nothing changed", async () => {
    const set = vi.spyOn(api, "setInvoiceValues");
    open(processRow({ amount: "1234.56", due_date: "2026-12-10" }));
    save();
    expect((await screen.findByTestId("values-message")).textContent).toContain("Nada mudou");
    expect(set).not.toHaveBeenCalled();
  });

  it("puts Rust's per-field answer under the field", async () => {
    vi.spyOn(api, "setInvoiceValues").mockRejectedValue(invalid("due_date", "O vencimento deve estar entre 2000 e 2100."));
    const { onSaved } = open();
    typeAmount("10,00");
    typeDue("2026-12-10");
    save();
    expect((await screen.findByTestId("error-due_date")).textContent).toBe("O vencimento deve estar entre 2000 e 2100.");
    expect(screen.queryByTestId("error-amount")).toBeNull();
    expect(onSaved).not.toHaveBeenCalled();
    expect(screen.getByTestId("values-amount").value).toBe("10,00");
  });

  it("reads and writes pt-BR amounts without floats", () => {
    expect(typedToCents("1.234,56")).toBe(123456);
    expect(typedToCents("R$ 1234,5")).toBe(123450);
    expect(typedToCents("0,01")).toBe(1);
    expect(typedToCents("12.34")).toBeNull();
    expect(typedToCents("-5,00")).toBeNull();
    expect(typedToCents("abc")).toBeNull();
    expect(decimalToTyped("1234567.8")).toBe("1.234.567,80");
    expect(decimalToTyped(null)).toBe("");
    expect(validateValues({ amount: "", dueDate: "" })).toEqual({});
    expect(validateValues({ amount: "1,00", dueDate: "2026-02-30" })).toEqual({ due_date: "Informe uma data válida (dd/mm/aaaa)." });
    expect(validateValues({ amount: "1,00", dueDate: "2101-01-01" })).toEqual({ due_date: "O ano do vencimento deve estar entre 2000 e 2100." });
  });
});
