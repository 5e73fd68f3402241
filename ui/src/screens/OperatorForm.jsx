import { useForm } from "../useForm.js";
import { Field, Check } from "../components/Field.jsx";
import { Banner } from "../components/Banner.jsx";

const EMPTY = {
  name: "",
  code: "",
  has_rpa: true,
  rpa_outsourced: false,
  rpa_endpoint_url: "",
  portal_url: "",
  access_instructions: "",
  timeout_secs: 300,
  max_attempts: 3,
};

function toForm(op) {
  if (!op) return EMPTY;
  return {
    ...EMPTY,
    ...op,
    rpa_endpoint_url: op.rpa_endpoint_url ?? "",
    portal_url: op.portal_url ?? "",
    access_instructions: op.access_instructions ?? "",
  };
}

// Empty number inputs are sent as null (the Rust side fills its default); anything typed
// is sent as typed, and Rust says whether it is in range.
function toInput(form) {
  const num = (v) => (v === "" || v === null ? null : Number(v));
  return {
    name: form.name,
    code: form.code,
    has_rpa: form.has_rpa,
    rpa_outsourced: form.rpa_outsourced,
    rpa_endpoint_url: form.rpa_endpoint_url || null,
    portal_url: form.portal_url || null,
    access_instructions: form.access_instructions || null,
    timeout_secs: num(form.timeout_secs),
    max_attempts: num(form.max_attempts),
  };
}

export default function OperatorForm({ operator, onSave, onCancel }) {
  const { form, set, errors, message, busy, submit } = useForm(toForm(operator), (values) => onSave(toInput(values)));

  return (
    <form className="panel" onSubmit={submit} data-testid="operator-form" noValidate>
      <h2>{operator ? `Editar operadora ${operator.name}` : "Nova operadora"}</h2>
      <Banner>{message}</Banner>
      <div className="grid2">
        <Field label="Nome" name="name" value={form.name} onChange={set("name")} error={errors.name} autoFocus />
        <Field label="Código (ex.: VIVO, OI_FIXO)" name="code" value={form.code} onChange={set("code")} error={errors.code} />
      </div>
      <div className="grid2">
        <Check label="Possui robô" name="has_rpa" checked={form.has_rpa} onChange={set("has_rpa")} error={errors.has_rpa} />
        <Check
          label="Robô terceirizado (endpoint próprio)"
          name="rpa_outsourced"
          checked={form.rpa_outsourced}
          onChange={set("rpa_outsourced")}
          error={errors.rpa_outsourced}
        />
      </div>
      {form.rpa_outsourced && (
        <Field
          label="URL do endpoint do robô"
          name="rpa_endpoint_url"
          value={form.rpa_endpoint_url}
          onChange={set("rpa_endpoint_url")}
          error={errors.rpa_endpoint_url}
          placeholder="https://robo.operadora.com.br"
        />
      )}
      <Field label="URL do portal" name="portal_url" value={form.portal_url} onChange={set("portal_url")} error={errors.portal_url} />
      <div className="field">
        <label htmlFor="f-access_instructions">Instruções de acesso</label>
        <textarea
          id="f-access_instructions"
          name="access_instructions"
          rows={3}
          value={form.access_instructions}
          onInput={(e) => set("access_instructions")(e.currentTarget.value)}
        />
        {errors.access_instructions && <p className="field__error">{errors.access_instructions}</p>}
      </div>
      <div className="grid2">
        <Field
          label="Tempo limite do robô (segundos)"
          name="timeout_secs"
          type="number"
          value={form.timeout_secs}
          onChange={set("timeout_secs")}
          error={errors.timeout_secs}
        />
        <Field
          label="Máximo de tentativas"
          name="max_attempts"
          type="number"
          value={form.max_attempts}
          onChange={set("max_attempts")}
          error={errors.max_attempts}
        />
      </div>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy} data-testid="save-operator">
          {busy ? "Salvando…" : "Salvar"}
        </button>
        <button type="button" onClick={onCancel}>
          Cancelar
        </button>
      </div>
    </form>
  );
}
