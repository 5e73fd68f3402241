import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import ProcessDetail, { describeChanges } from "./ProcessDetail.jsx";
import { api } from "../api.js";
import { client, conflict, invalid, processRow, TOKEN } from "../testing.js";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function detail({ status = "AGUARDANDO_APROVACAO", can_approve = true, can_cancel = false, executions = [], audit } = {}) {
  return {
    process: {
      ...processRow({ status }),
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
    },
    client: client(),
    executions,
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
  };
}

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
    const approve = vi.spyOn(api, "approveProcess").mockResolvedValue(processRow({ status: "AGUARDANDO_ENVIO_SAT" }));
    let calls = 0;
    const { get } = open(async () => (++calls === 1 ? detail() : detail({ status: "AGUARDANDO_ENVIO_SAT" })));
    fireEvent.click(await screen.findByTestId("approve-process"));
    expect((await screen.findByTestId("banner-info")).textContent).toContain("Processo aprovado.");
    expect(approve).toHaveBeenCalledWith(TOKEN, "p-1", 7);
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

  it("requires a reason to reject", async () => {
    const reject = vi.spyOn(api, "rejectProcess").mockResolvedValue(processRow({ status: "AGUARDANDO_DOWNLOAD" }));
    open(detail());
    fireEvent.click(await screen.findByTestId("reject-process"));
    fireEvent.input(screen.getByTestId("reject-reason"), { target: { value: "   " } });
    fireEvent.click(screen.getByTestId("confirm-reject"));
    expect((await screen.findByTestId("error-reason")).textContent).toBe("Informe o motivo.");
    expect(reject).not.toHaveBeenCalled();

    fireEvent.input(screen.getByTestId("reject-reason"), { target: { value: "Fatura de outro cliente" } });
    fireEvent.click(screen.getByTestId("confirm-reject"));
    expect((await screen.findByTestId("banner-info")).textContent).toContain("Processo rejeitado.");
    expect(reject).toHaveBeenCalledWith(TOKEN, "p-1", 7, "Fatura de outro cliente");
    expect(screen.queryByTestId("reject-reason")).toBeNull();
  });

  it("keeps the reason form open with Rust's message about the reason", async () => {
    vi.spyOn(api, "rejectProcess").mockRejectedValue(invalid("reason", "O motivo deve ter até 500 caracteres."));
    open(detail());
    fireEvent.click(await screen.findByTestId("reject-process"));
    fireEvent.input(screen.getByTestId("reject-reason"), { target: { value: "x".repeat(600) } });
    fireEvent.click(screen.getByTestId("confirm-reject"));
    expect((await screen.findByTestId("error-reason")).textContent).toBe("O motivo deve ter até 500 caracteres.");
    expect(screen.getByTestId("reject-reason")).toBeTruthy();
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
