import { useState } from "preact/hooks";
import { api } from "../api.js";
import { Field } from "../components/Field.jsx";
import { Banner } from "../components/Banner.jsx";

export default function Login({ initialEmail = "", notice, onLogin }) {
  const [email, setEmail] = useState(initialEmail);
  const [password, setPassword] = useState("");
  const [message, setMessage] = useState(null);
  const [busy, setBusy] = useState(false);

  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      onLogin(await api.login(email, password));
    } catch (err) {
      setMessage(err.message);
      setPassword("");
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="center">
      <form className="card" onSubmit={submit} data-testid="login" noValidate>
        <h1>Entrar</h1>
        <p className="muted">BRM RPA Desk — faturas de telecom, do portal ao SAT.</p>
        {!message && <Banner kind="info">{notice}</Banner>}
        <Banner>{message}</Banner>
        <Field label="E-mail" name="email" type="email" value={email} onChange={setEmail} autoComplete="username" autoFocus={!initialEmail} />
        <Field label="Senha" name="password" type="password" value={password} onChange={setPassword} autoComplete="current-password" autoFocus={!!initialEmail} />
        <button type="submit" className="primary" disabled={busy} data-testid="login-submit">
          {busy ? "Entrando…" : "Entrar"}
        </button>
      </form>
    </main>
  );
}
