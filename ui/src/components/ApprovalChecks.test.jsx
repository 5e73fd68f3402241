import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen, within } from "@testing-library/preact";
import { ApprovalChecks, checksSummary, dueCountdown } from "./ApprovalChecks.jsx";

afterEach(cleanup);

const check = (kind, outcome, reason, days_left = null) => ({ kind, outcome, reason, days_left });

const FOUR = [
  check("VARIACAO_VALOR", "ATENCAO", "O valor subiu 42% em relação a 10/2026 (R$ 869,40)."),
  check("POSSIVEL_DUPLICATA", "FALHOU", "Há outra fatura de R$ 1.234,56 aprovada em 11/2026."),
  check("VENCIMENTO", "OK", "Vence em 10/12/2026.", 3),
  check("LINHA_DIGITAVEL", "SEM_DADOS", "A fatura não tem linha digitável legível."),
];

const row = (kind) => screen.getAllByTestId("approval-check").find((r) => r.dataset.kind === kind);

describe("ApprovalChecks", () => {
  it("shows each check with its pt-BR title, its outcome in words and the reason as it came", () => {
    render(<ApprovalChecks checks={FOUR} />);
    const section = screen.getByTestId("approval-checks");
    expect(within(section).getByRole("heading").textContent).toBe("Verificações antes de aprovar");
    const rows = screen.getAllByTestId("approval-check");
    expect(rows.map((r) => [r.dataset.kind, r.dataset.outcome])).toEqual([
      ["VARIACAO_VALOR", "ATENCAO"],
      ["POSSIVEL_DUPLICATA", "FALHOU"],
      ["VENCIMENTO", "OK"],
      ["LINHA_DIGITAVEL", "SEM_DADOS"],
    ]);
    const expected = {
      VARIACAO_VALOR: ["Variação do valor", "Atenção"],
      POSSIVEL_DUPLICATA: ["Possível duplicata", "Falhou"],
      VENCIMENTO: ["Vencimento", "OK"],
      LINHA_DIGITAVEL: ["Linha digitável", "Sem dados"],
    };
    FOUR.forEach((c) => {
      const r = row(c.kind);
      const [title, outcome] = expected[c.kind];
      expect(within(r).getByTestId("approval-check-title").textContent).toBe(title);
      const badge = within(r).getByTestId("approval-check-outcome");
      expect(badge.textContent).toBe(outcome);
      expect(badge.className).toContain(`check-badge--${c.outcome}`);
      expect(within(r).getByTestId("approval-check-reason").textContent).toBe(c.reason);
    });
  });

  it("counts failed, no-data and attention checks as needing attention", () => {
    render(<ApprovalChecks checks={FOUR} />);
    expect(screen.getByTestId("approval-checks-summary").textContent).toBe("3 verificações pedem atenção antes de aprovar.");
  });

  it("says when everything passed, and uses the singular for one", () => {
    const ok = FOUR.map((c) => ({ ...c, outcome: "OK" }));
    render(<ApprovalChecks checks={ok} />);
    expect(screen.getByTestId("approval-checks-summary").textContent).toBe("Todas as verificações passaram.");
    expect(checksSummary([...ok.slice(1), check("VARIACAO_VALOR", "SEM_DADOS", "Sem fatura anterior.")])).toBe(
      "1 verificação pede atenção antes de aprovar.",
    );
    expect(checksSummary(FOUR.map((c) => ({ ...c, outcome: "FALHOU" })))).toBe("4 verificações pedem atenção antes de aprovar.");
  });

  it("counts the days left to the due date, and says nothing once it is past or unknown", () => {
    render(<ApprovalChecks checks={FOUR} />);
    expect(within(row("VENCIMENTO")).getByTestId("approval-check-countdown").textContent).toContain("faltam 3 dias");
    expect(screen.getAllByTestId("approval-check-countdown")).toHaveLength(1);
    cleanup();
    render(<ApprovalChecks checks={[check("VENCIMENTO", "ATENCAO", "Vence hoje.", 0)]} />);
    expect(screen.getByTestId("approval-check-countdown").textContent).toContain("vence hoje");
    cleanup();
    render(<ApprovalChecks checks={[check("VENCIMENTO", "FALHOU", "Venceu em 01/12/2026.", -1)]} />);
    expect(screen.queryByTestId("approval-check-countdown")).toBeNull();
    expect(dueCountdown(1)).toBe("falta 1 dia");
    expect(dueCountdown(null)).toBeNull();
  });

  it("renders nothing when there are no checks or the answer predates them", () => {
    const { container } = render(<ApprovalChecks checks={[]} />);
    expect(container.innerHTML).toBe("");
    render(<ApprovalChecks />);
    expect(screen.queryByTestId("approval-checks")).toBeNull();
  });

  it("shows an unknown kind or outcome as it came rather than hiding it", () => {
    render(<ApprovalChecks checks={[check("NOVA_REGRA", "PENDENTE", "Regra nova.")]} />);
    expect(screen.getByTestId("approval-check-title").textContent).toBe("NOVA_REGRA");
    expect(screen.getByTestId("approval-check-outcome").textContent).toBe("PENDENTE");
    expect(screen.getByTestId("approval-checks-summary").textContent).toBe("1 verificação pede atenção antes de aprovar.");
  });
});

describe("ApprovalChecks: the invoice's identity (issue 18)", () => {
  it("titles the fifth check and shows what was read and what was expected", () => {
    const reason = "Fatura de outro mês: a fatura é de 10/2026, o processo é de 11/2026.";
    render(<ApprovalChecks checks={[check("IDENTIDADE_FATURA", "FALHOU", reason)]} />);
    const r = row("IDENTIDADE_FATURA");
    expect(within(r).getByTestId("approval-check-title").textContent).toBe("Mês, CNPJ e conta");
    expect(within(r).getByTestId("approval-check-outcome").textContent).toBe("Falhou");
    expect(within(r).getByTestId("approval-check-reason").textContent).toBe(reason);
  });
});
