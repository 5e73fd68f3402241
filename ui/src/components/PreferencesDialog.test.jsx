import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { useRef, useState } from "preact/hooks";
import { settle, TOKEN } from "../testing.js";

// A stand-in for Tauri's invoke: each test answers the commands it needs, and the command
// names and arguments the dialog sends are checked as the contract with Rust.
const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...args) => invoke(...args) }));

const { ACTIONS_NO, ACTIONS_YES, PreferencesDialog, preferencesOf, SAVED } = await import("./PreferencesDialog.jsx");

const PREFS = {
  notify_waiting: true,
  notify_attention: false,
  quiet_hours: false,
  quiet_start: "19:00",
  quiet_end: "08:00",
  close_to_tray: true,
  start_with_system: false,
  theme: "dark",
};

// MyEmailPreference as Rust sends it: lives in the shared database, not with this desktop.
const EMAIL = { email: "beto@beg.com.br", active: true, receive: true, hour: null, effective_hour: 8, is_admin: false };

let answers;
beforeEach(() => {
  answers = {
    get_my_email_preference: async () => EMAIL,
    save_my_email_preference: async ({ input }) => ({ ...EMAIL, ...input, effective_hour: input.hour ?? 8 }),
    get_desktop_preferences: async () => ({ preferences: PREFS, notifications: { actions: true, server: "GNOME Shell" } }),
    save_desktop_preferences: async ({ preferences }) => preferences,
    test_notification: async () => ({ actions: true, server: "GNOME Shell", message: "Notificação de teste enviada ao GNOME Shell." }),
  };
  invoke.mockReset();
  invoke.mockImplementation((command, args) => {
    const answer = answers[command];
    if (!answer) return Promise.reject({ code: "INTERNAL", message: `comando inesperado ${command}` });
    return answer(args);
  });
});
afterEach(cleanup);

const sent = (command) => invoke.mock.calls.filter(([c]) => c === command).map(([, args]) => args);

// The dialog as the desk opens it: a button that opens it and gets the focus back.
function Harness({ role = "APROVADOR", onClosed = () => {} }) {
  const [open, setOpen] = useState(false);
  const button = useRef(null);
  return (
    <div>
      <button type="button" ref={button} onClick={() => setOpen(true)} data-testid="open-preferences">
        Preferências
      </button>
      {open && (
        <PreferencesDialog
          token={TOKEN}
          role={role}
          returnFocus={button}
          onClose={() => {
            setOpen(false);
            onClosed();
          }}
        />
      )}
    </div>
  );
}

async function openDialog(props) {
  render(<Harness {...props} />);
  fireEvent.click(screen.getByTestId("open-preferences"));
  await screen.findByTestId("pref-notify-waiting");
  return screen.getByRole("dialog");
}

