// Configurações → E-mail (issue 21; administrators edit, anyone else reads): the SMTP
// server the robot machines send through, the sender, and the rules of the daily digest,
// the reminders and the escalations. The password is write-only: the field starts empty
// each time, blank keeps the stored one, and it is kept sealed to the approved robot
// machines (only they open it to send). Rust validates again and audits each change;
// its field errors come named "smtp.host", "rules.digest_hour", ... and land under the
// field of that name here. The test message is sent by a robot machine, so it is
// followed in the outbox (EmailTestSend) and uses the settings as saved.
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api.js";
import { Field, Select } from "../../components/Field.jsx";
import { formatHour } from "../../format.js";
import { EmailTestSend } from "./EmailTestSend.jsx";

export const SECURITY_OPTIONS = [
  ["STARTTLS", "STARTTLS"],
  ["TLS", "TLS direto"],
  ["NENHUMA", "Nenhuma"],
];

// The usual port of each kind of connection: changing the kind moves a port that was the
// old kind's usual one to the new kind's (a port typed by hand stays).
export const DEFAULT_PORT = { STARTTLS: 587, TLS: 465, NENHUMA: 25 };

export const SAVED = "Configurações de e-mail salvas.";
const RULE_DEFAULTS = { digest_hour: 8, due_soon_days: 3, reminder_after_hours: 24, escalate_within_days: 2 };

