// Configurações → Robô (administrators): the robot service's address (blank: the bundled
// simulator) and its token. The token is write-only: the field always starts empty, the
// screen only says "definido" or "não definido"; blank keeps the stored one. Rust
// validates again, audits each change and keeps the token in the system keyring.
import { api } from "../../api.js";
import { Field, Check } from "../../components/Field.jsx";
import { RestartNotice } from "./RestartNotice.jsx";
import { useSettingsForm } from "./useSettingsForm.js";

// Checked here for a quick answer; Rust has the last word (same rules).
export function validateRobot(form) {
  const errors = {};
  const url = (form.url ?? "").trim();
  if (url) {
    const m = /^https?:\/\/([^/?#\s]+)/i.exec(url);
    if (!m || /\s/.test(url)) errors.url = "Endereço inválido: use http:// ou https:// seguido do servidor (por exemplo https://robos.beg.com.br).";
    else if (m[1].includes("@")) errors.url = "O endereço não pode conter usuário ou senha: as credenciais ficam no chaveiro do sistema.";
  }
  const token = (form.token ?? "").trim();
  if (token && /\s/.test(token.replace(/^Bearer /, ""))) errors.token = "O token não pode ter espaços nem quebras de linha.";
  if (token && form.clear_token) errors.token = 'Informe um token novo ou marque "Remover o token", não os dois.';
  return errors;
}

// What Rust takes: a blank token is null (keep).
export function robotInput(form) {
  const token = (form.token ?? "").trim();
  return { url: (form.url ?? "").trim(), token: token === "" ? null : token, clear_token: !!form.clear_token };
}

const fromSettings = (s) => ({ url: s?.url ?? "", token: "", clear_token: false });

export function RobotSettings({ token }) {
  const { settings, form, set, errors, error, result, restart, busy, runTest: test, submit: save } = useSettingsForm({
    token,
    load: api.getRobotSettings,
    fromSettings,
    validate: validateRobot,
    toInput: robotInput,
    test: api.testRobotConnection,
    save: api.saveRobotSettings,
  });

  return (
    <form className="panel" onSubmit={save} noValidate data-testid="robot-settings" aria-busy={form ? "false" : "true"}>
      <h2>Robô</h2>
      {error && (
        <p className="field__error" role="alert" data-testid="robot-settings-error">
          {error}
        </p>
      )}
      {settings && form && (
        <>
          <p className="muted" data-testid="robot-mode">
            {settings.using_simulator ? "Em uso: o simulador de robôs embutido (sem endereço configurado)." : `Serviço de robôs: ${settings.url}`}
          </p>
          <Field
            label="Endereço do serviço de robôs"
            name="robot_url"
            value={form.url}
            onChange={set("url")}
            error={errors.url}
            placeholder="em branco: simulador embutido"
            autoComplete="off"
            data-testid="robot-url"
          />
          <Field
            label="Token"
            name="robot_token"
            type="password"
            value={form.token}
            onChange={set("token")}
            error={errors.token}
            placeholder={settings.token_set ? "deixe em branco para manter" : ""}
            autoComplete="new-password"
            data-testid="robot-token"
          />
          <p className="muted" data-testid="robot-token-state" data-set={String(!!settings.token_set)}>
            Token: {settings.token_set ? "definido (guardado no chaveiro do sistema)" : "não definido"}
          </p>
          {settings.token_set && <Check label="Remover o token" name="robot_clear_token" checked={form.clear_token} onChange={set("clear_token")} />}
          {result && (
            <p className={`connection-result connection-result--${result.ok ? "ok" : "fail"}`} role="status" data-ok={String(!!result.ok)} data-testid="robot-result">
              {result.message}
            </p>
          )}
          <RestartNotice token={token} message={restart} testid="robot-restart" />
          <div className="actions">
            <button type="button" disabled={!!busy} onClick={test} data-testid="robot-test">
              {busy === "test" ? "Testando…" : "Testar conexão"}
            </button>
            <button type="submit" className="primary" disabled={!!busy} data-testid="robot-save">
              {busy === "save" ? "Salvando…" : "Salvar"}
            </button>
          </div>
        </>
      )}
    </form>
  );
}

export default RobotSettings;
