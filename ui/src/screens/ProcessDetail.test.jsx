import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import ProcessDetail, { checkInvoiceFile, describeChanges, MAX_INVOICE_BYTES } from "./ProcessDetail.jsx";
import { api, CommandError } from "../api.js";
import { onModelChanged } from "../events.js";
import { client, conflict, invalid, processRow, settle, TOKEN } from "../testing.js";

// Stands in for Tauri's event bus: `changed(payload)` delivers a model-changed event.
vi.mock("../events.js", async (importOriginal) => ({ ...(await importOriginal()), onModelChanged: vi.fn() }));

let changed;
let emails;
beforeEach(() => {
  emails = vi.spyOn(api, "processEmails").mockResolvedValue([]);
  onModelChanged.mockImplementation((handler) => {
    changed = (payload) => act(() => handler(payload));
    return () => {};
  });
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function detail({
  status = "AGUARDANDO_APROVACAO",
  can_approve = true,
  can_cancel = false,
  can_download_now = false,
  can_retry = false,
  can_send_to_sat = false,
  can_upload = false,
  executions = [],
  audit,
  checks,
  process = {},
} = {}) {
  return {
    process: {
      ...processRow({ status, ...process }),
      invoice_file_name: "fatura-2026-11.pdf",
      invoice_size: 183_296,
      invoice_sha256: "ab".repeat(32),
      approved_by_name: null,
      approved_at: null,
      sent_to_sat_at: null,
      last_rejection_reason: null,
      notes: null,
      manual_upload: false,
      auto_created: true,
      next_retry_at: null,
      ...process,
    },
    client: client(),
    executions,
    ...(checks === undefined ? {} : { checks }),
    audit: audit ?? [
      {
        at: "2026-11-05T17:03:00Z",
        actor_name: "Robô",
        action: "DOWNLOAD_CONCLUIDO",
        entity: "processo",
        entity_id: "p-1",
        before: { status: "AGUARDANDO_DOWNLOAD" },
        after: { status: "AGUARDANDO_APROVACAO" },
        detail: null,
      },
    ],
    can_approve,
    can_cancel,
    can_download_now,
    can_retry,
    can_send_to_sat,
    can_upload,
  };
}

const REASONS = [
  { code: "VALOR_DIVERGENTE", label: "Valor diferente do esperado", text_required: false },
  { code: "OUTRO", label: "Outro motivo", text_required: true },
];

const pdf = (name = "fatura.pdf", body = "%PDF-1.7\n%âãÏÓ\n1 0 obj\n") => new File([body], name, { type: "application/pdf" });
const chooseFile = (file) => fireEvent.change(screen.getByTestId("upload-fatura-input"), { target: { files: [file] } });

function open(answer) {
  const get = vi.spyOn(api, "getProcess");
  if (typeof answer === "function") get.mockImplementation(answer);
  else get.mockResolvedValue(answer);
  const onBack = vi.fn();
  render(<ProcessDetail token={TOKEN} id="p-1" onBack={onBack} />);
  return { get, onBack };
}

describe("ProcessDetail", () => {
  it("shows the header, the data, no execution yet and the audit trail in pt-BR", async () => {
    const { get } = open(detail());
    expect((await screen.findByTestId("process-status")).textContent).toBe("Aguardando aprovação");
    expect(get).toHaveBeenCalledWith(TOKEN, "p-1");
    const page = screen.getByTestId("process-detail").textContent;
    expect(page).toContain("PÃO E TAL TRANSPORTES S/A");
    expect(page).toContain("13.878.375/0001-09");
    expect(page).toContain("referência 11/2026");
    expect(page).toContain("R$ 1.234,56");
    expect(page).toContain("10/12/2026");
    expect(page).toContain("fatura-2026-11.pdf (179,0 KB)");
    expect(screen.getByTestId("executions").textContent).toContain("Nenhuma execução ainda.");
    const [row] = screen.getAllByTestId("audit-row");
    expect(row.textContent).toContain("05/11/2026 14:03");
    expect(row.textContent).toContain("Robô");
    expect(row.textContent).toContain("Download concluído");
    expect(row.textContent).toContain("Situação: Aguardando download → Aguardando aprovação");
  });

  it("offers approve and reject to an approver", async () => {
    open(detail({ can_approve: true }));
    expect(await screen.findByTestId("approve-process")).toBeTruthy();
    expect(screen.getByTestId("reject-process")).toBeTruthy();
    expect(screen.queryByTestId("approval-forbidden")).toBeNull();
    expect(screen.queryByTestId("cancel-process")).toBeNull();
  });

  it("tells an operator that only approvers decide", async () => {
    open(detail({ can_approve: false }));
    expect((await screen.findByTestId("approval-forbidden")).textContent).toBe("Somente aprovadores podem aprovar ou rejeitar.");
    expect(screen.queryByTestId("approve-process")).toBeNull();
    expect(screen.queryByTestId("reject-process")).toBeNull();
  });

  it("offers no decision once the process left approval", async () => {
    open(detail({ status: "AGUARDANDO_ENVIO_SAT", can_approve: true }));
    await screen.findByTestId("process-status");
    expect(screen.queryByTestId("approve-process")).toBeNull();
    expect(screen.queryByTestId("approval-forbidden")).toBeNull();
  });

  it("approves with the version it read and reads the process again", async () => {
    const approve = vi
      .spyOn(api, "approveProcess")
      .mockResolvedValue({ process: processRow({ status: "AGUARDANDO_ENVIO_SAT" }), first_approval_only: false, message: "Fatura aprovada." });
    let calls = 0;
    const { get } = open(async () => (++calls === 1 ? detail() : detail({ status: "AGUARDANDO_ENVIO_SAT" })));
    fireEvent.click(await screen.findByTestId("approve-process"));
    expect((await screen.findByTestId("banner-info")).textContent).toContain("Processo aprovado.");
    expect(approve).toHaveBeenCalledWith(TOKEN, "p-1", 7, null);
    await waitFor(() => expect(screen.getByTestId("process-status").textContent).toBe("Aguardando envio ao SAT"));
    expect(get).toHaveBeenCalledTimes(2);
  });

  it("shows who decided first and reloads the detail", async () => {
    vi.spyOn(api, "approveProcess").mockRejectedValue(conflict("Este processo já foi decidido por Ana às 14:03."));
    let calls = 0;
    const { get } = open(async () => (++calls === 1 ? detail() : detail({ status: "AGUARDANDO_ENVIO_SAT" })));
    fireEvent.click(await screen.findByTestId("approve-process"));
    expect((await screen.findByTestId("banner-error")).textContent).toBe("Este processo já foi decidido por Ana às 14:03.");
    await waitFor(() => expect(get).toHaveBeenCalledTimes(2));
    await waitFor(() => expect(screen.getByTestId("process-status").textContent).toBe("Aguardando envio ao SAT"));
    expect(screen.queryByTestId("approve-process")).toBeNull();
  });

  it("rejects with a reason from Rust's list; OUTRO needs the text", async () => {
    vi.spyOn(api, "rejectionReasons").mockResolvedValue(REASONS);
    const reject = vi.spyOn(api, "rejectProcess").mockResolvedValue(processRow({ status: "AGUARDANDO_DOWNLOAD" }));
    open(detail());
    fireEvent.click(await screen.findByTestId("reject-process"));
    await screen.findByRole("option", { name: "Outro motivo" });
    fireEvent.click(screen.getByTestId("btn-confirmar-rejeicao"));
    expect((await screen.findByTestId("error-reason_code")).textContent).toBe("Escolha o motivo da rejeição.");
    fireEvent.change(screen.getByTestId("reject-reason-code"), { target: { value: "OUTRO" } });
    fireEvent.click(screen.getByTestId("btn-confirmar-rejeicao"));
    expect((await screen.findByTestId("error-reason")).textContent).toBe("Descreva o motivo (pelo menos 5 caracteres).");
    expect(reject).not.toHaveBeenCalled();

    fireEvent.input(screen.getByTestId("reject-reason-text"), { target: { value: "Fatura de outro cliente" } });
    fireEvent.click(screen.getByTestId("btn-confirmar-rejeicao"));
    expect((await screen.findByTestId("banner-info")).textContent).toContain("Processo rejeitado.");
    expect(reject).toHaveBeenCalledWith(TOKEN, "p-1", 7, "Fatura de outro cliente", "OUTRO");
    expect(screen.queryByTestId("reject-form")).toBeNull();
  });

  it("keeps the reject form open with Rust's message about the reason", async () => {
    vi.spyOn(api, "rejectionReasons").mockResolvedValue(REASONS);
    vi.spyOn(api, "rejectProcess").mockRejectedValue(invalid("reason", "O motivo deve ter até 500 caracteres."));
    open(detail());
    fireEvent.click(await screen.findByTestId("reject-process"));
    await screen.findByRole("option", { name: "Valor diferente do esperado" });
    fireEvent.change(screen.getByTestId("reject-reason-code"), { target: { value: "VALOR_DIVERGENTE" } });
    fireEvent.input(screen.getByTestId("reject-reason-text"), { target: { value: "x".repeat(40) } });
    fireEvent.click(screen.getByTestId("btn-confirmar-rejeicao"));
    expect((await screen.findByTestId("error-reason")).textContent).toBe("O motivo deve ter até 500 caracteres.");
    expect(screen.getByTestId("reject-form")).toBeTruthy();
  });

  it("says a first approval in Rust's words and shows why this person cannot approve again", async () => {
    vi.spyOn(api, "approveProcess").mockResolvedValue({
      process: processRow(),
      first_approval_only: true,
      message: "Primeira aprovação registrada; falta a de outro aprovador.",
    });
    let calls = 0;
    open(async () =>
      ++calls === 1
        ? detail()
        : {
            ...detail(),
            first_approval: { by_id: "u-1", by_name: "Ana Admin", at: "2026-11-05T17:03:00Z" },
            blocked_reason: "Esta fatura precisa de um segundo aprovador, diferente de Ana Admin.",
          },
    );
    fireEvent.click(await screen.findByTestId("approve-process"));
    expect((await screen.findByTestId("banner-info")).textContent).toBe("Primeira aprovação registrada; falta a de outro aprovador.");
    expect((await screen.findByTestId("blocked-reason")).textContent).toContain("diferente de Ana Admin");
    expect(screen.getByTestId("first-approval").textContent).toBe(
      "1ª aprovação por Ana Admin em 05/11/2026 14:03; falta a de outro aprovador.",
    );
    expect(screen.getByTestId("approve-process").disabled).toBe(true);
    expect(screen.getByTestId("reject-process").disabled).toBe(false);
  });

  it("names who uploaded the invoice by hand", async () => {
    open({ ...detail({ process: { manual_upload: true } }), uploaded_by_name: "Otávio" });
    await screen.findByTestId("process-status");
    expect(screen.getByTestId("process-detail").textContent).toContain("enviada manualmente por Otávio");
  });

  it("cancels with a reason when Rust allows it", async () => {
    const cancel = vi.spyOn(api, "cancelProcess").mockResolvedValue(processRow({ status: "CANCELADO" }));
    open(detail({ status: "AGUARDANDO_DOWNLOAD", can_approve: false, can_cancel: true }));
    fireEvent.click(await screen.findByTestId("cancel-process"));
    fireEvent.input(screen.getByTestId("cancel-reason"), { target: { value: "Conta encerrada" } });
    fireEvent.click(screen.getByTestId("confirm-cancel"));
    expect((await screen.findByTestId("banner-info")).textContent).toBe("Processo cancelado.");
    expect(cancel).toHaveBeenCalledWith(TOKEN, "p-1", 7, "Conta encerrada");
  });

  it("lists each execution with its log lines", async () => {
    open(
      detail({
        status: "AGUARDANDO_DOWNLOAD",
        executions: [
          {
            id: "e-1",
            kind: "DOWNLOAD_FATURA",
            status: "FALHOU",
            job_id: "job-9",
            progress: 40,
            attempt: 2,
            started_at: "2026-11-05T17:00:00Z",
            finished_at: "2026-11-05T17:01:00Z",
            error: "Senha do portal recusada",
            error_class: "NEGOCIO",
            triggered_by: "Agendamento",
            logs: [
              { at: "2026-11-05T17:00:01Z", level: "INFO", message: "Abrindo o portal" },
              { at: "2026-11-05T17:00:59Z", level: "ERROR", message: "Login recusado" },
            ],
          },
        ],
      }),
    );
    const run = await screen.findByTestId("execution");
    expect(run.textContent).toContain("Download da fatura · tentativa 2 · Falhou");
    expect(run.textContent).toContain("Erro de negócio");
    expect(screen.getAllByTestId("log-line").map((l) => l.textContent)).toEqual([
      "05/11/2026 14:00:01 INFO Abrindo o portal",
      "05/11/2026 14:00:59 ERROR Login recusado",
    ]);
  });

  it("goes back to the list", async () => {
    const { onBack } = open(detail());
    fireEvent.click(await screen.findByTestId("process-back"));
    expect(onBack).toHaveBeenCalled();
  });
});

describe("describeChanges", () => {
  it("names changed fields in pt-BR and skips ids", () => {
    expect(
      describeChanges(
        { status: "AGUARDANDO_APROVACAO", approved_by: null, last_rejection_reason: null },
        { status: "AGUARDANDO_DOWNLOAD", approved_by: "u-1", last_rejection_reason: "ilegível" },
      ),
    ).toBe("Situação: Aguardando aprovação → Aguardando download; Motivo da rejeição: — → ilegível");
    expect(describeChanges(null, { legal_name: "X" })).toBe("Razão social: X");
    expect(describeChanges(null, null)).toBe("");
  });
});

describe("ProcessDetail robot actions", () => {
  it("shows attention, the attempts and the next retry in pt-BR", async () => {
    open(
      detail({
        status: "AGUARDANDO_DOWNLOAD",
        can_retry: true,
        process: { needs_attention: true, download_attempts: 3, sat_attempts: 0, next_retry_at: "2026-11-05T20:30:00Z" },
      }),
    );
    expect((await screen.findByTestId("needs-attention")).textContent).toContain("Precisa de atenção");
    expect(screen.getByTestId("process-attempts").textContent).toBe(
      "Tentativas: 3 de download · 0 de envio ao SAT · Próxima tentativa: 05/11/2026 17:30",
    );
    expect(screen.getByTestId("btn-retentar").textContent).toBe("Retentar");
  });

  it("offers only the actions Rust allows", async () => {
    open(detail({ status: "AGUARDANDO_DOWNLOAD", can_approve: false }));
    await screen.findByTestId("process-status");
    for (const id of ["btn-baixar-agora", "btn-retentar", "btn-enviar-sat", "upload-fatura-form", "needs-attention", "next-retry"]) {
      expect(screen.queryByTestId(id)).toBeNull();
    }
    cleanup();
    open(detail({ status: "AGUARDANDO_DOWNLOAD", can_download_now: true, can_send_to_sat: true, can_upload: true }));
    expect((await screen.findByTestId("btn-baixar-agora")).textContent).toBe("Baixar agora");
    expect(screen.getByTestId("btn-enviar-sat").textContent).toBe("Enviar ao SAT");
    expect(screen.getByTestId("btn-upload-fatura").textContent).toBe("Enviar fatura (PDF)");
    expect(screen.getByLabelText("Arquivo da fatura (.pdf)").id).toBe("upload-fatura-input");
  });

  it("downloads now with the version it read, shows progress, then the detail Rust answered", async () => {
    let answer;
    const download = vi.spyOn(api, "downloadNow").mockReturnValue(new Promise((r) => (answer = r)));
    const { get } = open(detail({ status: "AGUARDANDO_DOWNLOAD", can_download_now: true }));
    fireEvent.click(await screen.findByTestId("btn-baixar-agora"));
    expect(download).toHaveBeenCalledWith(TOKEN, "p-1", 7);
    await waitFor(() => expect(screen.getByTestId("btn-baixar-agora").textContent).toBe("Enviando…"));
    expect(screen.getByTestId("btn-baixar-agora").disabled).toBe(true);

    const executions = [{ id: "e-7", kind: "DOWNLOAD_FATURA", status: "PENDENTE", attempt: 2, progress: 0, logs: [] }];
    await act(async () => answer(detail({ status: "AGUARDANDO_DOWNLOAD", can_download_now: false, executions })));
    expect(screen.getByTestId("banner-info").textContent).toContain("Download solicitado");
    expect(screen.queryByTestId("btn-baixar-agora")).toBeNull();
    expect(screen.getByTestId("execution").textContent).toContain("Download da fatura · tentativa 2 · Pendente");
    expect(get).toHaveBeenCalledTimes(1);
  });

  it("retries and sends to the SAT by the process id and version", async () => {
    const retry = vi.spyOn(api, "retryProcess").mockResolvedValue(detail({ status: "AGUARDANDO_ENVIO_SAT" }));
    const sat = vi.spyOn(api, "sendToSat").mockResolvedValue(detail({ status: "AGUARDANDO_ENVIO_SAT" }));
    open(detail({ status: "AGUARDANDO_ENVIO_SAT", can_retry: true, can_send_to_sat: true, process: { needs_attention: true } }));
    fireEvent.click(await screen.findByTestId("btn-retentar"));
    expect((await screen.findByTestId("banner-info")).textContent).toBe("Nova tentativa solicitada.");
    expect(retry).toHaveBeenCalledWith(TOKEN, "p-1", 7);
    expect(screen.queryByTestId("needs-attention")).toBeNull();

    cleanup();
    open(detail({ status: "AGUARDANDO_ENVIO_SAT", can_send_to_sat: true }));
    fireEvent.click(await screen.findByTestId("btn-enviar-sat"));
    expect((await screen.findByTestId("banner-info")).textContent).toBe("Envio ao SAT solicitado.");
    expect(sat).toHaveBeenCalledWith(TOKEN, "p-1", 7);
  });

  it("shows why an action was refused and reads the process again", async () => {
    vi.spyOn(api, "sendToSat").mockRejectedValue(conflict("Este processo já foi enviado ao SAT por Ana às 14:03."));
    let calls = 0;
    const { get } = open(async () =>
      ++calls === 1 ? detail({ status: "AGUARDANDO_ENVIO_SAT", can_send_to_sat: true }) : detail({ status: "UPLOAD_REALIZADO" }),
    );
    fireEvent.click(await screen.findByTestId("btn-enviar-sat"));
    expect((await screen.findByTestId("banner-error")).textContent).toBe("Este processo já foi enviado ao SAT por Ana às 14:03.");
    await waitFor(() => expect(screen.getByTestId("process-status").textContent).toBe("Enviado ao SAT"));
    expect(get).toHaveBeenCalledTimes(2);
    expect(screen.queryByTestId("btn-enviar-sat")).toBeNull();
  });

  it("uploads a PDF as base64 with its name and shows the answered detail", async () => {
    const upload = vi.spyOn(api, "uploadInvoice").mockResolvedValue(detail({ status: "AGUARDANDO_APROVACAO", process: { manual_upload: true } }));
    open(detail({ status: "AGUARDANDO_DOWNLOAD", can_approve: false, can_upload: true }));
    await screen.findByTestId("upload-fatura-form");
    expect(screen.getByTestId("btn-upload-fatura").disabled).toBe(true);
    chooseFile(pdf("fatura-11.pdf"));
    await settle();
    expect(screen.queryByTestId("upload-fatura-error")).toBeNull();
    fireEvent.click(screen.getByTestId("btn-upload-fatura"));
    expect((await screen.findByTestId("banner-info")).textContent).toBe("Fatura enviada. O processo aguarda aprovação.");
    const [token, id, version, name, content] = upload.mock.calls[0];
    expect([token, id, version, name]).toEqual([TOKEN, "p-1", 7, "fatura-11.pdf"]);
    expect(Buffer.from(content, "base64").toString("utf8")).toBe("%PDF-1.7\n%âãÏÓ\n1 0 obj\n");
    expect(screen.getByTestId("process-status").textContent).toBe("Aguardando aprovação");
    expect(screen.getByTestId("process-detail").textContent).toContain("enviada manualmente");
  });

  it("refuses in the browser a file that is not a PDF or is over 20 MB", async () => {
    const upload = vi.spyOn(api, "uploadInvoice");
    open(detail({ status: "AGUARDANDO_DOWNLOAD", can_upload: true }));
    await screen.findByTestId("upload-fatura-form");

    chooseFile(new File(["PK\u0003\u0004 planilha"], "fatura.pdf", { type: "application/pdf" }));
    expect((await screen.findByTestId("upload-fatura-error")).textContent).toBe("O arquivo precisa ser um PDF.");
    expect(screen.getByTestId("btn-upload-fatura").disabled).toBe(true);
    expect(screen.getByTestId("upload-fatura-input").getAttribute("aria-invalid")).toBe("true");

    const big = pdf("grande.pdf");
    Object.defineProperty(big, "size", { value: 25 * 1024 * 1024 });
    chooseFile(big);
    await waitFor(() =>
      expect(screen.getByTestId("upload-fatura-error").textContent).toBe("O arquivo tem 25,0 MB; o limite é 20 MB."),
    );
    fireEvent.submit(screen.getByTestId("upload-fatura-form"));
    await settle();
    expect(upload).not.toHaveBeenCalled();
  });

  it("keeps the chosen file and shows Rust's message when the upload is refused", async () => {
    vi.spyOn(api, "uploadInvoice").mockRejectedValue(new CommandError({ code: "VALIDATION", message: "O PDF está corrompido." }));
    open(detail({ status: "AGUARDANDO_DOWNLOAD", can_upload: true }));
    await screen.findByTestId("upload-fatura-form");
    chooseFile(pdf());
    await settle();
    fireEvent.click(screen.getByTestId("btn-upload-fatura"));
    expect((await screen.findByTestId("banner-error")).textContent).toBe("O PDF está corrompido.");
    await waitFor(() => expect(screen.getByTestId("btn-upload-fatura").disabled).toBe(false));
  });

  it("reads the process again when a model-changed event names it or one of its executions, in place", async () => {
    let calls = 0;
    const executions = [{ id: "e-1", kind: "DOWNLOAD_FATURA", status: "EXECUTANDO", attempt: 1, progress: 10, logs: [] }];
    const { get } = open(async () =>
      ++calls < 3
        ? detail({ status: "AGUARDANDO_DOWNLOAD", executions })
        : detail({ status: "AGUARDANDO_APROVACAO", executions: [{ ...executions[0], status: "CONCLUIDO", progress: 100 }] }),
    );
    await screen.findByTestId("process-status");
    const page = screen.getByTestId("process-detail");

    changed({ processes: ["p-9"], executions: ["e-9"] });
    await settle();
    expect(get).toHaveBeenCalledTimes(1);

    changed({ processes: [], executions: ["e-1"] });
    await waitFor(() => expect(get).toHaveBeenCalledTimes(2));
    changed({ processes: ["p-1"], executions: [] });
    await waitFor(() => expect(screen.getByTestId("process-status").textContent).toBe("Aguardando aprovação"));
    expect(get).toHaveBeenCalledTimes(3);
    expect(screen.getByTestId("process-detail")).toBe(page);
  });

  it("drops a read that was on its way when an action answered", async () => {
    let late;
    let calls = 0;
    vi.spyOn(api, "downloadNow").mockResolvedValue(detail({ status: "AGUARDANDO_APROVACAO" }));
    open(() => (++calls === 1 ? Promise.resolve(detail({ status: "AGUARDANDO_DOWNLOAD", can_download_now: true })) : new Promise((r) => (late = r))));
    await screen.findByTestId("btn-baixar-agora");
    changed({ processes: ["p-1"], executions: [] });
    fireEvent.click(screen.getByTestId("btn-baixar-agora"));
    await waitFor(() => expect(screen.getByTestId("process-status").textContent).toBe("Aguardando aprovação"));
    await act(async () => late(detail({ status: "AGUARDANDO_DOWNLOAD", can_download_now: true })));
    expect(screen.getByTestId("process-status").textContent).toBe("Aguardando aprovação");
  });

  describe("approval checks and value sources", () => {
    const CHECKS = [
      { kind: "VARIACAO_VALOR", outcome: "ATENCAO", reason: "O valor subiu 42% em relação a 10/2026 (R$ 869,40).", days_left: null },
      { kind: "POSSIVEL_DUPLICATA", outcome: "OK", reason: "Nenhuma outra fatura com o mesmo valor.", days_left: null },
      { kind: "VENCIMENTO", outcome: "OK", reason: "Vence em 10/12/2026.", days_left: 5 },
      { kind: "LINHA_DIGITAVEL", outcome: "FALHOU", reason: "O valor da linha digitável não confere.", days_left: null },
    ];

    it("shows the checks above the approve and reject buttons", async () => {
      open(detail({ checks: CHECKS }));
      const section = await screen.findByTestId("approval-checks");
      expect(section.textContent).toContain("Verificações antes de aprovar");
      expect(screen.getAllByTestId("approval-check").map((r) => r.dataset.kind)).toEqual([
        "VARIACAO_VALOR",
        "POSSIVEL_DUPLICATA",
        "VENCIMENTO",
        "LINHA_DIGITAVEL",
      ]);
      expect(screen.getByTestId("approval-checks-summary").textContent).toBe("2 verificações pedem atenção antes de aprovar.");
      expect(screen.getByTestId("approval-check-countdown").textContent).toContain("faltam 5 dias");
      const approve = screen.getByTestId("approve-process");
      expect(section.compareDocumentPosition(approve) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    });

    it("shows no checks section when the answer has none or predates them", async () => {
      open(detail({ checks: [] }));
      await screen.findByTestId("process-status");
      expect(screen.queryByTestId("approval-checks")).toBeNull();
      cleanup();
      vi.restoreAllMocks();
      open(detail());
      await screen.findByTestId("process-status");
      expect(screen.queryByTestId("approval-checks")).toBeNull();
    });

    it("says where the amount and the due date came from", async () => {
      open(detail({ process: { amount_source: "LINHA_DIGITAVEL", due_date_source: "TEXTO_DA_FATURA" } }));
      expect((await screen.findByTestId("amount-source")).textContent).toBe("(da linha digitável)");
      expect(screen.getByTestId("due-date-source").textContent).toBe("(do texto da fatura)");
      cleanup();
      vi.restoreAllMocks();
      open(detail({ process: { amount_source: "ROBO", due_date_source: "DIGITADO" } }));
      expect((await screen.findByTestId("amount-source")).textContent).toBe("(informado pelo robô)");
      expect(screen.getByTestId("due-date-source").textContent).toBe("(digitado)");
    });

    it("says nothing about the source when it is unknown", async () => {
      open(detail({ process: { amount_source: null, due_date_source: null } }));
      await screen.findByTestId("process-status");
      expect(screen.queryByTestId("amount-source")).toBeNull();
      expect(screen.queryByTestId("due-date-source")).toBeNull();
      expect(screen.getByTestId("process-detail").textContent).toContain("R$ 1.234,56");
    });
  });
});

describe("checkInvoiceFile", () => {
  it("accepts a PDF by its first bytes, whatever type the system gave it", async () => {
    expect(await checkInvoiceFile(new File(["%PDF-1.4 ..."], "fatura.pdf", { type: "" }))).toBeNull();
    const exact = new File(["%PDF-"], "limite.pdf");
    Object.defineProperty(exact, "size", { value: MAX_INVOICE_BYTES });
    expect(await checkInvoiceFile(exact)).toBeNull();
  });

  it("refuses anything else in pt-BR", async () => {
    expect(await checkInvoiceFile(new File(["<html>"], "fatura.pdf", { type: "application/pdf" }))).toBe("O arquivo precisa ser um PDF.");
    expect(await checkInvoiceFile(new File([""], "vazio.pdf"))).toBe("O arquivo precisa ser um PDF.");
    const over = new File(["%PDF-"], "grande.pdf");
    Object.defineProperty(over, "size", { value: MAX_INVOICE_BYTES + 1 });
    expect(await checkInvoiceFile(over)).toBe("O arquivo tem 20,1 MB; o limite é 20 MB.");
    expect(await checkInvoiceFile(null)).toBe("Escolha o arquivo da fatura.");
  });
});

describe("ProcessDetail: e-mails about the invoice", () => {
  const mail = (over = {}) => ({
    id: "m-1",
    rule: "LEMBRETE",
    rule_label: "Lembrete",
    recipient_name: "Beto Aprovador",
    recipient_email: "beto@beg.com.br",
    process_id: "p-1",
    day: "2026-11-06",
    subject: "Fatura esperando aprovação há mais de 24 horas",
    state: "ENVIADO",
    state_label: "Enviado",
    attempts: 1,
    next_attempt_at: null,
    last_error: null,
    created_at: "2026-11-06T11:00:00Z",
    sent_at: "2026-11-06T11:00:30Z",
    ...over,
  });

  it("says when no e-mail was sent about the invoice", async () => {
    open(detail());
    expect((await screen.findByTestId("process-emails-empty")).textContent).toBe("Nenhum e-mail enviado sobre esta fatura.");
    expect(emails).toHaveBeenCalledWith(TOKEN, "p-1");
    expect(screen.getByTestId("process-emails").textContent).toContain("Lembretes e escalonamentos por e-mail");
  });

  it("lists the reminders and escalations: rule, recipient, state and when", async () => {
    emails.mockResolvedValue([
      mail(),
      mail({
        id: "m-2",
        rule: "ESCALONAMENTO",
        rule_label: "Escalonamento",
        recipient_name: null,
        recipient_email: "ana@beg.com.br",
        state: "PENDENTE",
        state_label: "Na fila",
        attempts: 0,
        created_at: "2026-11-08T12:15:00Z",
        sent_at: null,
      }),
      mail({ id: "m-3", state: "FALHOU", state_label: "Falhou", last_error: "550 Caixa postal inexistente", sent_at: null }),
    ]);
    open(detail());
    const rows = await screen.findAllByTestId("process-email");
    const cells = (r) => [...r.querySelectorAll("td")].map((td) => td.textContent);
    expect(cells(rows[0])).toEqual(["Lembrete", "Beto Aprovador <beto@beg.com.br>", "Enviado", "enviado em 06/11/2026 08:00"]);
    expect(cells(rows[1])).toEqual(["Escalonamento", "ana@beg.com.br", "Na fila", "na fila desde 08/11/2026 09:15"]);
    expect(cells(rows[2])[2]).toBe("Falhou550 Caixa postal inexistente");
    expect(rows[2].querySelector(".run-status--FALHOU")).toBeTruthy();
    expect(screen.queryByTestId("process-emails-empty")).toBeNull();
  });

  it("reads them again when the process changes", async () => {
    let version = 7;
    open(async () => detail({ process: { version } }));
    await screen.findByTestId("process-emails-empty");
    expect(emails).toHaveBeenCalledTimes(1);
    version = 8;
    changed({ processes: ["p-1"], executions: [] });
    await waitFor(() => expect(emails).toHaveBeenCalledTimes(2));
  });

  it("says so when they cannot be read, and the rest of the page stays", async () => {
    emails.mockRejectedValue(new CommandError({ code: "DATABASE", message: "O banco não respondeu." }));
    open(detail());
    expect((await screen.findByTestId("process-emails-error")).textContent).toContain("O banco não respondeu.");
    expect(screen.getByTestId("process-status").textContent).toBe("Aguardando aprovação");
  });
});