// A server on this machine: the only one Rust takes without encryption. Lenient on
// purpose (Rust has the last word): a name it refuses is refused there, in its words.
export function isLoopback(host) {
  const bare = String(host ?? "").trim().replace(/^\[/, "").replace(/\]$/, "").toLowerCase();
  return bare === "localhost" || bare === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

const str = (v) => (v === null || v === undefined ? "" : String(v));

export function fromView(view) {
  const smtp = view?.smtp ?? {};
  const rules = { ...RULE_DEFAULTS, ...(view?.rules ?? {}) };
  const security = smtp.security || "STARTTLS";
  return {
    host: str(smtp.host),
    port: smtp.port ? String(smtp.port) : String(DEFAULT_PORT[security] ?? 587),
    security,
    user: str(smtp.user),
    password: "",
    clear_password: false,
    sender_name: str(smtp.sender_name),
    sender_address: str(smtp.sender_address),
    digest_hour: str(rules.digest_hour),
    due_soon_days: str(rules.due_soon_days),
    reminder_after_hours: str(rules.reminder_after_hours),
    escalate_within_days: str(rules.escalate_within_days),
  };
}

const whole = (text) => /^\d{1,6}$/.test(String(text ?? "").trim());
const num = (text) => Number(String(text).trim());

// Checked here for a quick answer, keyed as Rust names the fields; Rust checks again.
export function validateEmail(form) {
  const errors = {};
  const host = form.host.trim();
  if (!whole(form.port) || num(form.port) < 1 || num(form.port) > 65535) errors["smtp.port"] = "Informe a porta do servidor (de 1 a 65535).";
  if (form.security === "NENHUMA" && host && !isLoopback(host)) {
    errors["smtp.security"] = "Sem criptografia (Nenhuma) só é aceita para um servidor nesta máquina (127.0.0.1). Escolha STARTTLS ou TLS direto.";
  }
  const sender = form.sender_address.trim();
  if (sender && !/^[^@\s]+@[^@\s]+$/.test(sender)) errors["smtp.sender_address"] = "Informe um endereço de e-mail válido (por exemplo robo@empresa.com.br).";
  if (form.password !== "" && form.clear_password) errors["smtp.password"] = 'Informe uma senha nova ou marque "Remover a senha guardada", não os dois.';
  if (!whole(form.digest_hour) || num(form.digest_hour) > 23) errors["rules.digest_hour"] = "Escolha uma hora de 0 a 23.";
  if (!whole(form.due_soon_days)) errors["rules.due_soon_days"] = "Informe um número inteiro de dias (0 ou mais).";
  if (!whole(form.reminder_after_hours)) errors["rules.reminder_after_hours"] = "Informe um número inteiro de horas.";
  if (!whole(form.escalate_within_days)) errors["rules.escalate_within_days"] = "Informe um número inteiro de dias (0 ou mais).";
  return errors;
}

// What Rust takes (EmailSettingsInput): a blank password is null (keep the stored one).
export function emailInput(form) {
  return {
    smtp: {
      host: form.host.trim(),
      port: num(form.port),
      security: form.security,
      user: form.user.trim(),
      sender_name: form.sender_name.trim(),
      sender_address: form.sender_address.trim(),
      password: form.password === "" ? null : form.password,
      clear_password: !!form.clear_password,
    },
    rules: {
      digest_hour: num(form.digest_hour),
      due_soon_days: num(form.due_soon_days),
      reminder_after_hours: num(form.reminder_after_hours),
      escalate_within_days: num(form.escalate_within_days),
    },
  };
}

// Anything typed that is not saved yet (the test message would not use it).
export function isDirty(form, view) {
  if (!form || !view) return false;
  const stored = fromView(view);
  return Object.keys(stored).some((k) => stored[k] !== form[k]);
}

const HOURS = Array.from({ length: 24 }, (_, h) => h);

// pollMs / pollLimitMs: how the test message is followed (tests shorten them).
export function EmailSettings({ token, userEmail, pollMs, pollLimitMs }) {
  const [view, setView] = useState(null);
  const [form, setForm] = useState(null);
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    api
      .getEmailSettings(token)
      .then((v) => {
        if (!live) return;
        setView(v);
        setForm(fromView(v));
      })
      .catch((err) => live && setError(err.message));
    return () => {
      live = false;
    };
  }, [token]);

  const set = (key) => (value) => {
    setForm((f) => ({ ...f, [key]: value }));
    setSaved(null);
  };

  const setSecurity = (security) => {
    setForm((f) => {
      const usual = Object.values(DEFAULT_PORT).map(String);
      const port = f.port.trim() === "" || usual.includes(f.port.trim()) ? String(DEFAULT_PORT[security]) : f.port;
      return { ...f, security, port };
    });
    setSaved(null);
  };

  async function save(e) {
    e.preventDefault();
    if (!view?.can_edit || busy) return;
    const found = validateEmail(form);
    setErrors(found);
    setError(null);
    setSaved(null);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      const answer = await api.saveEmailSettings(token, emailInput(form));
      setView(answer);
      setForm(fromView(answer));
      setSaved(SAVED);
    } catch (err) {
      // What was typed stays; Rust's words go under the fields it names and, all
      // together, in the line above (a field this screen does not show is not lost).
      setErrors(err.fieldMap?.() ?? {});
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }

  const ro = !view?.can_edit;
  const smtp = view?.smtp ?? {};
  const dirty = isDirty(form, view);

  return (
    <section className="panel" data-testid="email-settings" aria-busy={form ? "false" : "true"}>
      <h2>E-mail</h2>
      <p className="muted">
        Resumo diário, lembretes e escalonamentos das faturas que esperam aprovação, enviados às pessoas pelas máquinas robô.
      </p>
      {error && (
        <p className="field__error" role="alert" data-testid="email-settings-error">
          {error}
        </p>
      )}
      {!form && !error && <p className="muted">Carregando…</p>}
      {view && form && (
        <>
          <p className="muted" data-testid="email-configured" data-configured={String(!!view.configured)}>
            {view.configured
              ? "Envio de e-mails configurado."
              : "Envio de e-mails ainda não configurado: informe o servidor e o endereço do remetente. Até lá, nenhum e-mail é enviado."}
          </p>
          {ro && (
            <p className="note" data-testid="email-read-only">
              Somente administradores podem alterar as configurações de e-mail.
            </p>
          )}
          <form onSubmit={save} noValidate data-testid="email-settings-form">
            <fieldset>
              <legend>Servidor de envio (SMTP)</legend>
              <div className="grid3">
                <Field
                  label="Servidor"
                  name="email_host"
                  value={form.host}
                  onChange={set("host")}
                  error={errors["smtp.host"]}
                  placeholder="smtp.empresa.com.br"
                  autoComplete="off"
                  disabled={ro}
                  data-testid="email-host"
                />
                <Field
                  label="Porta"
                  name="email_port"
                  inputMode="numeric"
                  value={form.port}
                  onChange={set("port")}
                  error={errors["smtp.port"]}
                  disabled={ro}
                  data-testid="email-port"
                />
                <Select
                  label="Segurança"
                  name="email_security"
                  value={form.security}
                  onChange={setSecurity}
                  error={errors["smtp.security"]}
                  disabled={ro}
                  aria-describedby={errors["smtp.security"] ? "f-email_security-err email-security-hint" : "email-security-hint"}
                  data-testid="email-security"
                >
                  {SECURITY_OPTIONS.map(([value, label]) => (
                    <option key={value} value={value}>
                      {label}
                    </option>
                  ))}
                </Select>
              </div>
              <p className="muted small" id="email-security-hint">
                STARTTLS (porta 587) ou TLS direto (porta 465) criptografam a conexão. Nenhuma só é aceita para um servidor nesta máquina
                (127.0.0.1).
              </p>
              <div className="grid2">
                <Field
                  label="Usuário"
                  name="email_user"
                  value={form.user}
                  onChange={set("user")}
                  error={errors["smtp.user"]}
                  placeholder="em branco: servidor sem autenticação"
                  autoComplete="off"
                  disabled={ro}
                  data-testid="email-user"
                />
                <Field
                  label="Senha"
                  name="email_password"
                  type="password"
                  value={form.password}
                  onChange={set("password")}
                  error={errors["smtp.password"] ?? errors["smtp.clear_password"]}
                  placeholder={smtp.password_set ? "senha guardada (em branco: manter)" : ""}
                  autoComplete="new-password"
                  disabled={ro}
                  data-testid="email-password"
                />
              </div>
              <p className="muted small" data-testid="email-password-state" data-set={String(!!smtp.password_set)}>
                Senha: {smtp.password_set ? "senha guardada" : "nenhuma senha guardada"}. A senha fica guardada selada para as máquinas robô
                (só elas a abrem, para enviar os e-mails) e nunca mais é mostrada.
              </p>
              {smtp.password_set && (
                <div className="check">
                  <label>
                    <input
                      type="checkbox"
                      name="email_clear_password"
                      checked={form.clear_password}
                      disabled={ro}
                      onChange={(e) => set("clear_password")(e.currentTarget.checked)}
                      data-testid="email-clear-password"
                    />{" "}
                    Remover a senha guardada
                  </label>
                </div>
              )}
              <div className="grid2">
                <Field
                  label="Nome do remetente"
                  name="email_sender_name"
                  value={form.sender_name}
                  onChange={set("sender_name")}
                  error={errors["smtp.sender_name"]}
                  placeholder="BRM RPA Desk"
                  disabled={ro}
                  data-testid="email-sender-name"
                />
                <Field
                  label="Endereço do remetente"
                  name="email_sender_address"
                  type="email"
                  value={form.sender_address}
                  onChange={set("sender_address")}
                  error={errors["smtp.sender_address"]}
                  placeholder="robo@empresa.com.br"
                  autoComplete="off"
                  disabled={ro}
                  data-testid="email-sender-address"
                />
              </div>
            </fieldset>
            <fieldset>
              <legend>Regras</legend>
              <div className="grid2">
                <Select
                  label="Hora padrão do resumo diário (horário de Brasília)"
                  name="email_digest_hour"
                  value={form.digest_hour}
                  onChange={set("digest_hour")}
                  error={errors["rules.digest_hour"]}
                  disabled={ro}
                  data-testid="email-digest-hour"
                >
                  {HOURS.map((h) => (
                    <option key={h} value={String(h)}>
                      {formatHour(h)}
                    </option>
                  ))}
                </Select>
                <Field
                  label="Vencendo em até N dias (entram no resumo como vencendo)"
                  name="email_due_soon_days"
                  inputMode="numeric"
                  value={form.due_soon_days}
                  onChange={set("due_soon_days")}
                  error={errors["rules.due_soon_days"]}
                  disabled={ro}
                  data-testid="email-due-soon-days"
                />
                <Field
                  label="Lembrar quando a fatura espera há mais de H horas"
                  name="email_reminder_after_hours"
                  inputMode="numeric"
                  value={form.reminder_after_hours}
                  onChange={set("reminder_after_hours")}
                  error={errors["rules.reminder_after_hours"]}
                  disabled={ro}
                  data-testid="email-reminder-hours"
                />
                <Field
                  label="Escalar aos administradores quando faltarem D dias para o vencimento (ou vencida)"
                  name="email_escalate_within_days"
                  inputMode="numeric"
                  value={form.escalate_within_days}
                  onChange={set("escalate_within_days")}
                  error={errors["rules.escalate_within_days"]}
                  disabled={ro}
                  data-testid="email-escalate-days"
                />
              </div>
              <p className="muted small">Cada pessoa pode escolher outra hora do resumo, ou não recebê-lo, em Preferências.</p>
              <p className="note" data-testid="email-escalation-note">
                Os escalonamentos aos administradores não podem ser desligados.
              </p>
            </fieldset>
            {saved && (
              <p className="connection-result connection-result--ok" role="status" data-testid="email-saved">
                {saved}
              </p>
            )}
            {!ro && (
              <div className="actions">
                <button type="submit" className="primary" disabled={busy} data-testid="email-save">
                  {busy ? "Salvando…" : "Salvar"}
                </button>
              </div>
            )}
          </form>
          {!ro && (
            <EmailTestSend
              token={token}
              defaultTo={userEmail}
              pollMs={pollMs}
              pollLimitMs={pollLimitMs}
              blocked={dirty ? "Salve as alterações antes de enviar o teste: o e-mail de teste usa as configurações salvas." : null}
            />
          )}
        </>
      )}
    </section>
  );
}

export default EmailSettings;
