import { api } from "../api.js";
import { useForm } from "../useForm.js";
import { Field } from "../components/Field.jsx";
import { Banner } from "../components/Banner.jsx";

const MIN = 12;

export default function FirstRun({ onCreated, createAdmin = api.createFirstAdmin }) {
  const { form, set, errors, message, busy, submit } = useForm(
    { full_name: "", email: "", password: "", password_confirmation: "" },
    async (values) => {
      const email = values.email.trim().toLowerCase();
      try {
        await createAdmin(values);
      } catch (err) {
        // Someone (another window, a reload) created it meanwhile: go to the login.
        if (err.code === "ALREADY_INITIALIZED") return onCreated(email);
        throw err;
      }
      onCreated(email);
    },
  );

  return (
    <main className="center">
      <form className="card" onSubmit={submit} data-testid="first-run" noValidate>
        <h1>Criar administrador</h1>
        <p className="muted">
          Primeiro acesso: crie a conta que administra o sistema. Não existe usuário ou senha padrão.
        </p>
        <Banner>{message}</Banner>
        <Field label="Nome completo" name="full_name" value={form.full_name} onChange={set("full_name")} error={errors.full_name} autoFocus />
        <Field label="E-mail" name="email" type="email" value={form.email} onChange={set("email")} error={errors.email} autoComplete="username" />
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
        <button type="submit" className="primary" disabled={busy} data-testid="create-admin">
          {busy ? "Criando…" : "Criar administrador"}
        </button>
      </form>
    </main>
  );
}
