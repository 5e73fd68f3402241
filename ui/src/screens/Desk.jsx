// The logged-in frame: header with who is logged in, and the screens of this slice.
import { api } from "../api.js";
import Operators from "./Operators.jsx";

const ROLE_LABEL = { ADMINISTRADOR: "Administrador", APROVADOR: "Aprovador", OPERADOR: "Operador" };

export default function Desk({ session, onLogout }) {
  const { token, user } = session;

  async function logout() {
    try {
      await api.logout(token);
    } finally {
      onLogout();
    }
  }

  return (
    <div className="desk">
      <header className="topbar">
        <strong>BRM RPA Desk</strong>
        <nav>
          <span className="current">Operadoras</span>
        </nav>
        <span className="who" data-testid="who">
          {user.full_name} · {ROLE_LABEL[user.role] ?? user.role}
        </span>
        <button type="button" onClick={logout} data-testid="logout">
          Sair
        </button>
      </header>
      <Operators token={token} canEdit={user.role === "ADMINISTRADOR"} />
    </div>
  );
}