describe("PreferencesDialog", () => {
  it("loads this desktop's preferences into an accessible dialog", async () => {
    const dialog = await openDialog();
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect(document.getElementById(dialog.getAttribute("aria-labelledby")).textContent).toBe("Preferências deste computador");
    expect(sent("get_desktop_preferences")).toEqual([{ token: TOKEN }]);
    expect(screen.getByTestId("pref-notify-waiting").checked).toBe(true);
    expect(screen.getByTestId("pref-notify-attention").checked).toBe(false);
    expect(screen.getByTestId("pref-quiet-hours").checked).toBe(false);
    expect(screen.getByTestId("pref-quiet-start").value).toBe("19:00");
    expect(screen.getByTestId("pref-quiet-end").value).toBe("08:00");
    expect(screen.getByTestId("pref-close-to-tray").checked).toBe(true);
    expect(screen.getByLabelText("Uma fatura chegar para aprovação")).toBe(screen.getByTestId("pref-notify-waiting"));
    expect(screen.getByLabelText("Um processo precisar de atenção")).toBe(screen.getByTestId("pref-notify-attention"));
    expect(screen.getByLabelText("Ao fechar a janela, continuar na bandeja (notificações e robô seguem ativos)")).toBe(
      screen.getByTestId("pref-close-to-tray"),
    );
    expect(screen.getByTestId("pref-actions").textContent).toBe(ACTIONS_YES);
    expect(dialog.textContent).toContain("Servidor de notificações: GNOME Shell");
    expect(dialog.textContent).toContain("chegam num único resumo quando ele termina");
    expect(screen.getByTestId("pref-cancel").textContent).toBe("Cancelar");
  });

  it("says when the notification server shows no buttons", async () => {
    answers.get_desktop_preferences = async () => ({ preferences: PREFS, notifications: { actions: false, server: null } });
    await openDialog();
    expect(screen.getByTestId("pref-actions").textContent).toBe(ACTIONS_NO);
    expect(screen.getByTestId("pref-actions").dataset.actions).toBe("false");
    expect(screen.getByRole("dialog").textContent).not.toContain("Servidor de notificações:");
  });

  it("keeps the quiet-hour times disabled until quiet hours are on", async () => {
    await openDialog();
    expect(screen.getByTestId("pref-quiet-start").disabled).toBe(true);
    expect(screen.getByTestId("pref-quiet-end").disabled).toBe(true);
    fireEvent.click(screen.getByTestId("pref-quiet-hours"));
    expect(screen.getByTestId("pref-quiet-start").disabled).toBe(false);
    expect(screen.getByTestId("pref-quiet-end").disabled).toBe(false);
  });

  it("saves exactly the preferences shown and says so", async () => {
    answers.get_desktop_preferences = async () => ({ preferences: { ...PREFS, extra: "ignored" }, notifications: { actions: true, server: null } });
    answers.save_desktop_preferences = async ({ preferences }) => ({ ...preferences, quiet_start: "22:00" });
    await openDialog();
    fireEvent.click(screen.getByTestId("pref-notify-attention"));
    fireEvent.click(screen.getByTestId("pref-quiet-hours"));
    fireEvent.input(screen.getByTestId("pref-quiet-start"), { target: { value: "22:00" } });
    fireEvent.input(screen.getByTestId("pref-quiet-end"), { target: { value: "07:30" } });
    fireEvent.click(screen.getByTestId("pref-close-to-tray"));
    fireEvent.click(screen.getByTestId("pref-save"));
    await waitFor(() => expect(screen.getByTestId("pref-message").textContent).toBe(SAVED));
    expect(sent("save_desktop_preferences")).toEqual([
      {
        token: TOKEN,
        preferences: {
          notify_waiting: true,
          notify_attention: true,
          quiet_hours: true,
          quiet_start: "22:00",
          quiet_end: "07:30",
          close_to_tray: false,
          start_with_system: false,
          // The theme is not edited here: it goes back as it came, not reset.
          theme: "dark",
        },
      },
    ]);
    // The e-mail preference did not change: not sent.
    expect(sent("save_my_email_preference")).toEqual([]);
    // Saved and nothing new typed: the second button only closes.
    expect(screen.getByTestId("pref-cancel").textContent).toBe("Fechar");
    expect(screen.getByRole("dialog")).toBeTruthy();
    fireEvent.click(screen.getByTestId("pref-notify-waiting"));
    expect(screen.getByTestId("pref-cancel").textContent).toBe("Cancelar");
    expect(screen.getByTestId("pref-message").textContent).toBe("");
  });

  it("turns starting with the system on and off, and keeps the choice when Rust refuses it", async () => {
    answers.get_desktop_preferences = async () => ({ preferences: { ...PREFS, start_with_system: true }, notifications: { actions: true, server: null } });
    await openDialog();
    const box = screen.getByTestId("pref-start-with-system");
    expect(box.checked).toBe(true);
    expect(screen.getByLabelText("Iniciar o BRM RPA Desk junto com o sistema (ao entrar neste computador)")).toBe(box);
    fireEvent.click(box);
    expect(box.checked).toBe(false);
    fireEvent.click(screen.getByTestId("pref-save"));
    await waitFor(() => expect(screen.getByTestId("pref-message").textContent).toBe(SAVED));
    expect(sent("save_desktop_preferences")).toEqual([{ token: TOKEN, preferences: { ...PREFS, start_with_system: false } }]);

    // On again, and this computer refuses it: the box stays as chosen, Rust's words shown.
    const refusal = "Não foi possível ativar a inicialização com o sistema: permissão negada";
    answers.save_desktop_preferences = async () => Promise.reject({ code: "INTERNAL", message: refusal });
    fireEvent.click(box);
    fireEvent.click(screen.getByTestId("pref-save"));
    await waitFor(() => expect(screen.getByTestId("pref-message").textContent).toBe(refusal));
    expect(sent("save_desktop_preferences").at(-1)).toEqual({ token: TOKEN, preferences: { ...PREFS, start_with_system: true } });
    expect(screen.getByTestId("pref-start-with-system").checked).toBe(true);
    expect(screen.getByTestId("pref-cancel").textContent).toBe("Cancelar");
  });

  it("shows Rust's per-field errors next to the times and keeps what was typed", async () => {
    answers.save_desktop_preferences = async () => {
      throw {
        code: "VALIDATION",
        message: "Confira os campos destacados.",
        fields: [
          { field: "quiet_start", message: "Use o formato HH:MM (por exemplo, 22:00)." },
          { field: "quiet_end", message: "O início e o fim do silêncio não podem ser iguais." },
        ],
      };
    };
    await openDialog();
    fireEvent.click(screen.getByTestId("pref-quiet-hours"));
    fireEvent.input(screen.getByTestId("pref-quiet-start"), { target: { value: "" } });
    fireEvent.input(screen.getByTestId("pref-quiet-end"), { target: { value: "19:00" } });
    fireEvent.click(screen.getByTestId("pref-save"));
    expect((await screen.findByTestId("error-quiet_start")).textContent).toBe("Use o formato HH:MM (por exemplo, 22:00).");
    expect(screen.getByTestId("error-quiet_end").textContent).toBe("O início e o fim do silêncio não podem ser iguais.");
    expect(screen.getByTestId("pref-quiet-start").getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByTestId("pref-quiet-start").getAttribute("aria-describedby")).toBe("pref-quiet-start-err");
    expect(screen.getByTestId("pref-message").textContent).toBe("Confira os campos destacados.");
    expect(screen.getByTestId("pref-quiet-start").value).toBe("");
    expect(screen.getByTestId("pref-quiet-end").value).toBe("19:00");
    expect(screen.getByTestId("pref-quiet-hours").checked).toBe(true);
    expect(screen.getByRole("dialog")).toBeTruthy();
    expect(screen.getByTestId("pref-save").disabled).toBe(false);
  });

  it("sends a test notification, shows progress while waiting, then Rust's message", async () => {
    let answer;
    answers.test_notification = () => new Promise((r) => (answer = r));
    await openDialog();
    fireEvent.click(screen.getByTestId("pref-test"));
    await act(settle);
    expect(sent("test_notification")).toEqual([{ token: TOKEN }]);
    expect(screen.getByTestId("pref-test").disabled).toBe(true);
    expect(screen.getByTestId("pref-test").textContent).toBe("Enviando…");
    expect(screen.getByTestId("pref-test-result").textContent).toContain("Enviando a notificação de teste…");
    expect(screen.getByTestId("pref-test-result").getAttribute("aria-busy")).toBe("true");
    await act(async () => {
      answer({ actions: false, server: "dunst", message: "Notificação enviada. Este servidor não mostra botões." });
      await settle();
    });
    expect(screen.getByTestId("pref-test-result").textContent).toBe("Notificação enviada. Este servidor não mostra botões.");
    expect(screen.getByTestId("pref-test").disabled).toBe(false);
    // The answer also says what this server can do now.
    expect(screen.getByTestId("pref-actions").textContent).toBe(ACTIONS_NO);
    expect(screen.getByRole("dialog").textContent).toContain("Servidor de notificações: dunst");
  });

  it("shows why a test notification could not be sent", async () => {
    answers.test_notification = async () => {
      throw { code: "UNAVAILABLE", message: "Nenhum servidor de notificações respondeu." };
    };
    await openDialog();
    fireEvent.click(screen.getByTestId("pref-test"));
    await waitFor(() => expect(screen.getByTestId("pref-test-result").textContent).toBe("Nenhum servidor de notificações respondeu."));
    expect(screen.getByTestId("pref-test-result").querySelector(".connection-result--fail")).toBeTruthy();
  });

  it("closes on Esc without saving and gives the focus back to the button", async () => {
    const closed = vi.fn();
    const dialog = await openDialog({ onClosed: closed });
    fireEvent.click(screen.getByTestId("pref-notify-waiting"));
    fireEvent.keyDown(screen.getByTestId("pref-notify-waiting"), { key: "Escape" });
    expect(closed).toHaveBeenCalledTimes(1);
    expect(document.body.contains(dialog)).toBe(false);
    expect(document.activeElement).toBe(screen.getByTestId("open-preferences"));
    expect(sent("save_desktop_preferences")).toEqual([]);
  });

  it("closes from Cancelar too, and keeps keys from the screen behind it", async () => {
    const behind = vi.fn();
    document.addEventListener("keydown", behind);
    try {
      await openDialog();
      expect(screen.getByRole("dialog").contains(document.activeElement)).toBe(true);
      // "a" would approve on the approval desk behind the dialog.
      fireEvent.keyDown(screen.getByTestId("pref-close-to-tray"), { key: "a" });
      fireEvent.keyDown(document.body, { key: "j" });
      expect(behind).not.toHaveBeenCalled();
      fireEvent.click(screen.getByTestId("pref-cancel"));
      expect(screen.queryByRole("dialog")).toBeNull();
      expect(document.activeElement).toBe(screen.getByTestId("open-preferences"));
      fireEvent.keyDown(document.body, { key: "j" });
      expect(behind).toHaveBeenCalledTimes(1);
    } finally {
      document.removeEventListener("keydown", behind);
    }
  });

  it("keeps Tab inside the dialog", async () => {
    await openDialog();
    const last = screen.getByTestId("pref-cancel");
    const first = screen.getByTestId("pref-notify-waiting");
    last.focus();
    fireEvent.keyDown(last, { key: "Tab" });
    expect(document.activeElement).toBe(first);
    fireEvent.keyDown(first, { key: "Tab", shiftKey: true });
    expect(document.activeElement).toBe(last);
    screen.getByTestId("open-preferences").focus();
    fireEvent.keyDown(document.body, { key: "Tab" });
    expect(document.activeElement).toBe(first);
  });

  it("says why the preferences could not be read and offers nothing to save", async () => {
    answers.get_desktop_preferences = async () => {
      throw { code: "UNAUTHENTICATED", message: "Sua sessão expirou. Entre novamente." };
    };
    render(<Harness />);
    fireEvent.click(screen.getByTestId("open-preferences"));
    await waitFor(() => expect(screen.getByTestId("pref-message").textContent).toBe("Sua sessão expirou. Entre novamente."));
    expect(screen.getByTestId("pref-save").disabled).toBe(true);
    expect(screen.queryByTestId("pref-notify-waiting")).toBeNull();
  });

  it("tells a person who does not approve that approval notifications are not for them", async () => {
    await openDialog({ role: "OPERADOR" });
    expect(screen.getByRole("dialog").textContent).toContain("chegam apenas a aprovadores e administradores");
    cleanup();
    await openDialog({ role: "APROVADOR" });
    expect(screen.getByRole("dialog").textContent).not.toContain("chegam apenas a aprovadores");
  });
});

