// A client's form. The portal password is write-only: the window only learns whether one
// is set, never its text, so the field always starts empty and blank means "keep".
import { useForm } from "../useForm.js";
import { formatCnpj } from "../format.js";
import { Field, Check, Select, TextArea } from "../components/Field.jsx";
import { Banner } from "../components/Banner.jsx";
import { OperatorOptions } from "../components/OperatorOptions.jsx";

const TEXT_FIELDS = [
  "hash",
  "legal_name",
  "sat_name",
  "cnpj",
  "operator_id",
  "account_filter",
  "service",
  "sat_data",
  "unit",
  "sat_category",
  "issue_site_url",
  "portal_login",
  "cpf",
  "notes",
];

function toForm(client) {
  const form = { portal_password: "", clear_portal_password: false };
  for (const key of TEXT_FIELDS) form[key] = client?.[key] ?? "";
  if (client) form.cnpj = formatCnpj(client.cnpj);
  return form;
}

// Blank optional text is sent as null; service and unit are part of the unique key and
// travel as "" when blank (as the spreadsheet import stores them).
function toInput(form) {
  const opt = (v) => (v.trim() === "" ? null : v);
  return {
    hash: opt(form.hash),
    legal_name: form.legal_name,
    sat_name: opt(form.sat_name),
    cnpj: form.cnpj,
    operator_id: form.operator_id || null,
    account_filter: opt(form.account_filter),
    service: form.service,
    sat_data: opt(form.sat_data),
    unit: form.unit,
    sat_category: opt(form.sat_category),
    issue_site_url: opt(form.issue_site_url),
    portal_login: opt(form.portal_login),
    portal_password: form.clear_portal_password || form.portal_password === "" ? null : form.portal_password,
    clear_portal_password: form.clear_portal_password,
    cpf: opt(form.cpf),
    notes: opt(form.notes),
  };
}

export default function ClientForm({ client, operators, onSave, onCancel }) {
  const { form, set, errors, message, busy, submit } = useForm(toForm(client), (values) => onSave(toInput(values)));
  const passwordSet = !!client?.portal_password_set;

  return (
    <form className="panel" onSubmit={submit} data-testid="client-form" noValidate>
      <h2>{client ? `Editar cliente ${client.legal_name}` : "Novo cliente"}</h2>
      <Banner>{message}</Banner>
      <div className="grid2">
        <Field label="Razão social" name="legal_name" value={form.legal_name} onChange={set("legal_name")} error={errors.legal_name} autoFocus />
        <Field label="Nome no SAT" name="sat_name" value={form.sat_name} onChange={set("sat_name")} error={errors.sat_name} />
      </div>
      <div className="grid3">
        <Field label="CNPJ" name="cnpj" value={form.cnpj} onChange={set("cnpj")} error={errors.cnpj} placeholder="12.345.678/0001-95" />
        <Field label="Hash (da planilha)" name="hash" value={form.hash} onChange={set("hash")} error={errors.hash} />
        <Field label="CPF (opcional)" name="cpf" value={form.cpf} onChange={set("cpf")} error={errors.cpf} />
      </div>
      <div className="grid3">
        <Select label="Operadora" name="operator_id" value={form.operator_id} onChange={set("operator_id")} error={errors.operator_id}>
          <option value="">Selecione…</option>
          <OperatorOptions operators={operators} />
        </Select>
        <Field
          label="Filtro (conta na operadora)"
          name="account_filter"
          value={form.account_filter}
          onChange={set("account_filter")}
          error={errors.account_filter}
        />
        <Field label="Serviço" name="service" value={form.service} onChange={set("service")} error={errors.service} />
      </div>
      <div className="grid3">
        <Field label="Unidade" name="unit" value={form.unit} onChange={set("unit")} error={errors.unit} />
        <Field label="Dados SAT" name="sat_data" value={form.sat_data} onChange={set("sat_data")} error={errors.sat_data} />
        <Field label="Categoria SAT" name="sat_category" value={form.sat_category} onChange={set("sat_category")} error={errors.sat_category} />
      </div>
      <Field
        label="Site para emissão"
        name="issue_site_url"
        value={form.issue_site_url}
        onChange={set("issue_site_url")}
        error={errors.issue_site_url}
        placeholder="https://"
      />
      <fieldset className="secret">
        <legend>Acesso ao portal da operadora</legend>
        <div className="grid2">
          <Field
            label="Login do portal"
            name="portal_login"
            value={form.portal_login}
            onChange={set("portal_login")}
            error={errors.portal_login}
            autoComplete="off"
          />
          <Field
            label={passwordSet ? "Nova senha do portal" : "Senha do portal"}
            name="portal_password"
            type="password"
            value={form.portal_password}
            onChange={set("portal_password")}
            error={errors.portal_password}
            placeholder={passwordSet ? "deixe em branco para manter" : "deixe em branco se não houver"}
            autoComplete="new-password"
            disabled={form.clear_portal_password}
          />
        </div>
        <p className="muted" data-testid="portal-password-state">
          Senha do portal: {passwordSet ? "definida" : "não definida"}
        </p>
        {passwordSet && (
          <Check
            label="Remover senha"
            name="clear_portal_password"
            checked={form.clear_portal_password}
            onChange={set("clear_portal_password")}
            error={errors.clear_portal_password}
          />
        )}
      </fieldset>
      <TextArea label="Observações" name="notes" value={form.notes} onChange={set("notes")} error={errors.notes} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy} data-testid="save-client">
          {busy ? "Salvando…" : "Salvar"}
        </button>
        <button type="button" onClick={onCancel}>
          Cancelar
        </button>
      </div>
    </form>
  );
}
