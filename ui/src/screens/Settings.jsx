// Settings (administrators only): which database the desk opens. The choice takes effect
// at the next start; the application never switches databases by itself, because a desk
// writing to a private database while colleagues use the shared one splits the data.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.js";
import { Field, Select } from "../components/Field.jsx";
import { Banner } from "../components/Banner.jsx";
import { SessionSettings } from "../components/SessionSettings.jsx";
import Backups from "./Backups.jsx";
import LegacyImport from "./LegacyImport.jsx";
import RobotSettings from "./settings/RobotSettings.jsx";
import RobotMachines from "./settings/RobotMachines.jsx";
import StorageSettings from "./settings/StorageSettings.jsx";
import EmailSettings from "./settings/EmailSettings.jsx";
import ThisComputer from "./settings/ThisComputer.jsx";
import Schedules from "./Schedules.jsx";

// What a new form proposes until the person picks a mode (same rule as Rust's
// SslMode::default_for): verify-full for a server on the network, prefer on this machine.
export function defaultSslFor(host) {
  const bare = String(host ?? "").trim().replace(/^\[/, "").replace(/\]$/, "").toLowerCase();
  const loopback = bare === "localhost" || bare === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
  return loopback ? "prefer" : "verify-full";
}

const VERIFYING = new Set(["verify-ca", "verify-full"]);

const SSL_MODES = [
  ["disable", "Desativado (disable)"],
  ["prefer", "Se disponível (prefer)"],
  ["require", "Obrigatório (require)"],
  ["verify-ca", "Verificar a autoridade (verify-ca)"],
  ["verify-full", "Verificar o servidor (verify-full)"],
];

// The approval settings: how far an amount may vary from the client's average, how many
// days before the due date the check warns, and four eyes. Checked here and again in Rust.
export function validateApprovalSettings(form) {
  const errors = {};
  const tol = String(form.tolerance_pct).trim();
  const days = String(form.due_soon_days).trim();
  if (!/^\d+(?:[.,]\d+)?$/.test(tol) || Number(tol.replace(",", ".")) > 1000) {
    errors.tolerance_pct = "Informe a tolerância em % (de 0 a 1000).";
  }
  if (!/^\d+$/.test(days) || Number(days) > 365) errors.due_soon_days = "Informe os dias de alerta (de 0 a 365).";
  return errors;
}

