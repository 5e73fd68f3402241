// Which screen to show: first run (no user yet), login, or the desk itself.
import { useEffect, useState } from "preact/hooks";
import { api, onSessionRefused } from "./api.js";
import { onSessionEnded } from "./events.js";
import { useActivity } from "./useActivity.js";
import { mark, reportReadyOnce } from "./ready.js";
import { Banner } from "./components/Banner.jsx";
import FirstRun from "./screens/FirstRun.jsx";
import Login from "./screens/Login.jsx";

// The desk's screens are a chunk of their own: the first screen (first run or login)
// paints without parsing them, and they load while the person types the password.
const loadDesk = () => import("./screens/Desk.jsx");

function DeskLoader(props) {
  const [loaded, setLoaded] = useState(null); // {Desk} | {error}
  useEffect(() => {
    loadDesk()
      .then((m) => setLoaded({ Desk: m.default }))
      .catch((e) => setLoaded({ error: e.message }));
  }, []);
  if (loaded?.Desk) return <loaded.Desk {...props} />;
  if (loaded?.error) {
    return (
      <main className="center">
        <Banner>{`Não foi possível abrir a mesa de trabalho: ${loaded.error}`}</Banner>
      </main>
    );
  }
  return <main className="center" aria-busy="true" />;
}

// What the first screen needs, injected by Rust before the page loads (see
// src-tauri/src/boot.rs): no round trip before the first paint. Without it (Vite dev
// server, tests) the window asks.
function bootScreen(boot, recovered) {
  // Opened again after a crash: the boot value is from the start-up, and an
  // administrator may have been created since, so the window asks.
  if (!boot || recovered) return { name: "loading" };
  if (boot.error) return { name: "fatal", message: boot.error.message };
  return { name: boot.needs_admin ? "first-run" : "login" };
}

export const SESSION_REFUSED_NOTICE = "Sua sessão terminou. Entre novamente.";
const ENDED_PREFIX = "Sua sessão foi encerrada";

export const RECOVERED_NOTICE =
  "A janela parou de responder e foi aberta de novo. Entre outra vez: o que já estava salvo continua salvo.";

// The window's web process ended and Rust loaded the page again with #recuperada
// (src-tauri/src/desktop/web_process.rs). The fragment is read once and removed, so a
// later reload does not repeat the notice.
function takeRecovered() {
  const loc = globalThis.location;
  if (loc?.hash !== "#recuperada") return false;
  globalThis.history?.replaceState(null, "", loc.pathname + loc.search);
  return true;
}

export default function App({ boot = globalThis.__BRM_BOOT__ }) {
  const [recovered] = useState(takeRecovered);
  const [screen, setScreen] = useState(() => bootScreen(boot, recovered));

  useEffect(() => {
    if (screen.name !== "loading") return;
    api
      .setupStatus()
      .then((s) => {
        mark("status");
        setScreen({ name: s.needs_admin ? "first-run" : "login", notice: recovered ? RECOVERED_NOTICE : null });
      })
      .catch((e) => setScreen({ name: "fatal", message: e.message }));
  }, []);

  // A session ended by Rust (event) or refused by a command goes back to the login
  // screen, saying why; only from the desk (the login screen itself has no session).
  const inDesk = screen.name === "desk";
  useEffect(() => {
    if (!inDesk) return undefined;
    const toLogin = (message) =>
      setScreen((s) => (s.name === "desk" ? { name: "login", notice: message, email: s.session?.user?.email } : s));
    const stopEvent = onSessionEnded((p) => toLogin(p?.message || SESSION_REFUSED_NOTICE));
    // Rust names why when it knows (the shared database refused the person's own login:
    // deactivated, password reset): "Sua sessão foi encerrada…"; otherwise the generic notice.
    const stopRefused = onSessionRefused((e) => toLogin(e?.message?.startsWith(ENDED_PREFIX) ? e.message : SESSION_REFUSED_NOTICE));
    return () => {
      stopEvent();
      stopRefused();
    };
  }, [inDesk]);
  useActivity(inDesk ? screen.session?.token : null);

  useEffect(() => {
    if (screen.name === "loading") return;
    // Once the first screen is painted and reported, warm the desk's chunk; a failure
    // to load it shows after login.
    reportReadyOnce((marks) => api.uiReady(marks).finally(() => loadDesk().catch(() => {})));
  }, [screen.name]);

  switch (screen.name) {
    case "loading":
      return <main className="center" aria-busy="true" />;
    case "fatal":
      return (
        <main className="center">
          <div className="card">
            <h1>BRM RPA Desk</h1>
            <Banner>{screen.message}</Banner>
            <p>Corrija o problema e abra o aplicativo novamente.</p>
          </div>
        </main>
      );
    case "first-run":
      return <FirstRun onCreated={(email) => setScreen({ name: "login", email, created: true })} />;
    case "login":
      return (
        <Login
          initialEmail={screen.email}
          notice={screen.created ? "Administrador criado. Entre com seu e-mail e senha." : screen.notice}
          onLogin={(session) => setScreen({ name: "desk", session })}
        />
      );
    case "desk":
      return <DeskLoader session={screen.session} onLogout={() => setScreen({ name: "login" })} />;
    default:
      return null;
  }
}
