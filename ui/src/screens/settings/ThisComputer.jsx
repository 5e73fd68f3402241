// Configurações → Este computador: the theme and the notification preferences of this
// desktop (each computer has its own). Both are saved by Rust with the preferences and
// audited for the person logged in; the theme also stays in localStorage for the first
// paint of the next start.
import { useRef, useState } from "preact/hooks";
import { ThemeToggle } from "../../components/ThemeToggle.jsx";
import { PreferencesDialog } from "../../components/PreferencesDialog.jsx";

export function ThisComputer({ token, role }) {
  const [open, setOpen] = useState(false);
  const button = useRef(null);
  return (
    <section className="panel" data-testid="this-computer">
      <h2>Este computador</h2>
      <div className="field">
        <span>Tema</span>
        <ThemeToggle token={token} testid="settings-theme" />
      </div>
      <p className="muted small">Vale só para este computador. "Automático" segue o tema claro ou escuro do sistema.</p>
      <div className="actions">
        <button type="button" ref={button} onClick={() => setOpen(true)} aria-haspopup="dialog" data-testid="open-notification-preferences">
          Preferências de notificação…
        </button>
      </div>
      {open && <PreferencesDialog token={token} role={role} returnFocus={button} onClose={() => setOpen(false)} />}
    </section>
  );
}

export default ThisComputer;