describe("PreferencesDialog: e-mail", () => {
  it("shows the person's e-mail preference, said to be valid on any computer", async () => {
    const dialog = await openDialog();
    await screen.findByTestId("pref-email-receive");
    expect(sent("get_my_email_preference")).toEqual([{ token: TOKEN }]);
    expect(screen.getByTestId("pref-email-address").textContent).toBe("Seu e-mail: beto@beg.com.br");
    expect(screen.getByLabelText("Receber o resumo diário e os lembretes por e-mail")).toBe(screen.getByTestId("pref-email-receive"));
    expect(screen.getByTestId("pref-email-receive").checked).toBe(true);
    const hour = screen.getByLabelText("Hora do resumo (horário de Brasília)");
    expect(hour).toBe(screen.getByTestId("pref-email-hour"));
    expect(hour.value).toBe("");
    expect(hour.options[0].textContent).toBe("Padrão do escritório (08:00)");
    expect(hour.options).toHaveLength(25);
    expect(screen.getByTestId("pref-email").textContent).toContain("Vale em qualquer computador");
    expect(screen.getByTestId("pref-email-effective").textContent).toContain("08:00");
    expect(screen.queryByTestId("pref-email-admin")).toBeNull();
    expect(dialog.textContent).not.toContain("não podem ser desligados");
  });

  it("tells an administrator the escalations always come", async () => {
    answers.get_my_email_preference = async () => ({ ...EMAIL, email: "ana@beg.com.br", is_admin: true, hour: 7, effective_hour: 7 });
    await openDialog();
    expect((await screen.findByTestId("pref-email-admin")).textContent).toBe(
      "Como administrador, você sempre recebe os escalonamentos (não podem ser desligados).",
    );
    expect(screen.getByTestId("pref-email-hour").value).toBe("7");
    expect(screen.getByTestId("pref-email-hour").options[0].textContent).toBe("Padrão do escritório");
  });

  it("says who to ask when the person has no e-mail, and offers nothing to choose", async () => {
    answers.get_my_email_preference = async () => ({ ...EMAIL, email: null, receive: false });
    await openDialog();
    expect((await screen.findByTestId("pref-email-address")).textContent).toBe("Você não tem e-mail cadastrado: peça a um administrador.");
    expect(screen.getByTestId("pref-email-receive").disabled).toBe(true);
    expect(screen.getByTestId("pref-email-hour").disabled).toBe(true);
  });

  it("saves the e-mail preference with the dialog's Salvar", async () => {
    await openDialog();
    await screen.findByTestId("pref-email-receive");
    fireEvent.change(screen.getByTestId("pref-email-hour"), { target: { value: "18" } });
    expect(screen.getByTestId("pref-cancel").textContent).toBe("Cancelar");
    fireEvent.click(screen.getByTestId("pref-save"));
    await waitFor(() => expect(screen.getByTestId("pref-message").textContent).toBe(SAVED));
    expect(sent("save_my_email_preference")).toEqual([{ token: TOKEN, input: { receive: true, hour: 18 } }]);
    expect(screen.getByTestId("pref-email-effective").textContent).toContain("18:00");
    expect(screen.getByTestId("pref-cancel").textContent).toBe("Fechar");

    // Back to the office's default, and off.
    fireEvent.change(screen.getByTestId("pref-email-hour"), { target: { value: "" } });
    fireEvent.click(screen.getByTestId("pref-email-receive"));
    expect(screen.getByTestId("pref-email-hour").disabled).toBe(true);
    fireEvent.click(screen.getByTestId("pref-save"));
    await waitFor(() => expect(sent("save_my_email_preference")).toHaveLength(2));
    expect(sent("save_my_email_preference")[1]).toEqual({ token: TOKEN, input: { receive: false, hour: null } });
    await waitFor(() => expect(screen.getByTestId("pref-message").textContent).toBe(SAVED));
    expect(screen.getByTestId("pref-email-receive").checked).toBe(false);
  });

  it("shows Rust's refusal of the e-mail preference under the hour and keeps the choice", async () => {
    answers.save_my_email_preference = async () => {
      throw { code: "VALIDATION", message: "A hora vai de 0 a 23.", fields: [{ field: "hour", message: "A hora vai de 0 a 23." }] };
    };
    await openDialog();
    await screen.findByTestId("pref-email-receive");
    fireEvent.change(screen.getByTestId("pref-email-hour"), { target: { value: "9" } });
    fireEvent.click(screen.getByTestId("pref-save"));
    expect((await screen.findByTestId("error-email_hour")).textContent).toBe("A hora vai de 0 a 23.");
    expect(screen.getByTestId("pref-message").textContent).toBe("A hora vai de 0 a 23.");
    expect(screen.getByTestId("pref-email-hour").value).toBe("9");
    expect(screen.getByTestId("pref-email-hour").getAttribute("aria-invalid")).toBe("true");
    // This computer's preferences were saved all the same.
    expect(sent("save_desktop_preferences")).toHaveLength(1);
  });

  it("still offers this computer's preferences when the e-mail one cannot be read", async () => {
    answers.get_my_email_preference = async () => {
      throw { code: "DATABASE", message: "O banco não respondeu." };
    };
    await openDialog();
    expect((await screen.findByTestId("pref-email-error")).textContent).toContain("O banco não respondeu.");
    fireEvent.click(screen.getByTestId("pref-close-to-tray"));
    fireEvent.click(screen.getByTestId("pref-save"));
    await waitFor(() => expect(screen.getByTestId("pref-message").textContent).toBe(SAVED));
    expect(sent("save_my_email_preference")).toEqual([]);
  });
});

describe("preferencesOf", () => {
  it("keeps exactly Rust's fields", () => {
    expect(preferencesOf({ ...PREFS, other: 1 })).toEqual(PREFS);
    expect(preferencesOf(null)).toEqual({
      notify_waiting: false,
      notify_attention: false,
      quiet_hours: false,
      quiet_start: "",
      quiet_end: "",
      close_to_tray: false,
      start_with_system: false,
      theme: "auto",
    });
    // A Rust without the option yet: off.
    const { start_with_system, ...older } = PREFS;
    expect(start_with_system).toBe(false);
    expect(preferencesOf({ ...older, close_to_tray: false }).start_with_system).toBe(false);
  });
});
