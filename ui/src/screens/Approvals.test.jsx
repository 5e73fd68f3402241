import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import Approvals, { bulkSkipReason, checkSummary, dueText, EMPTY_QUEUE } from "./Approvals.jsx";
import { api } from "../api.js";
import { onModelChanged } from "../events.js";
import { openPdf } from "../components/pdfjsSetup.js";
import { conflict, OPERATORS, pageOf, processRow, TOKEN } from "../testing.js";

vi.mock("../events.js", async (importOriginal) => ({ ...(await importOriginal()), onModelChanged: vi.fn() }));
vi.mock("../components/pdfjsSetup.js", () => ({ openPdf: vi.fn() }));
vi.mock("chart.js", () => {
  const Chart = vi.fn(function Chart() {
    this.destroy = vi.fn();
  });
  Chart.register = vi.fn();
  return { Chart, BarController: {}, BarElement: {}, CategoryScale: {}, LinearScale: {}, Tooltip: {} };
});

const ADMIN = { id: "u-1", full_name: "Ana Admin", role: "ADMINISTRADOR" };
const OK_CHECKS = [
  { kind: "VARIACAO_VALOR", outcome: "OK", reason: "Dentro da tolerância.", days_left: null },
  { kind: "POSSIVEL_DUPLICATA", outcome: "OK", reason: "Nenhuma igual.", days_left: null },
  { kind: "VENCIMENTO", outcome: "OK", reason: "Vence em 12 dias.", days_left: 12 },
  { kind: "LINHA_DIGITAVEL", outcome: "OK", reason: "Linha válida.", days_left: null },
];

function item(id, over = {}) {
  return {
    ...processRow({ id, client_id: `c-${id}`, client_name: `Cliente ${id}`, ...over }),
    amount_cents: 123456,
    amount_source: "LINHA_DIGITAVEL",
    due_date_source: "TEXTO_DA_FATURA",
    manual_upload: false,
    uploaded_by_name: null,
    checks: OK_CHECKS,
    all_passed: true,
    four_eyes_required: false,
    first_approval: null,
    blocked_reason: null,
    can_bulk_approve: true,
    ...over,
  };
}

const queueOf = (items) => ({ items, total: items.length });

