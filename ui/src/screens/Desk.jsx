// The logged-in frame: the database banner, the header with the tabs this person may use,
// whether the shared database's connection is encrypted, the robot service's health, the theme and who is logged in, and the screen of the chosen tab. Hiding a tab is a
// courtesy: every command checks the role on the Rust side. Screens move the person with
// `onNavigate(tab, params)`: the dashboard opens Processos or Execuções already filtered
// (params become the list's `initialFilter`). Rust moves the person too: a notification
// click, a brm-desk:// link or the tray sends `navigate` (see useNavigation.js), and a
// target kept from before login is asked for once when the desk mounts. "Preferências"
// opens this desktop's notification preferences; "Diagnóstico" the support report.
import { useRef, useState } from "preact/hooks";
import { api } from "../api.js";
import { roleLabel } from "../format.js";
import { DbBanner } from "../components/DbBanner.jsx";
import { RobotStatus } from "../components/RobotStatus.jsx";
import { DbSecurity } from "../components/DbSecurity.jsx";
import { ThemeToggle } from "../components/ThemeToggle.jsx";
import { PreferencesDialog } from "../components/PreferencesDialog.jsx";
import { useNavigation } from "../useNavigation.js";
import Dashboard from "./Dashboard.jsx";
import Approvals from "./Approvals.jsx";
import Processes from "./Processes.jsx";
import Executions from "./Executions.jsx";
import Clients from "./Clients.jsx";
import ClientImport from "./ClientImport.jsx";
import Operators from "./Operators.jsx";
import Users from "./Users.jsx";
import Settings from "./Settings.jsx";
import Diagnostics from "./Diagnostics.jsx";

const TABS = [
  { id: "painel", label: "Painel" },
  { id: "aprovacao", label: "Aprovação" },
  { id: "processos", label: "Processos" },
  { id: "execucoes", label: "Execuções" },
  { id: "clientes", label: "Clientes" },
  { id: "importar", label: "Importar clientes" },
  { id: "operadoras", label: "Operadoras" },
  { id: "usuarios", label: "Usuários", adminOnly: true },
  { id: "config", label: "Configurações", adminOnly: true },
];

function Screen({ tab, params, token, user, isAdmin, onNavigate }) {
  switch (tab) {
    case "painel":
      return <Dashboard token={token} onNavigate={onNavigate} />;
    case "aprovacao":
      return <Approvals token={token} user={user} onNavigate={onNavigate} initial={params} />;
    case "execucoes":
      return <Executions token={token} initialFilter={params} />;
    case "clientes":
      return <Clients token={token} />;
    case "importar":
      return <ClientImport token={token} onShowClients={() => onNavigate("clientes")} />;
    case "operadoras":
      return <Operators token={token} canEdit={isAdmin} />;
    case "usuarios":
      return <Users token={token} />;
    case "config":
      return <Settings token={token} user={user} />;
    case "diagnostico":
      return <Diagnostics token={token} />;
    default:
      return <Processes token={token} initialFilter={params} />;
  }
}

export default function Desk({ session, onLogout }) {
  const { token, user } = session;
  const isAdmin = user.role === "ADMINISTRADOR";
  const tabs = TABS.filter((t) => isAdmin || !t.adminOnly);
  // `n` counts navigations: opening the same tab with new parameters starts it afresh.
  const [nav, setNav] = useState({ tab: "painel", params: null, n: 0 });
  const tab = nav.tab;
  // Clicking the tab already open keeps it as it is (page, filter, scroll).
  const navigate = (id, params = null) =>
    setNav((v) => (id === v.tab && !params ? v : { tab: id, params, n: v.n + 1 }));
  const [prefsOpen, setPrefsOpen] = useState(false);
  const prefsButton = useRef(null);

  // Where Rust sends the window lands in front: an open dialog would hide it.
  useNavigation(token, (id, params) => {
    setPrefsOpen(false);
    navigate(id, params);
  });

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
              onClick={() => navigate(t.id)}
              id={`nav-${t.id}`}
              data-testid={`nav-${t.id}`}
            >
              {t.label}
            </button>
          ))}
        </nav>
        <div className="topbar__tools">
          <DbSecurity token={token} />
          <RobotStatus token={token} />
          <button
            type="button"
            ref={prefsButton}
            onClick={() => setPrefsOpen(true)}
            aria-haspopup="dialog"
            aria-expanded={prefsOpen ? "true" : "false"}
            data-testid="open-preferences"
          >
            Preferências
          </button>
          <button
            type="button"
            className={tab === "diagnostico" ? "current" : undefined}
            aria-current={tab === "diagnostico" ? "page" : undefined}
            onClick={() => navigate("diagnostico")}
            data-testid="open-diagnostics"
          >
            Diagnóstico
          </button>
          <ThemeToggle token={token} />
          <span className="who" data-testid="who">
            {user.full_name} · {roleLabel(user.role)}
          </span>
          <button type="button" onClick={logout} data-testid="logout">
            Sair
          </button>
        </div>
      </header>
      <Screen
        key={`${tab}-${nav.n}`}
        tab={tab}
        params={nav.params}
        token={token}
        user={user}
        isAdmin={isAdmin}
        onNavigate={navigate}
      />
      {prefsOpen && <PreferencesDialog token={token} role={user.role} returnFocus={prefsButton} onClose={() => setPrefsOpen(false)} />}
    </div>
  );
}
