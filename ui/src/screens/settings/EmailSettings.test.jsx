import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { EmailSettings, emailInput, fromView, isDirty, isLoopback, SAVED, validateEmail } from "./EmailSettings.jsx";
import { TIMED_OUT } from "./EmailTestSend.jsx";
import { api, CommandError } from "../../api.js";
import { TOKEN } from "../../testing.js";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const SECRET = "senha-SMTP-secreta";

// EmailSettingsView as Rust sends it.
function view(over = {}) {
  return {
    smtp: {
      host: "smtp.beg.com.br",
      port: 587,
      security: "STARTTLS",
      user: "robo@beg.com.br",
      sender_name: "BRM RPA Desk",
      sender_address: "robo@beg.com.br",
      password_set: true,
      ...over.smtp,
    },
    rules: { digest_hour: 8, due_soon_days: 3, reminder_after_hours: 24, escalate_within_days: 2, ...over.rules },
    configured: over.configured ?? true,
    can_edit: over.can_edit ?? true,
  };
}

const EMPTY = {
  smtp: { host: "", port: 587, security: "STARTTLS", user: "", sender_name: "", sender_address: "", password_set: false },
  rules: { digest_hour: 8, due_soon_days: 3, reminder_after_hours: 24, escalate_within_days: 2 },
  configured: false,
  can_edit: true,
};

// OutboxRow of the test message.
function outbox(over = {}) {
  return {
    id: "m-1",
    rule: "TESTE",
    rule_label: "Teste",
    recipient_name: null,
    recipient_email: "ana@beg.com.br",
    process_id: null,
    day: "2026-11-05",
    subject: "BRM RPA Desk: e-mail de teste",
    state: "PENDENTE",
    state_label: "Na fila",
    attempts: 0,
    next_attempt_at: null,
    last_error: null,
    created_at: "2026-11-05T17:00:00Z",
    sent_at: null,
    ...over,
  };
}

const input = (testid, value) => fireEvent.input(screen.getByTestId(testid), { target: { value } });

function open(answer = view(), props = {}) {
  vi.spyOn(api, "getEmailSettings").mockResolvedValue(answer);
  render(<EmailSettings token={TOKEN} userEmail="ana@beg.com.br" pollMs={5} {...props} />);
  return screen.findByTestId("email-host");
}

describe("validateEmail and emailInput", () => {
  it("takes a complete form and refuses bad values in pt-BR, keyed as Rust names them", () => {
    expect(validateEmail(fromView(view()))).toEqual({});
    expect(validateEmail(fromView(EMPTY))).toEqual({});
    const bad = validateEmail({
      ...fromView(view()),
      port: "0",
      security: "NENHUMA",
      sender_address: "robo",
      password: "x",
      clear_password: true,
      digest_hour: "24",
      due_soon_days: "-1",
      reminder_after_hours: "duas",
      escalate_within_days: "",
    });
    expect(Object.keys(bad).sort()).toEqual(
      [
        "rules.digest_hour",
        "rules.due_soon_days",
        "rules.escalate_within_days",
        "rules.reminder_after_hours",
        "smtp.password",
        "smtp.port",
        "smtp.security",
        "smtp.sender_address",
      ].sort(),
    );
    expect(bad["smtp.security"]).toContain("127.0.0.1");
  });

  it("takes no encryption only for a server on this machine", () => {
    expect(isLoopback("127.0.0.1")).toBe(true);
    expect(isLoopback(" localhost ")).toBe(true);
    expect(isLoopback("[::1]")).toBe(true);
    expect(isLoopback("smtp.beg.com.br")).toBe(false);
    expect(validateEmail({ ...fromView(view()), host: "127.0.0.1", security: "NENHUMA", port: "2525" })).toEqual({});
  });

  it("sends numbers, trims, and a blank password as null (keep)", () => {
    const form = { ...fromView(view()), host: " smtp.beg.com.br ", password: "", digest_hour: "7" };
    expect(emailInput(form)).toEqual({
      smtp: {
        host: "smtp.beg.com.br",
        port: 587,
        security: "STARTTLS",
        user: "robo@beg.com.br",
        sender_name: "BRM RPA Desk",
        sender_address: "robo@beg.com.br",
        password: null,
        clear_password: false,
      },
      rules: { digest_hour: 7, due_soon_days: 3, reminder_after_hours: 24, escalate_within_days: 2 },
    });
    expect(emailInput({ ...form, password: " com espaço " }).smtp.password).toBe(" com espaço ");
    expect(isDirty(fromView(view()), view())).toBe(false);
    expect(isDirty({ ...fromView(view()), password: "x" }, view())).toBe(true);
  });
});