let changed;
beforeEach(() => {
  onModelChanged.mockImplementation((handler) => {
    changed = (payload) => act(() => handler(payload));
    return () => {};
  });
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue({});
  vi.spyOn(api, "listOperators").mockResolvedValue(pageOf(OPERATORS));
  vi.spyOn(api, "invoicePdf").mockResolvedValue(new ArrayBuffer(4));
  vi.spyOn(api, "clientInvoiceHistory").mockResolvedValue([]);
  vi.spyOn(api, "rejectionReasons").mockResolvedValue([
    { code: "VALOR_DIVERGENTE", label: "Valor diferente do esperado", text_required: false },
    { code: "OUTRO", label: "Outro motivo", text_required: true },
  ]);
  openPdf.mockImplementation(() => ({
    promise: Promise.resolve({
      numPages: 1,
      getPage: async () => ({
        getViewport: ({ scale }) => ({ width: 600 * scale, height: 800 * scale }),
        render: () => ({ promise: Promise.resolve() }),
      }),
    }),
    destroy: vi.fn(),
  }));
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

// Answers the queue with `answers` in turn (the last one repeats).
function open(answers, { user = ADMIN, initial } = {}) {
  const list = vi.spyOn(api, "listApprovalQueue");
  let n = 0;
  list.mockImplementation(async () => {
    const a = answers[Math.min(n, answers.length - 1)];
    n += 1;
    if (a instanceof Error) throw a;
    return a;
  });
  const onNavigate = vi.fn();
  render(<Approvals token={TOKEN} user={user} onNavigate={onNavigate} initial={initial} />);
  return { list, onNavigate };
}

const rows = () => screen.getAllByTestId("queue-row");
const detailId = () => screen.getByTestId("approval-detail").getAttribute("data-id");
const key = (k, target = document.body) => fireEvent.keyDown(target, { key: k });

describe("Approvals", () => {
  it("opened by a brm-desk://aprovar link: that process shown, Aprovar focused, nothing approved until Enter", async () => {
    const approve = vi.spyOn(api, "approveProcess").mockResolvedValue({ process: processRow({ id: "p-2" }), first_approval_only: false, message: "Fatura aprovada." });
    open([queueOf([item("p-1"), item("p-2"), item("p-3")])], { initial: { open_id: "p-2" } });
    await waitFor(() => expect(detailId()).toBe("p-2"));
    await waitFor(() => expect(document.activeElement?.dataset.testid).toBe("btn-aprovar"));
    expect(approve).not.toHaveBeenCalled();
    // One keystroke: the focused button.
    fireEvent.click(document.activeElement);
    await waitFor(() => expect(approve).toHaveBeenCalledTimes(1));
    expect(approve.mock.calls[0][1]).toBe("p-2");
  });

  it("a link to a process that is not waiting says so and focuses no other invoice's Aprovar", async () => {
    const approve = vi.spyOn(api, "approveProcess");
    open([queueOf([item("p-1")])], { initial: { open_id: "p-9" } });
    await waitFor(() => expect(screen.getByText(/O processo do link não está aguardando aprovação/)).toBeTruthy());
    await waitFor(() => expect(detailId()).toBe("p-1"));
    expect(document.activeElement?.dataset.testid).not.toBe("btn-aprovar");
    expect(approve).not.toHaveBeenCalled();
  });

  it("lists the queue, selects the first and shows its detail in pt-BR", async () => {
    const { list } = open([queueOf([item("p-1", { first_approval: { by_id: "u-2", by_name: "Bruno", at: "2026-11-05T17:03:00Z" } }), item("p-2", { manual_upload: true })])]);
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(list).toHaveBeenCalledWith(TOKEN, { month: null, operator_id: null, search: null, sort: "vencimento", descending: false });
    expect(rows().map((r) => r.getAttribute("data-client"))).toEqual(["Cliente p-1", "Cliente p-2"]);
    const first = rows()[0].textContent;
    expect(first).toContain("R$ 1.234,56");
    expect(first).toContain("vence 10/12/2026");
    expect(first).toContain("faltam 12 dias");
    expect(first).toContain("Verificações OK");
    expect(first).toContain("1ª aprovação por Bruno");
    expect(rows()[1].textContent).toContain("Envio manual");
    await waitFor(() => expect(detailId()).toBe("p-1"));
    expect(screen.getByTestId("amount-source").textContent).toBe("Fonte: Linha digitável");
    expect(screen.getByTestId("due-date-source").textContent).toBe("Fonte: Texto da fatura");
    expect(screen.getAllByTestId("approval-check")).toHaveLength(4);
    expect(screen.getByTestId("history-chart")).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId("pdf-preview").getAttribute("data-state")).toBe("ready"));
    expect(screen.getByTestId("pdf-preview").getAttribute("data-pages-rendered")).toBe("1");
    expect(screen.getByTestId("shortcuts").textContent).toContain("J próxima");
  });

  it("filters by month with the month picker, and clears it", async () => {
    const { list } = open([queueOf([item("p-1")])]);
    await waitFor(() => expect(rows()).toHaveLength(1));
    const picker = screen.getByRole("group", { name: "Mês de referência" });
    expect(picker.dataset.value).toBe("");
    fireEvent.change(screen.getByTestId("queue-month-year"), { target: { value: "2026" } });
    fireEvent.change(screen.getByTestId("queue-month-month"), { target: { value: "12" } });
    await waitFor(() => expect(list).toHaveBeenLastCalledWith(TOKEN, expect.objectContaining({ month: "2026-12" })));
    expect(document.querySelector('input[name="queue_month"]').value).toBe("2026-12");
    fireEvent.click(screen.getByTestId("queue-month-next"));
    await waitFor(() => expect(list).toHaveBeenLastCalledWith(TOKEN, expect.objectContaining({ month: "2027-01" })));
    fireEvent.change(screen.getByTestId("queue-month-month"), { target: { value: "" } });
    await waitFor(() => expect(list).toHaveBeenLastCalledWith(TOKEN, expect.objectContaining({ month: null })));
  });

  it("sorts by the chosen column and direction", async () => {
    const byValue = queueOf([item("p-2", { amount: "99.00" }), item("p-1")]);
    const { list } = open([queueOf([item("p-1"), item("p-2", { amount: "99.00" })]), byValue, queueOf([item("p-1"), item("p-2", { amount: "99.00" })])]);
    await waitFor(() => expect(rows()).toHaveLength(2));
    fireEvent.change(screen.getByTestId("sort-select"), { target: { value: "valor" } });
    await waitFor(() => expect(list).toHaveBeenLastCalledWith(TOKEN, expect.objectContaining({ sort: "valor", descending: false })));
    await waitFor(() => expect(rows().map((r) => r.getAttribute("data-id"))).toEqual(["p-2", "p-1"]));
    fireEvent.change(screen.getByTestId("sort-direction"), { target: { value: "desc" } });
    await waitFor(() => expect(list).toHaveBeenLastCalledWith(TOKEN, expect.objectContaining({ sort: "valor", descending: true })));
    await waitFor(() => expect(rows().map((r) => r.getAttribute("data-id"))).toEqual(["p-1", "p-2"]));
  });

  it("keeps the selection and the typed notes across a model-changed reload", async () => {
    const { list } = open([queueOf([item("p-1"), item("p-2"), item("p-3")]), queueOf([item("p-0"), item("p-1"), item("p-2", { version: 8 }), item("p-3")])]);
    await waitFor(() => expect(rows()).toHaveLength(3));
    fireEvent.click(rows()[1]);
    await waitFor(() => expect(detailId()).toBe("p-2"));
    fireEvent.input(screen.getByTestId("approval-notes"), { target: { value: "Conferido" } });
    changed({ processes: ["p-0"] });
    await waitFor(() => expect(rows()).toHaveLength(4));
    expect(list).toHaveBeenCalledTimes(2);
    expect(detailId()).toBe("p-2");
    expect(screen.getByTestId("approval-notes").value).toBe("Conferido");
    expect(screen.getByTestId("queue-notice").textContent).toBe("");
  });

  it("chooses the next invoice and says so when the selected one left the queue", async () => {
    open([queueOf([item("p-1"), item("p-2"), item("p-3")]), queueOf([item("p-1"), item("p-3")])]);
    await waitFor(() => expect(rows()).toHaveLength(3));
    fireEvent.click(rows()[1]);
    await waitFor(() => expect(detailId()).toBe("p-2"));
    changed({ processes: ["p-2"] });
    await waitFor(() => expect(rows()).toHaveLength(2));
    await waitFor(() => expect(detailId()).toBe("p-3"));
    expect(screen.getByTestId("queue-notice").textContent).toBe(
      "A fatura de Cliente p-2 saiu da fila (decidida ou alterada por outra pessoa). Mostrando a de Cliente p-3.",
    );
  });

  it("moves with J and K, approves with A, rejects with R, opens the PDF with O", async () => {
    const approve = vi.spyOn(api, "approveProcess").mockResolvedValue({ process: processRow({ id: "p-2" }), first_approval_only: false, message: "Fatura aprovada." });
    open([queueOf([item("p-1"), item("p-2"), item("p-3")]), queueOf([item("p-1"), item("p-3")])]);
    await waitFor(() => expect(detailId()).toBe("p-1"));
    key("j");
    await waitFor(() => expect(detailId()).toBe("p-2"));
    key("j");
    await waitFor(() => expect(detailId()).toBe("p-3"));
    key("k");
    await waitFor(() => expect(detailId()).toBe("p-2"));
    // Keys typed into a text field are text, not shortcuts.
    key("j", screen.getByTestId("approval-notes"));
    expect(detailId()).toBe("p-2");

    key("o");
    const modal = await screen.findByTestId("pdf-large");
    expect(modal.getAttribute("role")).toBe("dialog");
    expect(document.activeElement).toBe(screen.getByTestId("btn-fechar-pdf"));
    key("j"); // the dialog holds the keys
    expect(detailId()).toBe("p-2");
    key("Escape");
    await waitFor(() => expect(screen.queryByTestId("pdf-large")).toBeNull());

    key("r");
    expect(await screen.findByTestId("reject-form")).toBeTruthy();
    fireEvent.click(screen.getByTestId("btn-voltar-rejeicao"));

    key("a");
    await waitFor(() => expect(approve).toHaveBeenCalledWith(TOKEN, "p-2", 7, null));
    await waitFor(() => expect(screen.getByTestId("approval-message").textContent).toBe("Fatura aprovada. (Cliente p-2)"));
    await waitFor(() => expect(detailId()).toBe("p-3"));
    expect(screen.getByTestId("queue-notice").textContent).toBe("");
  });

  it("returns the focus where it was when the large PDF closes", async () => {
    open([queueOf([item("p-1")])]);
    const button = await screen.findByTestId("btn-ampliar-pdf");
    button.focus();
    fireEvent.click(button);
    await screen.findByTestId("pdf-large");
    fireEvent.click(screen.getByTestId("btn-fechar-pdf"));
    await waitFor(() => expect(screen.queryByTestId("pdf-large")).toBeNull());
    expect(document.activeElement).toBe(screen.getByTestId("btn-ampliar-pdf"));
  });

  it("sends the notes with the approval and shows a first approval in Rust's words", async () => {
    const blocked = "Esta fatura precisa de um segundo aprovador, diferente de Ana Admin.";
    const approve = vi.spyOn(api, "approveProcess").mockResolvedValue({
      process: processRow(),
      first_approval_only: true,
      message: "Primeira aprovação registrada; falta a de outro aprovador.",
    });
    const failing = { all_passed: false, four_eyes_required: true, can_bulk_approve: false };
    open([
      queueOf([item("p-1", failing)]),
      queueOf([item("p-1", { ...failing, version: 8, blocked_reason: blocked, first_approval: { by_id: "u-1", by_name: "Ana Admin", at: "2026-11-05T17:03:00Z" } })]),
    ]);
    await waitFor(() => expect(detailId()).toBe("p-1"));
    fireEvent.input(screen.getByTestId("approval-notes"), { target: { value: "  Conferido com o contrato " } });
    fireEvent.click(screen.getByTestId("btn-aprovar"));
    await waitFor(() => expect(approve).toHaveBeenCalledWith(TOKEN, "p-1", 7, "Conferido com o contrato"));
    await waitFor(() => expect(screen.getByTestId("blocked-reason").textContent).toContain("diferente de Ana Admin"));
    expect(screen.getByTestId("approval-message").textContent).toContain("Primeira aprovação registrada");
    expect(screen.getByTestId("btn-aprovar").disabled).toBe(true);
    expect(screen.getByTestId("detail-first-approval").textContent).toContain("Ana Admin em 05/11/2026 14:03");
    expect(rows()[0].textContent).toContain("1ª aprovação por Ana Admin");
  });

  it("a blocked_reason disables Aprovar and the A key", async () => {
    const approve = vi.spyOn(api, "approveProcess");
    open([queueOf([item("p-1", { manual_upload: true, uploaded_by_name: "Ana Admin", blocked_reason: "Você enviou esta fatura manualmente; outra pessoa precisa aprová-la." })])]);
    await waitFor(() => expect(detailId()).toBe("p-1"));
    const button = screen.getByTestId("btn-aprovar");
    expect(button.disabled).toBe(true);
    expect(button.getAttribute("aria-describedby")).toBe("blocked-reason");
    expect(screen.getByTestId("blocked-reason").textContent).toContain("Você enviou esta fatura manualmente");
    expect(screen.getByTestId("detail-manual-upload").textContent).toBe("Enviada manualmente por Ana Admin");
    key("a");
    await new Promise((r) => setTimeout(r, 0));
    expect(approve).not.toHaveBeenCalled();
    expect(screen.getByTestId("btn-rejeitar").disabled).toBe(false);
  });

  it("an operator sees the queue but cannot decide", async () => {
    open([queueOf([item("p-1", { blocked_reason: "Somente aprovadores podem aprovar." })])], { user: { ...ADMIN, role: "OPERADOR" } });
    await waitFor(() => expect(detailId()).toBe("p-1"));
    expect(screen.getByTestId("btn-aprovar").disabled).toBe(true);
    expect(screen.getByTestId("btn-rejeitar").disabled).toBe(true);
    expect(screen.queryByTestId("values-form")).toBeNull();
  });

  it("approves only the selected invoices that may go in bulk and lists the rest", async () => {
    const many = vi.spyOn(api, "approveMany").mockResolvedValue({
      approved: [processRow({ id: "p-1", status: "AGUARDANDO_ENVIO_SAT" })],
      skipped: [{ id: "p-3", client_name: "Cliente p-3", message: "Outra pessoa alterou esta fatura; leia de novo." }],
    });
    const failing = { all_passed: false, can_bulk_approve: false, checks: [{ ...OK_CHECKS[0], outcome: "FALHOU", reason: "Variação de 80%." }, ...OK_CHECKS.slice(1)] };
    open([queueOf([item("p-1"), item("p-2", failing), item("p-3"), item("p-4")]), queueOf([item("p-2", failing), item("p-3", { version: 9 }), item("p-4")])]);
    await waitFor(() => expect(rows()).toHaveLength(4));
    expect(rows()[1].textContent).toContain("1 verificação pede atenção");
    const checks = screen.getAllByTestId("queue-row-check");
    fireEvent.click(checks[0]);
    fireEvent.click(checks[1]);
    fireEvent.click(checks[2]);
    expect(screen.getByTestId("btn-aprovar-selecionadas").textContent).toBe("Aprovar selecionadas (3)");
    fireEvent.click(screen.getByTestId("btn-aprovar-selecionadas"));
    await waitFor(() =>
      expect(many).toHaveBeenCalledWith(
        TOKEN,
        [
          { id: "p-1", version: 7 },
          { id: "p-3", version: 7 },
        ],
        null,
      ),
    );
    expect((await screen.findByTestId("bulk-approved")).textContent).toBe("1 fatura aprovada.");
    const skipped = screen.getAllByTestId("bulk-skipped");
    expect(skipped.map((s) => s.getAttribute("data-id"))).toEqual(["p-3", "p-2"]);
    expect(skipped[1].textContent).toBe("Cliente p-2: Nem todas as verificações passaram: confira e aprove-a individualmente.");
    expect(screen.getByTestId("approval-message").textContent).toBe("1 fatura aprovada; 2 não aprovadas (veja os motivos abaixo).");
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(screen.getByTestId("queue-notice").textContent).toBe("");
  });

  it("does not call Rust when nothing selected may go in bulk", async () => {
    const many = vi.spyOn(api, "approveMany");
    open([queueOf([item("p-1", { four_eyes_required: true, all_passed: false, can_bulk_approve: false })])]);
    await waitFor(() => expect(rows()).toHaveLength(1));
    fireEvent.click(screen.getByTestId("queue-check-all"));
    fireEvent.click(screen.getByTestId("btn-aprovar-selecionadas"));
    expect((await screen.findAllByTestId("bulk-skipped"))[0].textContent).toContain("Precisa de um segundo aprovador");
    expect(many).not.toHaveBeenCalled();
  });

  it("rejects with a reason code and the invoice leaves the queue", async () => {
    const reject = vi.spyOn(api, "rejectProcess").mockResolvedValue(processRow({ status: "AGUARDANDO_DOWNLOAD" }));
    open([queueOf([item("p-1"), item("p-2")]), queueOf([item("p-2")])]);
    await waitFor(() => expect(detailId()).toBe("p-1"));
    fireEvent.click(screen.getByTestId("btn-rejeitar"));
    await screen.findByRole("option", { name: "Outro motivo" });
    fireEvent.change(screen.getByTestId("reject-reason-code"), { target: { value: "OUTRO" } });
    fireEvent.click(screen.getByTestId("btn-confirmar-rejeicao"));
    expect((await screen.findByTestId("error-reason")).textContent).toBe("Descreva o motivo (pelo menos 5 caracteres).");
    expect(reject).not.toHaveBeenCalled();
    fireEvent.change(screen.getByTestId("reject-reason-code"), { target: { value: "VALOR_DIVERGENTE" } });
    fireEvent.input(screen.getByTestId("reject-reason-text"), { target: { value: "Valor muito acima do contrato" } });
    fireEvent.click(screen.getByTestId("btn-confirmar-rejeicao"));
    await waitFor(() => expect(reject).toHaveBeenCalledWith(TOKEN, "p-1", 7, "Valor muito acima do contrato", "VALOR_DIVERGENTE"));
    await waitFor(() => expect(screen.getByTestId("approval-message").textContent).toContain("rejeitada"));
    await waitFor(() => expect(detailId()).toBe("p-2"));
    expect(screen.queryByTestId("reject-form")).toBeNull();
  });

  it("says why a decision was refused and reads the queue again", async () => {
    vi.spyOn(api, "approveProcess").mockRejectedValue(conflict("Esta fatura já foi decidida por Bruno."));
    const { list } = open([queueOf([item("p-1")]), queueOf([])]);
    await waitFor(() => expect(detailId()).toBe("p-1"));
    fireEvent.click(screen.getByTestId("btn-aprovar"));
    await waitFor(() => expect(screen.getByTestId("approval-message").textContent).toBe("Esta fatura já foi decidida por Bruno."));
    await waitFor(() => expect(list).toHaveBeenCalledTimes(2));
    expect(await screen.findByTestId("queue-empty")).toBeTruthy();
  });

  it("types the values that could not be read and reloads", async () => {
    const set = vi.spyOn(api, "setInvoiceValues").mockResolvedValue(processRow());
    const missing = { amount: null, amount_cents: null, amount_source: null, due_date: null, due_date_source: null };
    open([queueOf([item("p-1", missing)]), queueOf([item("p-1", { version: 8, amount_source: "DIGITADO", due_date_source: "DIGITADO" })])]);
    await waitFor(() => expect(detailId()).toBe("p-1"));
    expect(screen.getByTestId("amount-source").textContent).toBe("Não lido da fatura: digite abaixo");
    fireEvent.input(screen.getByTestId("values-amount"), { target: { value: "abc" } });
    fireEvent.click(screen.getByTestId("btn-salvar-valores"));
    expect((await screen.findByTestId("error-amount")).textContent).toBe("Informe o valor como 1.234,56.");
    expect(set).not.toHaveBeenCalled();
    fireEvent.input(screen.getByTestId("values-amount"), { target: { value: "1.234,56" } });
    fireEvent.input(screen.getByTestId("values-due-date"), { target: { value: "2026-12-10" } });
    fireEvent.click(screen.getByTestId("btn-salvar-valores"));
    await waitFor(() => expect(set).toHaveBeenCalledWith(TOKEN, "p-1", 7, "1.234,56", "2026-12-10"));
    await waitFor(() => expect(screen.getByTestId("amount-source").textContent).toBe("Fonte: Digitado"));
    expect(screen.getByTestId("approval-message").textContent).toBe("Valores da fatura de Cliente p-1 salvos.");
  });

  it("an empty queue says what to do next and links to Processos", async () => {
    const { onNavigate } = open([queueOf([])]);
    expect((await screen.findByTestId("queue-empty")).textContent).toContain(EMPTY_QUEUE);
    fireEvent.click(screen.getByTestId("btn-ir-processos"));
    expect(onNavigate).toHaveBeenCalledWith("processos");
    expect(screen.queryByTestId("approval-detail")).toBeNull();
  });

  it("shows a queue that could not be read", async () => {
    open([conflict("Banco indisponível.")]);
    expect((await screen.findByTestId("queue-error")).textContent).toBe("Banco indisponível.");
  });
});

describe("Approvals helpers", () => {
  it("describe due dates, checks and skip reasons in pt-BR", () => {
    expect(dueText(item("p", { checks: [{ kind: "VENCIMENTO", outcome: "FALHOU", days_left: -2 }] }))).toBe("vencida há 2 dias");
    expect(dueText(item("p", { checks: [{ kind: "VENCIMENTO", outcome: "ATENCAO", days_left: 0 }] }))).toBe("vence hoje");
    expect(dueText(item("p", { checks: [] }))).toBeNull();
    expect(checkSummary(item("p"))).toEqual({ kind: "ok", icon: "✓", text: "Verificações OK" });
    expect(checkSummary(item("p", { checks: [{ kind: "X", outcome: "FALHOU" }, { kind: "Y", outcome: "SEM_DADOS" }] })).text).toBe("2 verificações pedem atenção");
    expect(bulkSkipReason(item("p", { blocked_reason: "Não." }))).toBe("Não.");
  });
});
