// "Diagnóstico": what support asks for, for any role: versions, the database, the robot,
// where the invoices and the logs are, the last warnings and errors, and the recent
// failed executions. "Copiar diagnóstico" copies the plain-text report Rust built (no
// secrets in it: URLs redacted, no token) through the clipboard plugin (write-text only).
// Administrators also see the e-mail outbox (OutboxLog; hidden for anyone else).
import { useEffect, useState } from "preact/hooks";
import { writeText } from "@tauri-apps/plugin-clipboard-manager";
import { api } from "../api.js";
import { formatDateTime } from "../format.js";
import OutboxLog from "./OutboxLog.jsx";

function Row({ label, value, testId }) {
  return (
    <>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value == null || value === "" ? "—" : value}</dd>
    </>
  );
}

const ROBOT_CLASS = { ok: "ok", indisponivel: "bad", token_invalido: "bad" };

export default function Diagnostics({ token, copy = writeText }) {
  const [report, setReport] = useState(null);
  const [error, setError] = useState(null);
  const [copyState, setCopyState] = useState(null);
  const [loading, setLoading] = useState(false);

  async function load() {
    setLoading(true);
    setError(null);
    try {
      setReport(await api.getDiagnostics(token));
    } catch (e) {
      setError(e.message || "Não foi possível montar o diagnóstico.");
    } finally {
      setLoading(false);
    }
  }

  useEffect(() => {
    load();
  }, [token]);

  async function copyReport() {
    setCopyState(null);
    try {
      await copy(report.text);
      setCopyState({ ok: true, message: "Copiado" });
    } catch (e) {
      const why = e && (e.message || String(e));
      setCopyState({
        ok: false,
        message: `Não foi possível copiar para a área de transferência${why ? `: ${why}` : "."}`,
      });
    }
  }

  if (error) {
    return (
      <main className="content diagnostics">
        <h1>Diagnóstico</h1>
        <p role="alert" className="error" data-testid="diag-error">
          {error}
        </p>
        <button type="button" onClick={load}>
          Tentar de novo
        </button>
      </main>
    );
  }
  if (!report) {
    return (
      <main className="content diagnostics">
        <h1>Diagnóstico</h1>
        <p aria-busy="true">Carregando…</p>
      </main>
    );
  }
  const db = report.database;
  const robot = report.robot;
  return (
    <main className="content diagnostics" data-testid="diagnostics">
      <div className="title-row">
        <h1>Diagnóstico</h1>
        <div className="actions">
          <button type="button" onClick={load} disabled={loading} data-testid="diag-refresh">
            Atualizar
          </button>
          <button type="button" className="primary" onClick={copyReport} data-testid="diag-copy">
            Copiar diagnóstico
          </button>
          {copyState && (
            <span role="status" className={copyState.ok ? "ok" : "error"} data-testid="diag-copy-status">
              {copyState.message}
            </span>
          )}
        </div>
      </div>
      <p className="muted">Gerado em {formatDateTime(report.generated_at, { seconds: true })}.</p>

      <section className="panel">
        <h2>Versões</h2>
        <dl className="diag-list">
          <Row label="Aplicativo" value={report.app_version} testId="diag-app-version" />
          <Row label="Tauri" value={report.tauri_version} testId="diag-tauri-version" />
          <Row label="WebView" value={report.webview_version} testId="diag-webview-version" />
          <Row label="Sistema" value={`${report.os} (${report.arch})`} testId="diag-os" />
        </dl>
      </section>

      <section className="panel">
        <h2>Banco de dados</h2>
        <dl className="diag-list">
          <Row label="Tipo" value={db.backend} testId="diag-db-backend" />
          <Row label="Versão do servidor" value={db.server_version} testId="diag-db-version" />
          <Row
            label="Migração"
            value={db.migration == null ? null : String(db.migration).padStart(4, "0")}
            testId="diag-db-migration"
          />
          <Row label="Local" value={db.location} testId="diag-db-location" />
          {db.security && (
            <Row
              label="Conexão"
              value={
                db.security.encrypted
                  ? `criptografada (${[db.security.protocol, db.security.cipher].filter(Boolean).join(", ")})`
                  : "SEM criptografia: dados e senhas passam pela rede sem proteção"
              }
              testId="diag-db-security"
            />
          )}
          {db.error && <Row label="Erro" value={db.error} testId="diag-db-error" />}
        </dl>
      </section>

      <section className="panel">
        <h2>Robô</h2>
        {robot ? (
          <dl className="diag-list">
            <Row
              label="Situação"
              value={<span className={`diag-state ${ROBOT_CLASS[robot.state] || ""}`}>{robot.state_label}</span>}
              testId="diag-robot-state"
            />
            <Row label="Mensagem" value={robot.message} testId="diag-robot-message" />
            <Row
              label="Última verificação"
              value={robot.checked_at ? formatDateTime(robot.checked_at, { seconds: true }) : null}
              testId="diag-robot-checked"
            />
            <Row label="Endereço" value={robot.url} testId="diag-robot-url" />
          </dl>
        ) : (
          <p>Serviço de robôs não iniciado.</p>
        )}
      </section>

      <section className="panel">
        <h2>Armazenamento e registros</h2>
        <dl className="diag-list">
          <Row label="Faturas" value={report.storage} testId="diag-storage" />
          <Row label="Pasta de registros" value={report.log_dir} testId="diag-log-dir" />
        </dl>
      </section>

      <section className="panel">
        <h2>Últimos avisos e erros</h2>
        {report.recent_events.length === 0 ? (
          <p data-testid="diag-events-empty">Nenhum aviso ou erro registrado desde a abertura.</p>
        ) : (
          <ul className="diag-events" data-testid="diag-events">
            {report.recent_events.map((e, i) => (
              <li key={i} data-testid="diag-event">
                <span className="muted">{formatDateTime(e.at, { seconds: true })}</span>{" "}
                <strong>{e.level === "ERROR" ? "Erro" : "Aviso"}</strong> {e.message}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section className="panel">
        <h2>Execuções com falha recentes</h2>
        {report.failed_executions.length === 0 ? (
          <p data-testid="diag-failed-empty">Nenhuma.</p>
        ) : (
          <ul className="diag-events" data-testid="diag-failed">
            {report.failed_executions.map((e, i) => (
              <li key={i} data-testid="diag-failed-row">
                <span className="muted">{formatDateTime(e.created_at)}</span> {e.kind} — {e.client} ({e.operator}):{" "}
                {e.error || "sem mensagem"}
              </li>
            ))}
          </ul>
        )}
      </section>

      <OutboxLog token={token} reloadKey={report.generated_at} />
    </main>
  );
}