describe("EmailSettings", () => {
  it("shows the stored settings, never the password, with the rules and the escalation note", async () => {
    await open();
    expect(screen.getByTestId("email-host").value).toBe("smtp.beg.com.br");
    expect(screen.getByTestId("email-port").value).toBe("587");
    expect(screen.getByTestId("email-security").value).toBe("STARTTLS");
    expect(screen.getByTestId("email-user").value).toBe("robo@beg.com.br");
    expect(screen.getByTestId("email-sender-name").value).toBe("BRM RPA Desk");
    expect(screen.getByTestId("email-sender-address").value).toBe("robo@beg.com.br");
    const password = screen.getByTestId("email-password");
    expect(password.type).toBe("password");
    expect(password.value).toBe("");
    expect(password.placeholder).toContain("senha guardada");
    expect(screen.getByTestId("email-password-state").textContent).toContain("senha guardada");
    expect(screen.getByTestId("email-password-state").textContent).toContain("selada para as máquinas robô");
    expect(screen.getByTestId("email-password-state").textContent).toContain("nunca mais é mostrada");
    expect(screen.getByTestId("email-digest-hour").value).toBe("8");
    expect(screen.getByTestId("email-due-soon-days").value).toBe("3");
    expect(screen.getByTestId("email-reminder-hours").value).toBe("24");
    expect(screen.getByTestId("email-escalate-days").value).toBe("2");
    expect(screen.getByTestId("email-escalation-note").textContent).toBe("Os escalonamentos aos administradores não podem ser desligados.");
    const section = screen.getByTestId("email-settings").textContent;
    expect(section).toContain("Nenhuma só é aceita para um servidor nesta máquina (127.0.0.1)");
    expect([...screen.getByTestId("email-security").options].map((o) => o.textContent)).toEqual(["STARTTLS", "TLS direto", "Nenhuma"]);
    // Every field is named by its label.
    for (const label of ["Servidor", "Porta", "Segurança", "Usuário", "Senha", "Nome do remetente", "Endereço do remetente", "Hora padrão do resumo diário (horário de Brasília)"]) {
      expect(screen.getByLabelText(label)).toBeTruthy();
    }
    expect(screen.getByTestId("email-test-to").placeholder).toBe("ana@beg.com.br");
    expect(screen.getByTestId("email-test-to").value).toBe("");
  });

  it("says when e-mail is not configured yet and offers no password to remove", async () => {
    await open(EMPTY);
    expect(screen.getByTestId("email-configured").textContent).toContain("ainda não configurado");
    expect(screen.getByTestId("email-password-state").textContent).toContain("nenhuma senha guardada");
    expect(screen.queryByTestId("email-clear-password")).toBeNull();
  });

  it("saves what was typed, then shows the stored answer with the password field empty", async () => {
    await open(EMPTY);
    const save = vi.spyOn(api, "saveEmailSettings").mockResolvedValue(view());
    input("email-host", "smtp.beg.com.br");
    fireEvent.change(screen.getByTestId("email-security"), { target: { value: "TLS" } });
    // The usual port follows the kind of connection.
    expect(screen.getByTestId("email-port").value).toBe("465");
    input("email-port", "587");
    fireEvent.change(screen.getByTestId("email-security"), { target: { value: "STARTTLS" } });
    input("email-user", "robo@beg.com.br");
    input("email-password", SECRET);
    input("email-sender-name", "BRM RPA Desk");
    input("email-sender-address", "robo@beg.com.br");
    fireEvent.change(screen.getByTestId("email-digest-hour"), { target: { value: "7" } });
    input("email-due-soon-days", "5");
    input("email-reminder-hours", "12");
    input("email-escalate-days", "1");
    fireEvent.click(screen.getByTestId("email-save"));
    await waitFor(() => expect(screen.getByTestId("email-saved").textContent).toBe(SAVED));
    expect(save).toHaveBeenCalledWith(TOKEN, {
      smtp: {
        host: "smtp.beg.com.br",
        port: 587,
        security: "STARTTLS",
        user: "robo@beg.com.br",
        sender_name: "BRM RPA Desk",
        sender_address: "robo@beg.com.br",
        password: SECRET,
        clear_password: false,
      },
      rules: { digest_hour: 7, due_soon_days: 5, reminder_after_hours: 12, escalate_within_days: 1 },
    });
    expect(screen.getByTestId("email-password").value).toBe("");
    expect(screen.getByTestId("email-password-state").textContent).toContain("senha guardada");
    expect(screen.getByTestId("email-configured").textContent).toBe("Envio de e-mails configurado.");
    expect(screen.getByTestId("email-settings").textContent).not.toContain(SECRET);
  });

  it("removes the stored password when asked (clear_password)", async () => {
    await open();
    const save = vi.spyOn(api, "saveEmailSettings").mockResolvedValue(view({ smtp: { password_set: false } }));
    fireEvent.click(screen.getByTestId("email-clear-password"));
    fireEvent.click(screen.getByTestId("email-save"));
    await screen.findByTestId("email-saved");
    expect(save.mock.calls[0][1].smtp).toMatchObject({ password: null, clear_password: true });
    expect(screen.getByTestId("email-password-state").textContent).toContain("nenhuma senha guardada");
  });

  it("checks before calling Rust, then shows Rust's errors under each field it names", async () => {
    await open();
    const save = vi.spyOn(api, "saveEmailSettings");
    input("email-host", "smtp.beg.com.br");
    fireEvent.change(screen.getByTestId("email-security"), { target: { value: "NENHUMA" } });
    input("email-port", "porta");
    fireEvent.click(screen.getByTestId("email-save"));
    expect((await screen.findByTestId("error-email_security")).textContent).toContain("127.0.0.1");
    expect(screen.getByTestId("error-email_port").textContent).toContain("de 1 a 65535");
    expect(screen.getByTestId("email-port").getAttribute("aria-invalid")).toBe("true");
    expect(save).not.toHaveBeenCalled();

    save.mockRejectedValue(
      new CommandError({
        code: "VALIDATION",
        message: "O servidor não foi encontrado. O endereço do remetente não é válido. A hora do resumo vai de 0 a 23.",
        fields: [
          { field: "smtp.host", message: "O servidor não foi encontrado." },
          { field: "smtp.sender_address", message: "O endereço do remetente não é válido." },
          { field: "rules.digest_hour", message: "A hora do resumo vai de 0 a 23." },
          { field: "rules.escalate_within_days", message: "Use de 0 a 30 dias." },
        ],
      }),
    );
    fireEvent.change(screen.getByTestId("email-security"), { target: { value: "STARTTLS" } });
    input("email-port", "587");
    input("email-host", "smtp.nao-existe");
    fireEvent.click(screen.getByTestId("email-save"));
    await waitFor(() => expect(screen.getByTestId("error-email_host").textContent).toBe("O servidor não foi encontrado."));
    expect(screen.getByTestId("error-email_sender_address").textContent).toBe("O endereço do remetente não é válido.");
    expect(screen.getByTestId("error-email_digest_hour").textContent).toBe("A hora do resumo vai de 0 a 23.");
    expect(screen.getByTestId("error-email_escalate_within_days").textContent).toBe("Use de 0 a 30 dias.");
    expect(screen.queryByTestId("error-email_port")).toBeNull();
    expect(screen.getByTestId("email-settings-error").textContent).toContain("O servidor não foi encontrado.");
    // What was typed stays.
    expect(screen.getByTestId("email-host").value).toBe("smtp.nao-existe");
    expect(screen.queryByTestId("email-saved")).toBeNull();
  });

  it("is read-only for someone who may not edit: no save, no test", async () => {
    await open(view({ can_edit: false }));
    for (const id of [
      "email-host",
      "email-port",
      "email-security",
      "email-user",
      "email-password",
      "email-sender-name",
      "email-sender-address",
      "email-digest-hour",
      "email-due-soon-days",
      "email-reminder-hours",
      "email-escalate-days",
      "email-clear-password",
    ]) {
      expect(screen.getByTestId(id).disabled).toBe(true);
    }
    expect(screen.queryByTestId("email-save")).toBeNull();
    expect(screen.queryByTestId("email-test-send")).toBeNull();
    expect(screen.getByTestId("email-read-only").textContent).toContain("Somente administradores");
  });

  it("says why the settings could not be read", async () => {
    vi.spyOn(api, "getEmailSettings").mockRejectedValue(new CommandError({ code: "FORBIDDEN", message: "Somente administradores podem ver o e-mail." }));
    render(<EmailSettings token={TOKEN} />);
    expect((await screen.findByTestId("email-settings-error")).textContent).toBe("Somente administradores podem ver o e-mail.");
    expect(screen.queryByTestId("email-host")).toBeNull();
  });
});

