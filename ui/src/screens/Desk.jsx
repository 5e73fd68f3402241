// The logged-in frame: the database banner, the header with the tabs this person may use,
// the robot service's health and who is logged in, and the screen of the chosen tab. Hiding a tab is a courtesy:
// every command checks the role on the Rust side.
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { roleLabel } from "../format.js";
import { DbBanner } from "../components/DbBanner.jsx";
import { RobotStatus } from "../components/RobotStatus.jsx";
import Processes from "./Processes.jsx";
import Executions from "./Executions.jsx";
import Clients from "./Clients.jsx";
import ClientImport from "./ClientImport.jsx";
import Operators from "./Operators.jsx";
import Users from "./Users.jsx";
import Settings from "./Settings.jsx";

const TABS = [
  { id: "processos", label: "Processos" },
  { id: "execucoes", label: "Execuções" },
  { id: "clientes", label: "Clientes" },
  { id: "importar", label: "Importar clientes" },
  { id: "operadoras", label: "Operadoras" },
  { id: "usuarios", label: "Usuários", adminOnly: true },
  { id: "config", label: "Configurações", adminOnly: true },
];

function Screen({ tab, token, isAdmin, onNavigate }) {
  switch (tab) {
    case "execucoes":
      return <Executions token={token} />;
    case "clientes":
      return <Clients token={token} />;
    case "importar":
      return <ClientImport token={token} onShowClients={() => onNavigate("clientes")} />;
    case "operadoras":
      return <Operators token={token} canEdit={isAdmin} />;
    case "usuarios":
      return <Users token={token} />;
    case "config":
      return <Settings token={token} />;
    default:
      return <Processes token={token} />;
  }
}

export default function Desk({ session, onLogout }) {
  const { token, user } = session;
  const isAdmin = user.role === "ADMINISTRADOR";
  const tabs = TABS.filter((t) => isAdmin || !t.adminOnly);
  const [tab, setTab] = useState("processos");

  async function logout() {
    try {
      await api.logout(token);
    } finally {
      onLogout();
    }
  }

  return (
    <div className="desk">
      <DbBanner token={token} />
      <header className="topbar">
        <strong>BRM RPA Desk</strong>
        <nav className="tabs" aria-label="Telas">
          {tabs.map((t) => (
            <button
              key={t.id}
              type="button"
              className={t.id === tab ? "tab current" : "tab"}
              aria-current={t.id === tab ? "page" : undefined}
              onClick={() => setTab(t.id)}
              id={`nav-${t.id}`}
              data-testid={`nav-${t.id}`}
            >
              {t.label}
            </button>
          ))}
        </nav>
        <RobotStatus token={token} />
        <span className="who" data-testid="who">
          {user.full_name} · {roleLabel(user.role)}
        </span>
        <button type="button" onClick={logout} data-testid="logout">
          Sair
        </button>
      </header>
      <Screen key={tab} tab={tab} token={token} isAdmin={isAdmin} onNavigate={setTab} />
    </div>
  );
}
