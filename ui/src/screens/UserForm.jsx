// Forms of the users screen: a new user, and a new password for an existing one.
import { useForm } from "../useForm.js";
import { ROLE_LABEL } from "../format.js";
import { Field, Select } from "../components/Field.jsx";
import { Banner } from "../components/Banner.jsx";

const MIN = 12;

export function RoleOptions() {
  return Object.entries(ROLE_LABEL).map(([value, label]) => (
    <option key={value} value={value}>
      {label}
    </option>
  ));
}

function PasswordFields({ form, set, errors }) {
  return (
    <div className="grid2">
      <Field
        label={`Senha (mínimo ${MIN} caracteres)`}
        name="password"
        type="password"
        value={form.password}
        onChange={set("password")}
        error={errors.password}
        autoComplete="new-password"
      />
      <Field
        label="Confirmação da senha"
        name="password_confirmation"
        type="password"
        value={form.password_confirmation}
        onChange={set("password_confirmation")}
        error={errors.password_confirmation}
        autoComplete="new-password"
      />
    </div>
  );
}

export default function UserForm({ onSave, onCancel }) {
  const { form, set, errors, message, busy, submit } = useForm(
    { full_name: "", email: "", phone: "", role: "OPERADOR", password: "", password_confirmation: "" },
    (values) => onSave({ ...values, phone: values.phone.trim() === "" ? null : values.phone }),
  );

  return (
    <form className="panel" onSubmit={submit} data-testid="user-form" noValidate>
      <h2>Novo usuário</h2>
      <Banner>{message}</Banner>
      <div className="grid2">
        <Field label="Nome completo" name="full_name" value={form.full_name} onChange={set("full_name")} error={errors.full_name} autoFocus />
        <Field label="E-mail" name="email" type="email" value={form.email} onChange={set("email")} error={errors.email} autoComplete="off" />
      </div>
      <div className="grid2">
        <Field label="Telefone (opcional)" name="phone" type="tel" value={form.phone} onChange={set("phone")} error={errors.phone} />
        <Select label="Papel" name="role" value={form.role} onChange={set("role")} error={errors.role}>
          <RoleOptions />
        </Select>
      </div>
      <PasswordFields form={form} set={set} errors={errors} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy} data-testid="save-user">
          {busy ? "Salvando…" : "Criar usuário"}
        </button>
        <button type="button" onClick={onCancel}>
          Cancelar
        </button>
      </div>
    </form>
  );
}

// Setting a new password also unlocks an account locked by failed logins.
export function ResetPasswordForm({ user, onSave, onCancel }) {
  const { form, set, errors, message, busy, submit } = useForm({ password: "", password_confirmation: "" }, (values) =>
    onSave(values.password, values.password_confirmation),
  );

  return (
    <form className="panel" onSubmit={submit} data-testid="reset-form" noValidate>
      <h2>Nova senha para {user.full_name}</h2>
      <p className="muted">Informe a nova senha à pessoa por um canal seguro. Uma conta bloqueada é desbloqueada.</p>
      <Banner>{message}</Banner>
      <PasswordFields form={form} set={set} errors={errors} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy} data-testid="save-reset">
          {busy ? "Salvando…" : "Definir senha"}
        </button>
        <button type="button" onClick={onCancel}>
          Cancelar
        </button>
      </div>
    </form>
  );
}
