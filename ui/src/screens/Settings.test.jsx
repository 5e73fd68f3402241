import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import Settings, { defaultSslFor, validateApprovalSettings } from "./Settings.jsx";
import { api } from "../api.js";
import { invalid, TOKEN } from "../testing.js";

const APPROVAL = { tolerance_pct: 20, due_soon_days: 5, four_eyes: false };
let getApproval;
beforeEach(() => {
  getApproval = vi.spyOn(api, "getApprovalSettings").mockResolvedValue(APPROVAL);
  vi.spyOn(api, "getSessionSettings").mockResolvedValue({ idle_hours: 8 });
  // The E-mail section has its own tests (settings/EmailSettings.test.jsx); left loading
  // here, its Servidor/Usuário/Senha do not stand beside the database's.
  vi.spyOn(api, "getEmailSettings").mockReturnValue(new Promise(() => {}));
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const SQLITE = {
  kind: "sqlite",
  sqlite_path: "/home/ana/.local/share/br.com.brmsolutions.rpadesk/brm-desk.sqlite3",
  postgres: null,
  active: "sqlite",
  restart_required: false,
};

const PG = {
  kind: "postgres",
  sqlite_path: SQLITE.sqlite_path,
  postgres: { host: "banco.beg.local", port: 5432, database: "brm", username: "brm_app", sslmode: "require", password_set: true },
  active: "sqlite",
  restart_required: true,
};

function choosePostgres() {
  fireEvent.click(screen.getByTestId("kind-postgres"));
  fireEvent.input(screen.getByLabelText("Servidor"), { target: { value: "banco.beg.local" } });
  fireEvent.input(screen.getByLabelText("Banco"), { target: { value: "brm" } });
  fireEvent.input(screen.getByLabelText("Usuário"), { target: { value: "brm_app" } });
  fireEvent.input(screen.getByLabelText("Senha"), { target: { value: "segredo-do-banco" } });
}

describe("Settings", () => {
  it("shows the embedded database in use and the note about restarting", async () => {
    vi.spyOn(api, "getDatabaseSettings").mockResolvedValue(SQLITE);
    render(<Settings token={TOKEN} />);
    expect((await screen.findByTestId("active-database")).textContent).toBe("Em uso agora: Banco embutido (SQLite)");
    expect(screen.getByLabelText("Banco embutido (SQLite) neste computador").checked).toBe(true);
    expect(screen.getByTestId("settings").textContent).toContain(SQLITE.sqlite_path);
    expect(screen.getByTestId("settings").textContent).toContain(
      "A troca de banco vale a partir da próxima abertura do aplicativo. O aplicativo nunca troca de banco sozinho.",
    );
    expect(screen.queryByLabelText("Servidor")).toBeNull();
  });

  it("tests a PostgreSQL connection and shows the result", async () => {
    vi.spyOn(api, "getDatabaseSettings").mockResolvedValue(SQLITE);
    const test = vi
      .spyOn(api, "testDatabaseConnection")
      .mockResolvedValueOnce({ ok: false, message: "Senha recusada pelo servidor banco.beg.local." })
      .mockResolvedValueOnce({ ok: true, message: "Conectado ao PostgreSQL 16.4 em banco.beg.local." });
    render(<Settings token={TOKEN} />);
    await screen.findByTestId("settings-form");
    choosePostgres();
    fireEvent.click(screen.getByTestId("test-connection"));
    const result = await screen.findByTestId("connection-result");
    expect(result.textContent).toBe("Senha recusada pelo servidor banco.beg.local.");
    expect(result.dataset.ok).toBe("false");
    expect(test).toHaveBeenCalledWith(TOKEN, {
      kind: "postgres",
      host: "banco.beg.local",
      port: 5432,
      database: "brm",
      username: "brm_app",
      password: "segredo-do-banco",
      // A server on the network: verify-full unless the person picks otherwise.
      sslmode: "verify-full",
      ca_file: null,
      personal_logins: false,
    });

    fireEvent.click(screen.getByTestId("test-connection"));
    await screen.findByText("Conectado ao PostgreSQL 16.4 em banco.beg.local.");
    expect(screen.getByTestId("connection-result").dataset.ok).toBe("true");
  });

  it("keeps the stored password when left blank and says a restart is needed", async () => {
    vi.spyOn(api, "getDatabaseSettings").mockResolvedValue(PG);
    const save = vi.spyOn(api, "saveDatabaseSettings").mockResolvedValue(PG);
    render(<Settings token={TOKEN} />);
    await screen.findByTestId("settings-form");
    expect(screen.getByLabelText("Senha").value).toBe("");
    expect(screen.getByTestId("pg-password-state").textContent).toContain("definida");
    expect(screen.getByTestId("restart-required")).toBeTruthy();
    fireEvent.click(screen.getByTestId("save-settings"));
    expect((await screen.findByTestId("banner-info")).textContent).toContain("Feche e abra o aplicativo");
    expect(save.mock.calls[0][1]).toEqual({
      kind: "postgres",
      host: "banco.beg.local",
      port: 5432,
      database: "brm",
      username: "brm_app",
      password: null,
      sslmode: "require",
      ca_file: null,
      personal_logins: false,
    });
  });

  it("with personal logins, asks for no database user or password and sends none", async () => {
    vi.spyOn(api, "getDatabaseSettings").mockResolvedValue(SQLITE);
    const save = vi.spyOn(api, "saveDatabaseSettings").mockResolvedValue(PG);
    render(<Settings token={TOKEN} />);
    await screen.findByTestId("settings-form");
    choosePostgres();
    fireEvent.click(screen.getByTestId("pg-personal-logins"));
    expect(screen.queryByLabelText("Usuário")).toBeNull();
    expect(screen.queryByLabelText("Senha")).toBeNull();
    expect(screen.queryByTestId("pg-password-state")).toBeNull();
    expect(screen.getByTestId("pg-personal-note").textContent).toContain("Nenhuma senha do banco fica neste computador");
    fireEvent.click(screen.getByTestId("save-settings"));
    await waitFor(() => expect(save).toHaveBeenCalled());
    expect(save.mock.calls[0][1]).toMatchObject({
      kind: "postgres",
      username: null,
      password: null,
      personal_logins: true,
      sslmode: "verify-full",
    });
  });

  it("shows a saved personal-logins choice as such", async () => {
    vi.spyOn(api, "getDatabaseSettings").mockResolvedValue({
      ...PG,
      postgres: { ...PG.postgres, username: "brm_entrada", sslmode: "verify-full", password_set: false, personal_logins: true },
    });
    render(<Settings token={TOKEN} />);
    await screen.findByTestId("settings-form");
    expect(screen.getByTestId("pg-personal-logins").checked).toBe(true);
    expect(screen.queryByLabelText("Senha")).toBeNull();
  });

  it("proposes verify-full for a server on the network and prefer on this machine", () => {
    for (const host of ["banco.beg.local", "10.0.0.7", "db", "fe80::1", "localhost.evil.com", ""]) {
      expect(defaultSslFor(host)).toBe("verify-full");
    }
    for (const host of ["localhost", "127.0.0.1", " ::1 ", "[::1]", "127.8.9.10", "LOCALHOST"]) {
      expect(defaultSslFor(host)).toBe("prefer");
    }
  });

  it("asks for the office's CA file under verify-full and warns when the server is not verified", async () => {
    vi.spyOn(api, "getDatabaseSettings").mockResolvedValue(SQLITE);
    const save = vi.spyOn(api, "saveDatabaseSettings").mockResolvedValue(PG);
    render(<Settings token={TOKEN} />);
    await screen.findByTestId("settings-form");
    choosePostgres();
    expect(screen.getByLabelText("SSL").value).toBe("verify-full");
    expect(screen.queryByTestId("pg-ssl-warning")).toBeNull();
    fireEvent.input(screen.getByLabelText("Autoridade certificadora do escritório (arquivo PEM, opcional)"), {
      target: { value: "  C:\\BRM\\ac.pem " },
    });
    fireEvent.click(screen.getByTestId("save-settings"));
    await waitFor(() => expect(save).toHaveBeenCalled());
    expect(save.mock.calls[0][1]).toMatchObject({ sslmode: "verify-full", ca_file: "C:\\BRM\\ac.pem" });

    // prefer on a remote server: no CA field, a warning, and no CA sent.
    fireEvent.change(screen.getByLabelText("SSL"), { target: { value: "prefer" } });
    expect(screen.queryByLabelText("Autoridade certificadora do escritório (arquivo PEM, opcional)")).toBeNull();
    expect(screen.getByTestId("pg-ssl-warning").textContent).toContain("outra máquina pode se passar por ele");
    fireEvent.change(screen.getByLabelText("SSL"), { target: { value: "disable" } });
    expect(screen.getByTestId("pg-ssl-warning").textContent).toContain("Sem criptografia");
    fireEvent.click(screen.getByTestId("save-settings"));
    await waitFor(() => expect(save).toHaveBeenCalledTimes(2));
    expect(save.mock.calls[1][1]).toMatchObject({ sslmode: "disable", ca_file: null });

    // On this machine the proposal is prefer, without a warning.
    fireEvent.change(screen.getByLabelText("SSL"), { target: { value: "prefer" } });
    fireEvent.input(screen.getByLabelText("Servidor"), { target: { value: "localhost" } });
    expect(screen.queryByTestId("pg-ssl-warning")).toBeNull();
  });

  it("shows Rust's field errors", async () => {
    vi.spyOn(api, "getDatabaseSettings").mockResolvedValue(SQLITE);
    vi.spyOn(api, "saveDatabaseSettings").mockRejectedValue(invalid("host", "Informe o servidor do PostgreSQL."));
    render(<Settings token={TOKEN} />);
    await screen.findByTestId("settings-form");
    fireEvent.click(screen.getByTestId("kind-postgres"));
    fireEvent.click(screen.getByTestId("save-settings"));
    expect((await screen.findByTestId("error-host")).textContent).toBe("Informe o servidor do PostgreSQL.");
  });
});

describe("Settings: E-mail", () => {
  it("has the E-mail section, proposing the administrator's own address for the test", async () => {
    vi.spyOn(api, "getDatabaseSettings").mockResolvedValue(SQLITE);
    api.getEmailSettings.mockResolvedValue({
      smtp: { host: "", port: 587, security: "STARTTLS", user: "", sender_name: "", sender_address: "", password_set: false },
      rules: { digest_hour: 8, due_soon_days: 3, reminder_after_hours: 24, escalate_within_days: 2 },
      configured: false,
      can_edit: true,
    });
    render(<Settings token={TOKEN} user={{ id: "u-1", email: "ana@beg.com.br", role: "ADMINISTRADOR" }} />);
    expect((await screen.findByTestId("email-settings")).querySelector("h2").textContent).toBe("E-mail");
    expect((await screen.findByTestId("email-test-to")).placeholder).toBe("ana@beg.com.br");
    expect(api.getEmailSettings).toHaveBeenCalledWith(TOKEN);
  });
});

describe("Settings: Aprovação", () => {
  it("shows the approval settings and saves four eyes", async () => {
    vi.spyOn(api, "getDatabaseSettings").mockResolvedValue(SQLITE);
    const save = vi.spyOn(api, "saveApprovalSettings").mockResolvedValue({ tolerance_pct: 15, due_soon_days: 7, four_eyes: true });
    render(<Settings token={TOKEN} />);
    const box = await screen.findByTestId("settings-four-eyes");
    expect(getApproval).toHaveBeenCalledWith(TOKEN);
    expect(box.checked).toBe(false);
    expect(screen.getByLabelText("Tolerância de variação do valor (%)").value).toBe("20");
    expect(screen.getByLabelText("Dias de alerta antes do vencimento").value).toBe("5");
    fireEvent.input(screen.getByTestId("settings-tolerance"), { target: { value: "15" } });
    fireEvent.input(screen.getByTestId("settings-due-days"), { target: { value: "7" } });
    fireEvent.click(box);
    fireEvent.click(screen.getByTestId("btn-salvar-aprovacao"));
    expect((await screen.findByTestId("banner-info")).textContent).toBe("Configurações de aprovação salvas.");
    expect(save).toHaveBeenCalledWith(TOKEN, { tolerance_pct: 15, due_soon_days: 7, four_eyes: true });
    expect(screen.getByTestId("settings-four-eyes").checked).toBe(true);
  });

  it("refuses out-of-range numbers before sending and shows Rust's field errors", async () => {
    vi.spyOn(api, "getDatabaseSettings").mockResolvedValue(SQLITE);
    const save = vi.spyOn(api, "saveApprovalSettings").mockRejectedValue(invalid("due_soon_days", "Os dias de alerta devem estar entre 0 e 365."));
    render(<Settings token={TOKEN} />);
    await screen.findByTestId("settings-four-eyes");
    fireEvent.input(screen.getByTestId("settings-tolerance"), { target: { value: "-3" } });
    fireEvent.input(screen.getByTestId("settings-due-days"), { target: { value: "400" } });
    fireEvent.click(screen.getByTestId("btn-salvar-aprovacao"));
    expect((await screen.findByTestId("error-tolerance_pct")).textContent).toBe("Informe a tolerância em % (de 0 a 1000).");
    expect(screen.getByTestId("error-due_soon_days").textContent).toBe("Informe os dias de alerta (de 0 a 365).");
    expect(save).not.toHaveBeenCalled();

    fireEvent.input(screen.getByTestId("settings-tolerance"), { target: { value: "10" } });
    fireEvent.input(screen.getByTestId("settings-due-days"), { target: { value: "30" } });
    fireEvent.click(screen.getByTestId("btn-salvar-aprovacao"));
    await waitFor(() => expect(screen.getByTestId("error-due_soon_days").textContent).toBe("Os dias de alerta devem estar entre 0 e 365."));
    expect(screen.queryByTestId("error-tolerance_pct")).toBeNull();
    expect(screen.queryByTestId("banner-info")).toBeNull();
  });

  it("validates like Rust", () => {
    expect(validateApprovalSettings({ tolerance_pct: "20", due_soon_days: "5" })).toEqual({});
    expect(validateApprovalSettings({ tolerance_pct: "12,5", due_soon_days: "0" })).toEqual({});
    expect(Object.keys(validateApprovalSettings({ tolerance_pct: "1001", due_soon_days: "x" }))).toEqual(["tolerance_pct", "due_soon_days"]);
  });
});

describe("Settings: Sessões", () => {
  it("shows the idle limit, refuses a bad one before asking Rust, and saves a good one", async () => {
    vi.spyOn(api, "getDatabaseSettings").mockResolvedValue(SQLITE);
    const save = vi.spyOn(api, "saveSessionSettings").mockResolvedValue({ idle_hours: 4 });
    render(<Settings token={TOKEN} />);
    const field = await screen.findByLabelText("Encerrar a sessão após quantas horas sem uso da janela");
    expect(field.value).toBe("8");
    for (const bad of ["0", "25", "2,5", "", "oito"]) {
      fireEvent.input(field, { target: { value: bad } });
      fireEvent.click(screen.getByTestId("btn-salvar-sessao"));
      expect((await screen.findByTestId("error-idle_hours")).textContent).toBe("Informe um número inteiro de horas, de 1 a 24.");
    }
    expect(save).not.toHaveBeenCalled();
    fireEvent.input(field, { target: { value: " 4 " } });
    fireEvent.click(screen.getByTestId("btn-salvar-sessao"));
    expect((await screen.findByTestId("banner-info")).textContent).toBe("Configurações de sessão salvas.");
    expect(save).toHaveBeenCalledWith(TOKEN, { idle_hours: 4 });
  });

  it("shows Rust's refusal on the field", async () => {
    vi.spyOn(api, "getDatabaseSettings").mockResolvedValue(SQLITE);
    vi.spyOn(api, "saveSessionSettings").mockRejectedValue(invalid("idle_hours", "O tempo sem uso deve ficar entre 1 e 24 horas."));
    render(<Settings token={TOKEN} />);
    await screen.findByLabelText("Encerrar a sessão após quantas horas sem uso da janela");
    fireEvent.click(screen.getByTestId("btn-salvar-sessao"));
    expect((await screen.findByTestId("error-idle_hours")).textContent).toBe("O tempo sem uso deve ficar entre 1 e 24 horas.");
  });
});