function ApprovalSettings({ token, onSaved }) {
  const [form, setForm] = useState(null);
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (key) => (value) => setForm((f) => ({ ...f, [key]: value }));

  useEffect(() => {
    let live = true;
    api
      .getApprovalSettings(token)
      .then((s) => live && setForm({ tolerance_pct: String(s.tolerance_pct ?? 20), due_soon_days: String(s.due_soon_days ?? 5), four_eyes: !!s.four_eyes }))
      .catch((err) => live && setError(err.message));
    return () => {
      live = false;
    };
  }, [token]);

  async function save(e) {
    e.preventDefault();
    const found = validateApprovalSettings(form);
    setErrors(found);
    setError(null);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      const saved = await api.saveApprovalSettings(token, {
        tolerance_pct: Number(String(form.tolerance_pct).replace(",", ".")),
        due_soon_days: Number(form.due_soon_days),
        four_eyes: !!form.four_eyes,
      });
      if (saved) setForm({ tolerance_pct: String(saved.tolerance_pct), due_soon_days: String(saved.due_soon_days), four_eyes: !!saved.four_eyes });
      onSaved("Configurações de aprovação salvas.");
    } catch (err) {
      const map = err.fieldMap?.() ?? {};
      setErrors(map);
      setError(Object.keys(map).length ? null : err.message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="panel" onSubmit={save} noValidate data-testid="approval-settings" aria-busy={form ? "false" : "true"}>
      <h2>Aprovação</h2>
      {error && (
        <p className="field__error" role="alert" data-testid="approval-settings-error">
          {error}
        </p>
      )}
      {!form && !error && <p className="muted">Carregando…</p>}
      {form && (
        <>
          <div className="grid3">
            <Field
              label="Tolerância de variação do valor (%)"
              name="tolerance_pct"
              inputMode="decimal"
              value={form.tolerance_pct}
              onChange={set("tolerance_pct")}
              error={errors.tolerance_pct}
              data-testid="settings-tolerance"
            />
            <Field
              label="Dias de alerta antes do vencimento"
              name="due_soon_days"
              inputMode="numeric"
              value={form.due_soon_days}
              onChange={set("due_soon_days")}
              error={errors.due_soon_days}
              data-testid="settings-due-days"
            />
          </div>
          <div className={`check${errors.four_eyes ? " field--error" : ""}`}>
            <label>
              <input
                type="checkbox"
                name="four_eyes"
                checked={form.four_eyes}
                onChange={(e) => set("four_eyes")(e.currentTarget.checked)}
                data-testid="settings-four-eyes"
              />{" "}
              Exigir segundo aprovador quando uma verificação falhar (quatro olhos)
            </label>
            {errors.four_eyes && (
              <p className="field__error" data-testid="error-four_eyes">
                {errors.four_eyes}
              </p>
            )}
          </div>
          <p className="note">O valor é comparado com a média dos últimos 3 meses do cliente. Ninguém aprova uma fatura que enviou manualmente.</p>
          <div className="actions">
            <button type="submit" className="primary" disabled={busy} data-testid="btn-salvar-aprovacao">
              {busy ? "Salvando…" : "Salvar aprovação"}
            </button>
          </div>
        </>
      )}
    </form>
  );
}

const KIND_LABEL = { sqlite: "Banco embutido (SQLite)", postgres: "PostgreSQL compartilhado" };

function toForm(s) {
  const pg = s.postgres ?? {};
  return {
    kind: s.kind ?? "sqlite",
    host: pg.host ?? "",
    port: pg.port ?? 5432,
    database: pg.database ?? "",
    username: pg.username ?? "",
    password: "",
    // null = not chosen yet: follows the host (defaultSslFor).
    sslmode: pg.sslmode ?? null,
    ca_file: pg.ca_file ?? "",
    personal_logins: !!pg.personal_logins,
  };
}

// The password is write-only: blank (sent as null) keeps the stored one.
function toInput(form) {
  return {
    kind: form.kind,
    host: form.host,
    port: form.port === "" || form.port === null ? null : Number(form.port),
    database: form.database,
    username: form.personal_logins ? null : form.username,
    password: form.personal_logins || form.password === "" ? null : form.password,
    personal_logins: form.personal_logins,
    sslmode: form.sslmode ?? defaultSslFor(form.host),
    ca_file: VERIFYING.has(form.sslmode ?? defaultSslFor(form.host)) && form.ca_file.trim() !== "" ? form.ca_file.trim() : null,
  };
}

export default function Settings({ token, user }) {
  const [settings, setSettings] = useState(null);
  const [form, setForm] = useState(null);
  const [errors, setErrors] = useState({});
  const [message, setMessage] = useState(null);
  const [notice, setNotice] = useState(null);
  const [result, setResult] = useState(null); // {ok, message} of the last connection test
  const [busy, setBusy] = useState(null); // null | "test" | "save"
  const [showBackups, setShowBackups] = useState(false);
  const [showLegacy, setShowLegacy] = useState(false);
  const set = (key) => (value) => {
    setForm((f) => ({ ...f, [key]: value }));
    setResult(null);
  };

  useEffect(() => {
    api
      .getDatabaseSettings(token)
      .then((s) => {
        setSettings(s);
        setForm(toForm(s));
      })
      .catch((err) => setMessage(err.message));
  }, [token]);

  async function run(kind, action) {
    setBusy(kind);
    setMessage(null);
    setNotice(null);
    setErrors({});
    try {
      await action();
    } catch (err) {
      setErrors(err.fieldMap?.() ?? {});
      setMessage(err.message);
    } finally {
      setBusy(null);
    }
  }

  const test = () =>
    run("test", async () => {
      setResult(null);
      setResult(await api.testDatabaseConnection(token, toInput(form)));
    });

  const save = (e) => {
    e.preventDefault();
    return run("save", async () => {
      const saved = await api.saveDatabaseSettings(token, toInput(form));
      setSettings(saved);
      setForm(toForm(saved));
      setNotice(
        saved.restart_required
          ? "Configuração salva. Feche e abra o aplicativo para usar o banco escolhido."
          : "Configuração salva.",
      );
    });
  };

  if (showBackups) return <Backups token={token} onBack={() => setShowBackups(false)} />;
  if (showLegacy) return <LegacyImport token={token} onBack={() => setShowLegacy(false)} />;

  const pg = settings?.postgres;

  return (
    <main className="content" data-testid="settings">
      <h1>Configurações</h1>
      <Banner>{message}</Banner>
      <Banner kind="info">{notice}</Banner>
      {settings && form && (
        <form className="panel" onSubmit={save} data-testid="settings-form" noValidate>
          <h2>Banco de dados</h2>
          <p data-testid="active-database">
            Em uso agora: <strong>{KIND_LABEL[settings.active] ?? settings.active}</strong>
            {settings.restart_required && (
              <span className="attention" data-testid="restart-required">
                Reinício pendente
              </span>
            )}
          </p>
          <fieldset className="choices">
            <legend>Onde os dados ficam</legend>
            <label>
              <input type="radio" name="kind" value="sqlite" checked={form.kind === "sqlite"} onChange={() => set("kind")("sqlite")} data-testid="kind-sqlite" />{" "}
              Banco embutido (SQLite) neste computador
            </label>
            <label>
              <input type="radio" name="kind" value="postgres" checked={form.kind === "postgres"} onChange={() => set("kind")("postgres")} data-testid="kind-postgres" />{" "}
              PostgreSQL compartilhado
            </label>
            {errors.kind && (
              <p className="field__error" data-testid="error-kind">
                {errors.kind}
              </p>
            )}
          </fieldset>
          {form.kind === "sqlite" && settings.sqlite_path && (
            <p className="muted">
              Arquivo: <code>{settings.sqlite_path}</code>
            </p>
          )}
          {form.kind === "postgres" && (
            <>
              <div className="grid3">
                <Field label="Servidor" name="host" value={form.host} onChange={set("host")} error={errors.host} placeholder="banco.empresa.local" />
                <Field label="Porta" name="port" type="number" value={form.port} onChange={set("port")} error={errors.port} />
                <Field label="Banco" name="database" value={form.database} onChange={set("database")} error={errors.database} />
              </div>
              <div className="check">
                <label>
                  <input
                    type="checkbox"
                    name="personal_logins"
                    checked={form.personal_logins}
                    onChange={(e) => set("personal_logins")(e.currentTarget.checked)}
                    data-testid="pg-personal-logins"
                  />{" "}
                  Cada pessoa entra com o próprio login do banco (banco preparado com "brm-desk preparar-banco")
                </label>
                {form.personal_logins && (
                  <p className="muted" data-testid="pg-personal-note">
                    Nenhuma senha do banco fica neste computador: cada pessoa entra com o próprio e-mail e senha, e o PostgreSQL confere o
                    perfil dela em cada operação. O robô roda nas máquinas robô (brm-desk worker).
                  </p>
                )}
              </div>
              <div className="grid3">
                {!form.personal_logins && (
                  <Field label="Usuário" name="username" value={form.username} onChange={set("username")} error={errors.username} autoComplete="off" />
                )}
                {!form.personal_logins && (
                <Field
                  label="Senha"
                  name="password"
                  type="password"
                  value={form.password}
                  onChange={set("password")}
                  error={errors.password}
                  placeholder={pg?.password_set ? "deixe em branco para manter" : ""}
                  autoComplete="new-password"
                />
                )}
                <Select label="SSL" name="sslmode" value={form.sslmode ?? defaultSslFor(form.host)} onChange={set("sslmode")} error={errors.sslmode}>
                  {SSL_MODES.map(([value, label]) => (
                    <option key={value} value={value}>
                      {label}
                    </option>
                  ))}
                </Select>
              </div>
              {VERIFYING.has(form.sslmode ?? defaultSslFor(form.host)) ? (
                <Field
                  label="Autoridade certificadora do escritório (arquivo PEM, opcional)"
                  name="ca_file"
                  value={form.ca_file}
                  onChange={set("ca_file")}
                  error={errors.ca_file}
                  placeholder="em branco: só as autoridades do sistema"
                  autoComplete="off"
                />
              ) : (
                defaultSslFor(form.host) === "verify-full" && (
                  <p className="field-warning" role="note" data-testid="pg-ssl-warning">
                    {(form.sslmode ?? "") === "disable"
                      ? "Sem criptografia: dados e senhas passariam pela rede sem proteção."
                      : "Sem verificar o servidor, outra máquina pode se passar por ele. Prefira \"Verificar o servidor (verify-full)\"."}
                  </p>
                )
              )}
              {!form.personal_logins && (
                <p className="muted" data-testid="pg-password-state">
                  Senha do banco: {pg?.password_set ? "definida (guardada no cofre do sistema)" : "não definida"}
                </p>
              )}
            </>
          )}
          {result && (
            <p
              className={`connection-result connection-result--${result.ok ? "ok" : "fail"}`}
              role="status"
              data-ok={String(!!result.ok)}
              data-testid="connection-result"
            >
              {result.message || (result.ok ? "Conexão bem-sucedida." : "Falha na conexão.")}
            </p>
          )}
          <p className="note">
            A troca de banco vale a partir da próxima abertura do aplicativo. O aplicativo nunca troca de banco sozinho.
          </p>
          <div className="actions">
            <button type="button" disabled={!!busy} onClick={test} data-testid="test-connection">
              {busy === "test" ? "Testando…" : "Testar conexão"}
            </button>
            <button type="submit" className="primary" disabled={!!busy} data-testid="save-settings">
              {busy === "save" ? "Salvando…" : "Salvar"}
            </button>
          </div>
        </form>
      )}
      <Schedules token={token} />
      <RobotSettings token={token} />
      <RobotMachines token={token} />
      <StorageSettings token={token} />
      <EmailSettings token={token} userEmail={user?.email} />
      <ThisComputer token={token} role="ADMINISTRADOR" />
      <section className="panel" data-testid="backups-link">
        <h2>Cópias de segurança</h2>
        <p className="muted">Cópias do banco embutido: fazer agora, restaurar e a cópia diária.</p>
        <div className="actions">
          <button type="button" onClick={() => setShowBackups(true)} data-testid="open-backups">
            Cópias de segurança…
          </button>
        </div>
      </section>
      <section className="panel" data-testid="legacy-link">
        <h2>Sistema antigo</h2>
        <p className="muted">Importar operadoras, clientes, processos e usuários do painel antigo (Flask).</p>
        <div className="actions">
          <button type="button" onClick={() => setShowLegacy(true)} data-testid="open-legacy-import">
            Importar do sistema antigo…
          </button>
        </div>
      </section>
      <ApprovalSettings
        token={token}
        onSaved={(text) => {
          setMessage(null);
          setNotice(text);
        }}
      />
      <SessionSettings
        token={token}
        onSaved={(text) => {
          setMessage(null);
          setNotice(text);
        }}
      />
    </main>
  );
}
