import { afterEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import OutboxLog, { outboxFilter } from "./OutboxLog.jsx";
import { api, CommandError } from "../api.js";
import { settle, TOKEN } from "../testing.js";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

// OutboxRow as Rust sends it.
function row(over = {}) {
  return {
    id: "m-1",
    rule: "RESUMO",
    rule_label: "Resumo",
    recipient_name: "Beto Aprovador",
    recipient_email: "beto@beg.com.br",
    process_id: null,
    day: "2026-11-05",
    subject: "BRM RPA Desk: 3 faturas esperam a sua aprovação",
    state: "ENVIADO",
    state_label: "Enviado",
    attempts: 1,
    next_attempt_at: null,
    last_error: null,
    created_at: "2026-11-05T11:00:00Z",
    sent_at: "2026-11-05T11:00:40Z",
    ...over,
  };
}

const ROWS = [
  row(),
  row({
    id: "m-2",
    rule: "ESCALONAMENTO",
    rule_label: "Escalonamento",
    recipient_name: null,
    recipient_email: "ana@beg.com.br",
    process_id: "p-1",
    subject: "Fatura vence amanhã sem aprovação: PÃO E TAL",
    state: "FALHOU",
    state_label: "Falhou",
    attempts: 5,
    last_error: "550 5.1.1 Caixa postal inexistente",
    sent_at: null,
  }),
  row({
    id: "m-3",
    rule: "LEMBRETE",
    rule_label: "Lembrete",
    state: "PENDENTE",
    state_label: "Na fila",
    attempts: 2,
    last_error: "Conexão recusada",
    next_attempt_at: "2026-11-05T12:15:00Z",
    sent_at: null,
  }),
];

describe("outboxFilter", () => {
  it("sends blank choices as null and trims the text", () => {
    expect(outboxFilter({ state: "", rule: "", text: "  " })).toEqual({ state: null, rule: null, text: null });
    expect(outboxFilter({ state: "FALHOU", rule: "TESTE", text: " beto " })).toEqual({ state: "FALHOU", rule: "TESTE", text: "beto" });
  });
});

describe("OutboxLog", () => {
  it("lists the outbox newest first as Rust sent it, a failure highlighted with its error", async () => {
    const list = vi.spyOn(api, "listOutbox").mockResolvedValue(ROWS);
    render(<OutboxLog token={TOKEN} />);
    const rows = await screen.findAllByTestId("outbox-row");
    expect(list).toHaveBeenCalledWith(TOKEN, { state: null, rule: null, text: null });
    expect(screen.getByRole("heading").textContent).toBe("E-mails enviados (últimos 100)");
    const headers = [...screen.getByTestId("outbox-table").querySelectorAll("th")].map((th) => th.textContent);
    expect(headers).toEqual(["Quando", "Regra", "Destinatário", "Assunto", "Situação", "Tentativas", "Enviado em"]);
    expect(rows).toHaveLength(3);
    const cells = (r) => [...r.querySelectorAll("td")].map((td) => td.textContent);
    expect(cells(rows[0])).toEqual([
      "05/11/2026 08:00",
      "Resumo",
      "Beto Aprovadorbeto@beg.com.br",
      "BRM RPA Desk: 3 faturas esperam a sua aprovação",
      "Enviado",
      "1",
      "05/11/2026 08:00",
    ]);
    const failed = rows[1];
    expect(failed.dataset.state).toBe("FALHOU");
    expect(failed.querySelector(".run-status--FALHOU").textContent).toBe("Falhou");
    expect(failed.querySelector("[data-testid=outbox-error]").textContent).toBe("550 5.1.1 Caixa postal inexistente");
    expect(cells(failed)[2]).toBe("ana@beg.com.br");
    expect(cells(failed)[6]).toBe("—");
    // A retry on its way: the last error and when it tries again.
    expect(rows[2].querySelector("[data-testid=outbox-error]").textContent).toBe("Última tentativa falhou: Conexão recusada · nova tentativa às 09:15");
    expect(rows[2].querySelector(".run-status--FALHOU")).toBeNull();
  });

  it("asks Rust again with each filter: state, rule and text", async () => {
    const list = vi.spyOn(api, "listOutbox").mockResolvedValue(ROWS);
    render(<OutboxLog token={TOKEN} />);
    await screen.findAllByTestId("outbox-row");
    const state = screen.getByTestId("outbox-filter-state");
    expect([...state.options].map((o) => o.textContent)).toEqual(["Todos", "Na fila", "Enviando", "Enviado", "Falhou", "Cancelado"]);
    expect([...screen.getByTestId("outbox-filter-rule").options].map((o) => o.textContent)).toEqual([
      "Todos",
      "Resumo",
      "Lembrete",
      "Escalonamento",
      "Teste",
    ]);
    list.mockResolvedValue([ROWS[1]]);
    fireEvent.change(state, { target: { value: "FALHOU" } });
    await waitFor(() => expect(screen.getAllByTestId("outbox-row")).toHaveLength(1));
    expect(list).toHaveBeenLastCalledWith(TOKEN, { state: "FALHOU", rule: null, text: null });
    fireEvent.change(screen.getByTestId("outbox-filter-rule"), { target: { value: "ESCALONAMENTO" } });
    await waitFor(() => expect(list).toHaveBeenLastCalledWith(TOKEN, { state: "FALHOU", rule: "ESCALONAMENTO", text: null }));
    list.mockResolvedValue([]);
    fireEvent.input(screen.getByTestId("outbox-filter-text"), { target: { value: " ana@ " } });
    await waitFor(() => expect(list).toHaveBeenLastCalledWith(TOKEN, { state: "FALHOU", rule: "ESCALONAMENTO", text: "ana@" }));
    expect((await screen.findByTestId("outbox-empty")).textContent).toBe("Nenhum e-mail com esses filtros.");
  });

  it("shows only the newest answer when an older one arrives late", async () => {
    const answers = [];
    vi.spyOn(api, "listOutbox").mockImplementation(() => new Promise((resolve) => answers.push(resolve)));
    render(<OutboxLog token={TOKEN} />);
    await act(async () => {
      answers[0](ROWS);
      await settle();
    });
    fireEvent.change(screen.getByTestId("outbox-filter-state"), { target: { value: "ENVIADO" } });
    fireEvent.change(screen.getByTestId("outbox-filter-state"), { target: { value: "FALHOU" } });
    await act(async () => {
      answers[2]([ROWS[1]]);
      await settle();
      answers[1]([ROWS[0]]);
      await settle();
    });
    expect(screen.getAllByTestId("outbox-row").map((r) => r.dataset.state)).toEqual(["FALHOU"]);
  });

  it("is simply not there for someone Rust refuses, with no error", async () => {
    const list = vi.spyOn(api, "listOutbox").mockRejectedValue(new CommandError({ code: "FORBIDDEN", message: "Somente administradores." }));
    const { container } = render(<OutboxLog token={TOKEN} />);
    await waitFor(() => expect(list).toHaveBeenCalled());
    await act(settle);
    expect(container.innerHTML).toBe("");
  });

  it("says what went wrong for any other refusal", async () => {
    vi.spyOn(api, "listOutbox").mockRejectedValue(new CommandError({ code: "DATABASE", message: "O banco de dados não respondeu." }));
    render(<OutboxLog token={TOKEN} />);
    expect((await screen.findByTestId("outbox-error-message")).textContent).toBe("O banco de dados não respondeu.");
  });

  it("says when nothing was sent yet", async () => {
    vi.spyOn(api, "listOutbox").mockResolvedValue([]);
    render(<OutboxLog token={TOKEN} />);
    expect((await screen.findByTestId("outbox-empty")).textContent).toBe("Nenhum e-mail na fila ou enviado ainda.");
  });
});
