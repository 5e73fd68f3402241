import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { api } from "../api.js";
import { RejectForm, validateRejection } from "./RejectForm.jsx";
import { conflict, invalid, TOKEN } from "../testing.js";

const REASONS = [
  { code: "VALOR_DIVERGENTE", label: "Valor diferente do esperado", text_required: false },
  { code: "FATURA_DUPLICADA", label: "Fatura duplicada", text_required: false },
  { code: "OUTRO", label: "Outro motivo", text_required: true },
];

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

async function open(onConfirm = vi.fn().mockResolvedValue(undefined)) {
  vi.spyOn(api, "rejectionReasons").mockResolvedValue(REASONS);
  const onCancel = vi.fn();
  render(<RejectForm token={TOKEN} onConfirm={onConfirm} onCancel={onCancel} />);
  await screen.findByRole("option", { name: "Fatura duplicada" });
  return { onConfirm, onCancel };
}

describe("RejectForm", () => {
  it("lists Rust's reasons and needs one before sending", async () => {
    const { onConfirm } = await open();
    expect([...screen.getByTestId("reject-reason-code").options].map((o) => o.value)).toEqual(["", "VALOR_DIVERGENTE", "FATURA_DUPLICADA", "OUTRO"]);
    fireEvent.click(screen.getByTestId("btn-confirmar-rejeicao"));
    expect((await screen.findByTestId("error-reason_code")).textContent).toBe("Escolha o motivo da rejeição.");
    expect(onConfirm).not.toHaveBeenCalled();
  });

  it("sends a code without text when the code does not need one", async () => {
    const { onConfirm } = await open();
    fireEvent.change(screen.getByTestId("reject-reason-code"), { target: { value: "FATURA_DUPLICADA" } });
    expect(screen.getByLabelText("Descrição (opcional)")).toBeTruthy();
    fireEvent.click(screen.getByTestId("btn-confirmar-rejeicao"));
    await waitFor(() => expect(onConfirm).toHaveBeenCalledWith("", "FATURA_DUPLICADA"));
  });

  it("OUTRO needs at least 5 characters of text", async () => {
    const { onConfirm } = await open();
    fireEvent.change(screen.getByTestId("reject-reason-code"), { target: { value: "OUTRO" } });
    expect(screen.getByLabelText("Descrição (obrigatória)")).toBeTruthy();
    fireEvent.input(screen.getByTestId("reject-reason-text"), { target: { value: "  abc  " } });
    fireEvent.click(screen.getByTestId("btn-confirmar-rejeicao"));
    expect((await screen.findByTestId("error-reason")).textContent).toBe("Descreva o motivo (pelo menos 5 caracteres).");
    expect(onConfirm).not.toHaveBeenCalled();
    fireEvent.input(screen.getByTestId("reject-reason-text"), { target: { value: "  Conta de outra filial " } });
    expect(screen.queryByTestId("error-reason")).toBeNull();
    fireEvent.click(screen.getByTestId("btn-confirmar-rejeicao"));
    await waitFor(() => expect(onConfirm).toHaveBeenCalledWith("Conta de outra filial", "OUTRO"));
  });

  it("puts Rust's field error under the field and anything else on top", async () => {
    const onConfirm = vi
      .fn()
      .mockRejectedValueOnce(invalid("reason_code", "Motivo de rejeição desconhecido."))
      .mockRejectedValueOnce(conflict("Esta fatura já foi decidida por Ana."));
    await open(onConfirm);
    fireEvent.change(screen.getByTestId("reject-reason-code"), { target: { value: "VALOR_DIVERGENTE" } });
    fireEvent.click(screen.getByTestId("btn-confirmar-rejeicao"));
    expect((await screen.findByTestId("error-reason_code")).textContent).toBe("Motivo de rejeição desconhecido.");
    fireEvent.click(screen.getByTestId("btn-confirmar-rejeicao"));
    expect((await screen.findByTestId("reject-error")).textContent).toBe("Esta fatura já foi decidida por Ana.");
  });

  it("goes back without sending", async () => {
    const { onConfirm, onCancel } = await open();
    fireEvent.click(screen.getByTestId("btn-voltar-rejeicao"));
    expect(onCancel).toHaveBeenCalled();
    expect(onConfirm).not.toHaveBeenCalled();
  });

  it("validates like Rust", () => {
    expect(validateRejection("", "", REASONS).map((f) => f.field)).toEqual(["reason_code"]);
    expect(validateRejection("NAO_EXISTE", "", REASONS).map((f) => f.field)).toEqual(["reason_code"]);
    expect(validateRejection("OUTRO", "1234", REASONS).map((f) => f.field)).toEqual(["reason"]);
    expect(validateRejection("OUTRO", "12345", REASONS)).toEqual([]);
    expect(validateRejection("VALOR_DIVERGENTE", "", REASONS)).toEqual([]);
  });
});
