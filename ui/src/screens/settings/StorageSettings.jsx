// Configurações → Armazenamento das faturas (administrators): a folder on this computer
// (an absolute path, created if missing; blank: the default folder) or S3-compatible
// storage. The S3 keys are write-only: the fields always start empty, the screen only
// says "definida" or "não definida"; blank keeps the stored key. Rust validates again,
// audits each change and keeps the keys in the system keyring.
import { api } from "../../api.js";
import { Field, Check } from "../../components/Field.jsx";
import { RestartNotice } from "./RestartNotice.jsx";
import { useSettingsForm } from "./useSettingsForm.js";

const isAbsolute = (p) => p.startsWith("/") || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith("\\\\");

export function validateStorage(form, settings) {
  const errors = {};
  if (form.kind === "pasta") {
    const folder = form.folder.trim();
    if (folder && !isAbsolute(folder)) errors.folder = "Informe o caminho completo da pasta (por exemplo /home/ana/faturas ou C:\\Faturas).";
    return errors;
  }
  if (!/^https?:\/\/[^/?#\s@]+/i.test(form.endpoint.trim())) errors.endpoint = "Informe o endereço do servidor S3 com http:// ou https:// (por exemplo https://s3.beg.com.br).";
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(form.bucket.trim())) {
    errors.bucket = "Nome de bucket inválido: de 3 a 63 letras minúsculas, números, pontos ou hífens, começando e terminando com letra ou número.";
  }
  if (!form.access_key.trim() && !settings?.s3?.access_key_set) errors.access_key = "Informe a chave de acesso.";
  if (!form.secret_key.trim() && !settings?.s3?.secret_key_set) errors.secret_key = "Informe a chave secreta.";
  return errors;
}

// What Rust takes: blank keys are null (keep); the default folder is sent as blank.
export function storageInput(form, settings) {
  const key = (k) => (k.trim() === "" ? null : k.trim());
  const folder = form.folder.trim();
  return {
    kind: form.kind,
    folder: folder === settings?.default_folder ? "" : folder,
    endpoint: form.endpoint.trim(),
    region: form.region.trim(),
    bucket: form.bucket.trim(),
    path_style: !!form.path_style,
    access_key: key(form.access_key),
    secret_key: key(form.secret_key),
  };
}

const fromSettings = (s) => ({
  kind: s?.kind ?? "pasta",
  folder: s?.folder ?? "",
  endpoint: s?.s3?.endpoint ?? "",
  region: s?.s3?.region ?? "",
  bucket: s?.s3?.bucket ?? "",
  path_style: s?.s3?.path_style ?? true,
  access_key: "",
  secret_key: "",
});

export function StorageSettings({ token }) {
  const { settings, form, set, errors, error, result, restart, busy, runTest: test, submit: save } = useSettingsForm({
    token,
    load: api.getStorageSettings,
    fromSettings,
    validate: validateStorage,
    toInput: storageInput,
    test: api.testStorage,
    save: api.saveStorageSettings,
  });

  const keyState = (set_) => (set_ ? "definida (guardada no chaveiro do sistema)" : "não definida");

  return (
    <form className="panel" onSubmit={save} noValidate data-testid="storage-settings" aria-busy={form ? "false" : "true"}>
      <h2>Armazenamento das faturas</h2>
      {error && (
        <p className="field__error" role="alert" data-testid="storage-settings-error">
          {error}
        </p>
      )}
      {settings && form && (
        <>
          <fieldset className="choices">
            <legend>Onde as faturas ficam</legend>
            <label>
              <input type="radio" name="storage_kind" value="pasta" checked={form.kind === "pasta"} onChange={() => set("kind")("pasta")} data-testid="storage-kind-pasta" /> Uma pasta neste
              computador
            </label>
            <label>
              <input type="radio" name="storage_kind" value="s3" checked={form.kind === "s3"} onChange={() => set("kind")("s3")} data-testid="storage-kind-s3" /> Armazenamento S3
              (MinIO ou compatível)
            </label>
          </fieldset>
          {form.kind === "pasta" ? (
            <>
              <Field label="Pasta" name="folder" value={form.folder} onChange={set("folder")} error={errors.folder} placeholder={settings.default_folder} autoComplete="off" data-testid="storage-folder" />
              <p className="muted small">Em branco: a pasta padrão ({settings.default_folder}). A pasta é criada se não existir.</p>
              {settings.machines?.length > 0 && (
                <div data-testid="storage-machines">
                  <p className="muted small">
                    Banco compartilhado: a pasta precisa ser a mesma para todas as máquinas robô aprovadas (cada uma grava um marcador e este computador o lê de volta). O S3 é
                    o recomendado; os computadores do escritório só precisam de chaves de leitura.
                  </p>
                  <ul>
                    {settings.machines.map((m) => (
                      <li key={`${m.name}-${m.host}`} data-testid="storage-machine" data-ok={String(!!m.ok)}>
                        <strong>{m.name}</strong> ({m.host}): {m.message}
                      </li>
                    ))}
                  </ul>
                </div>
              )}
            </>
          ) : (
            <>
              <div className="grid3">
                <Field label="Endereço (endpoint)" name="endpoint" value={form.endpoint} onChange={set("endpoint")} error={errors.endpoint} placeholder="https://s3.beg.com.br" autoComplete="off" data-testid="s3-endpoint" />
                <Field label="Região" name="region" value={form.region} onChange={set("region")} error={errors.region} placeholder="us-east-1" autoComplete="off" data-testid="s3-region" />
                <Field label="Bucket" name="bucket" value={form.bucket} onChange={set("bucket")} error={errors.bucket} autoComplete="off" data-testid="s3-bucket" />
              </div>
              <Check label="Endereçamento por caminho (path-style, padrão do MinIO)" name="path_style" checked={form.path_style} onChange={set("path_style")} />
              <div className="grid3">
                <Field
                  label="Chave de acesso"
                  name="access_key"
                  type="password"
                  value={form.access_key}
                  onChange={set("access_key")}
                  error={errors.access_key}
                  placeholder={settings.s3.access_key_set ? "deixe em branco para manter" : ""}
                  autoComplete="new-password"
                  data-testid="s3-access-key"
                />
                <Field
                  label="Chave secreta"
                  name="secret_key"
                  type="password"
                  value={form.secret_key}
                  onChange={set("secret_key")}
                  error={errors.secret_key}
                  placeholder={settings.s3.secret_key_set ? "deixe em branco para manter" : ""}
                  autoComplete="new-password"
                  data-testid="s3-secret-key"
                />
              </div>
              <p className="muted small" data-testid="s3-read-only-note">
                Nos computadores do escritório bastam chaves só de leitura (eles apenas mostram as faturas); as chaves com gravação ficam nas máquinas robô.
              </p>
              <p className="muted" data-testid="s3-keys-state">
                Chave de acesso: {keyState(settings.s3.access_key_set)} · Chave secreta: {keyState(settings.s3.secret_key_set)}
              </p>
            </>
          )}
          {result && (
            <p className={`connection-result connection-result--${result.ok ? "ok" : "fail"}`} role="status" data-ok={String(!!result.ok)} data-testid="storage-result">
              {result.message}
            </p>
          )}
          <RestartNotice token={token} message={restart} testid="storage-restart" />
          <div className="actions">
            <button type="button" disabled={!!busy} onClick={test} data-testid="storage-test">
              {busy === "test" ? "Testando…" : "Testar"}
            </button>
            <button type="submit" className="primary" disabled={!!busy} data-testid="storage-save">
              {busy === "save" ? "Salvando…" : "Salvar"}
            </button>
          </div>
        </>
      )}
    </form>
  );
}

export default StorageSettings;
