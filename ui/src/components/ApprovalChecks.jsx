// What Rust checked before a person approves an invoice (process detail, only while the
// process awaits approval): one row per check with its title, its outcome in words (the
// colour only repeats it) and Rust's reason as it came, plus a summary line on top.
import { plural } from "../format.js";

export const CHECK_KIND_LABEL = {
  VARIACAO_VALOR: "Variação do valor",
  POSSIVEL_DUPLICATA: "Possível duplicata",
  VENCIMENTO: "Vencimento",
  LINHA_DIGITAVEL: "Linha digitável",
  IDENTIDADE_FATURA: "Mês, CNPJ e conta",
};

export const CHECK_OUTCOME_LABEL = {
  OK: "OK",
  ATENCAO: "Atenção",
  FALHOU: "Falhou",
  SEM_DADOS: "Sem dados",
};

// Anything but OK asks a person to look before approving, "no data" included.
export const needsAttention = (check) => check?.outcome !== "OK";

// "vence hoje" / "falta 1 dia" / "faltam 5 dias"; null when there is nothing to count
// down (already overdue, or no date).
export function dueCountdown(daysLeft) {
  if (typeof daysLeft !== "number" || !Number.isFinite(daysLeft) || daysLeft < 0) return null;
  if (daysLeft === 0) return "vence hoje";
  return daysLeft === 1 ? "falta 1 dia" : `faltam ${daysLeft} dias`;
}

export function checksSummary(checks) {
  const n = (checks ?? []).filter(needsAttention).length;
  if (n === 0) return "Todas as verificações passaram.";
  return n === 1
    ? "1 verificação pede atenção antes de aprovar."
    : `${plural(n, "verificação", "verificações")} pedem atenção antes de aprovar.`;
}

export function ApprovalChecks({ checks }) {
  if (!checks?.length) return null;
  const attention = checks.some(needsAttention);
  return (
    <section className="panel approval-checks" data-testid="approval-checks" aria-labelledby="approval-checks-title">
      <h2 id="approval-checks-title">Verificações antes de aprovar</h2>
      <p
        className={`approval-checks__summary approval-checks__summary--${attention ? "attention" : "ok"}`}
        data-testid="approval-checks-summary"
      >
        {checksSummary(checks)}
      </p>
      <ul className="approval-checks__list">
        {checks.map((c, i) => {
          const countdown = c.kind === "VENCIMENTO" ? dueCountdown(c.days_left) : null;
          return (
            <li key={c.kind ?? i} className="approval-check" data-testid="approval-check" data-kind={c.kind} data-outcome={c.outcome}>
              <span className={`badge check-badge check-badge--${c.outcome}`} data-testid="approval-check-outcome">
                {CHECK_OUTCOME_LABEL[c.outcome] ?? c.outcome}
              </span>
              <div className="approval-check__body">
                <strong data-testid="approval-check-title">{CHECK_KIND_LABEL[c.kind] ?? c.kind}</strong>
                {countdown && (
                  <span className="approval-check__countdown" data-testid="approval-check-countdown">
                    {" · "}
                    {countdown}
                  </span>
                )}
                {c.reason && (
                  <p className="approval-check__reason" data-testid="approval-check-reason">
                    {c.reason}
                  </p>
                )}
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