describe("EmailSettings: the test message", () => {
  it("queues a test to the typed address and follows it until a robot machine sends it", async () => {
    await open();
    const send = vi.spyOn(api, "sendTestEmail").mockResolvedValue(outbox({ recipient_email: "beto@beg.com.br" }));
    const reads = [
      outbox({ recipient_email: "beto@beg.com.br" }),
      outbox({ recipient_email: "beto@beg.com.br", state: "ENVIANDO", state_label: "Enviando", attempts: 1 }),
      outbox({ recipient_email: "beto@beg.com.br", state: "ENVIADO", state_label: "Enviado", attempts: 1, sent_at: "2026-11-05T17:01:30Z" }),
    ];
    const get = vi.spyOn(api, "getOutboxMessage").mockImplementation(async () => reads.shift() ?? reads.at(-1));
    input("email-test-to", "beto@beg.com.br");
    fireEvent.click(screen.getByTestId("email-test-send"));
    const result = screen.getByTestId("email-test-result");
    await waitFor(() => expect(result.textContent).toContain("Na fila — aguardando uma máquina robô"));
    expect(send).toHaveBeenCalledWith(TOKEN, "beto@beg.com.br");
    await waitFor(() => expect(result.dataset.state).toBe("ENVIADO"));
    expect(result.textContent).toContain("Enviado às 14:01");
    expect(result.getAttribute("aria-busy")).toBe("false");
    expect(get).toHaveBeenCalledWith(TOKEN, "m-1");
    // Sent: no more reading.
    const calls = get.mock.calls.length;
    await new Promise((r) => setTimeout(r, 30));
    expect(get.mock.calls.length).toBe(calls);
  });

  it("sends to the administrator's own e-mail when the address is blank, and shows a failure with its error", async () => {
    await open();
    const send = vi.spyOn(api, "sendTestEmail").mockResolvedValue(outbox());
    vi.spyOn(api, "getOutboxMessage").mockResolvedValue(
      outbox({ state: "FALHOU", state_label: "Falhou", attempts: 1, last_error: "535 5.7.8 Usuário ou senha recusados pelo servidor" }),
    );
    fireEvent.click(screen.getByTestId("email-test-send"));
    const result = screen.getByTestId("email-test-result");
    await waitFor(() => expect(result.dataset.state).toBe("FALHOU"));
    expect(send).toHaveBeenCalledWith(TOKEN, "ana@beg.com.br");
    expect(result.textContent).toContain("Falhou: 535 5.7.8 Usuário ou senha recusados pelo servidor");
    expect(result.querySelector(".connection-result--fail")).toBeTruthy();
  });

  it("stops after the time limit, says the message is still queued, and what to check", async () => {
    await open(view(), { pollLimitMs: 25 });
    vi.spyOn(api, "sendTestEmail").mockResolvedValue(outbox());
    const get = vi.spyOn(api, "getOutboxMessage").mockResolvedValue(outbox());
    fireEvent.click(screen.getByTestId("email-test-send"));
    expect((await screen.findByTestId("email-test-timeout")).textContent).toBe(TIMED_OUT);
    expect(get).toHaveBeenCalledTimes(5);
    expect(screen.getByTestId("email-test-result").textContent).toContain("Na fila");
  });

  it("asks for an address when there is none to send to, and shows Rust's refusal", async () => {
    vi.spyOn(api, "getEmailSettings").mockResolvedValue(view());
    render(<EmailSettings token={TOKEN} pollMs={5} />);
    const send = vi
      .spyOn(api, "sendTestEmail")
      .mockRejectedValue(new CommandError({ code: "VALIDATION", message: "Endereço inválido.", fields: [{ field: "to", message: "Endereço inválido." }] }));
    fireEvent.click(await screen.findByTestId("email-test-send"));
    expect((await screen.findByTestId("error-email_test_to")).textContent).toContain("Informe o endereço");
    expect(send).not.toHaveBeenCalled();
    input("email-test-to", "ana@");
    fireEvent.click(screen.getByTestId("email-test-send"));
    await waitFor(() => expect(screen.getByTestId("error-email_test_to").textContent).toBe("Endereço inválido."));
  });

  it("will not test settings that are typed but not saved", async () => {
    await open();
    input("email-host", "smtp.outro.com.br");
    expect(screen.getByTestId("email-test-send").disabled).toBe(true);
    expect(screen.getByTestId("email-test-blocked").textContent).toContain("Salve as alterações");
  });
});
