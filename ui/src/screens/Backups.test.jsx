import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import Backups, { validateBackupSettings } from "./Backups.jsx";
import Settings from "./Settings.jsx";
import { api, CommandError } from "../api.js";
import { invalid, TOKEN } from "../testing.js";

// The wrappers' command names and arguments, through a stand-in for Tauri's invoke.
const sent = [];
vi.mock("@tauri-apps/api/core", () => ({
  invoke: async (command, args) => {
    sent.push([command, args]);
    return null;
  },
}));

const FOLDER = "/home/ana/.local/share/br.com.brmsolutions.rpadesk/backups";
const NEWER = { file_name: "brm-desk-20261105-120000.sqlite3", created_at: "2026-11-05T15:00:00Z", size_bytes: 2_621_440 };
const OLDER = { file_name: "brm-desk-20261104-120000.sqlite3", created_at: "2026-11-04T15:00:00Z", size_bytes: 2_516_582 };
const LIST = { folder: FOLDER, items: [NEWER, OLDER], last_restore: null };
const SETTINGS = { daily: true, hour: 12, keep: 7 };

let listBackups;
beforeEach(() => {
  listBackups = vi.spyOn(api, "listBackups").mockResolvedValue(LIST);
  vi.spyOn(api, "getBackupSettings").mockResolvedValue(SETTINGS);
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

describe("Backups", () => {
  it("lists the copies with date, file and size, newest first", async () => {
    render(<Backups token={TOKEN} />);
    const rows = await screen.findAllByTestId("backup-row");
    expect(rows.map((r) => r.textContent)).toEqual([
      "05/11/2026 12:00:00brm-desk-20261105-120000.sqlite32,5 MBRestaurar…",
      "04/11/2026 12:00:00brm-desk-20261104-120000.sqlite32,4 MBRestaurar…",
    ]);
    expect(screen.getByTestId("backup-list").textContent).toContain(FOLDER);
    expect(listBackups).toHaveBeenCalledWith(TOKEN);
  });

  it("says when there is no copy yet", async () => {
    listBackups.mockResolvedValue({ ...LIST, items: [] });
    render(<Backups token={TOKEN} />);
    expect((await screen.findByTestId("backups-empty")).textContent).toBe("Nenhuma cópia ainda.");
  });

  it("makes a copy now and shows it in the list", async () => {
    const made = { file_name: "brm-desk-20261105-160000.sqlite3", created_at: "2026-11-05T19:00:00Z", size_bytes: 2_621_440 };
    const create = vi.spyOn(api, "createBackup").mockResolvedValue(made);
    render(<Backups token={TOKEN} />);
    await screen.findAllByTestId("backup-row");
    listBackups.mockResolvedValue({ ...LIST, items: [made, NEWER, OLDER] });
    fireEvent.click(screen.getByTestId("backup-now"));
    await waitFor(() => expect(screen.getAllByTestId("backup-row")).toHaveLength(3));
    expect(create).toHaveBeenCalledWith(TOKEN);
    expect(screen.getByTestId("banner-info").textContent).toBe("Cópia feita: brm-desk-20261105-160000.sqlite3 (2,5 MB).");
  });

  it("asks before restoring, saying what happens, and cancelling changes nothing", async () => {
    const restore = vi.spyOn(api, "restoreBackup");
    render(<Backups token={TOKEN} />);
    const rows = await screen.findAllByTestId("backup-row");
    fireEvent.click(within(rows[1]).getByTestId("restore-open"));
    const dialog = screen.getByTestId("restore-dialog");
    expect(dialog.getAttribute("role")).toBe("dialog");
    const text = dialog.textContent;
    expect(text).toContain("O banco de dados vai voltar a ficar como estava em 04/11/2026 12:00:00 (cópia brm-desk-20261104-120000.sqlite3).");
    expect(text).toContain("Antes, o aplicativo faz uma cópia do estado atual");
    expect(text).toContain("reinicia");
    expect(document.activeElement).toBe(screen.getByTestId("restore-cancel"));
    fireEvent.click(screen.getByTestId("restore-cancel"));
    expect(screen.queryByTestId("restore-dialog")).toBeNull();
    // Esc closes it too.
    fireEvent.click(within(rows[0]).getByTestId("restore-open"));
    fireEvent.keyDown(window, { key: "Escape" });
    expect(screen.queryByTestId("restore-dialog")).toBeNull();
    expect(restore).not.toHaveBeenCalled();
  });

  it("restores the confirmed copy and waits for the restart", async () => {
    const message =
      "O estado atual foi guardado em brm-desk-20261105-160000.sqlite3. O aplicativo vai reiniciar agora e restaurar a cópia brm-desk-20261104-120000.sqlite3 antes de abrir o banco.";
    const restore = vi.spyOn(api, "restoreBackup").mockResolvedValue({
      file_name: OLDER.file_name,
      pre_restore: "brm-desk-20261105-160000.sqlite3",
      message,
    });
    render(<Backups token={TOKEN} />);
    const rows = await screen.findAllByTestId("backup-row");
    fireEvent.click(within(rows[1]).getByTestId("restore-open"));
    fireEvent.click(screen.getByTestId("restore-confirm"));
    await screen.findByText(message);
    expect(restore).toHaveBeenCalledWith(TOKEN, OLDER.file_name);
    expect(screen.queryByTestId("restore-dialog")).toBeNull();
    // Nothing else may start while the app restarts.
    expect(screen.getByTestId("backup-now").disabled).toBe(true);
    expect(screen.getAllByTestId("restore-open").every((b) => b.disabled)).toBe(true);
  });

  it("shows why a copy was refused", async () => {
    const refusal = 'O arquivo "brm-desk-20261104-120000.sqlite3" não é um banco SQLite válido; nada foi alterado.';
    vi.spyOn(api, "restoreBackup").mockRejectedValue(invalid("file_name", refusal));
    render(<Backups token={TOKEN} />);
    const rows = await screen.findAllByTestId("backup-row");
    fireEvent.click(within(rows[1]).getByTestId("restore-open"));
    fireEvent.click(screen.getByTestId("restore-confirm"));
    expect((await screen.findByTestId("banner-error")).textContent).toBe(refusal);
    expect(screen.queryByTestId("restore-dialog")).toBeNull();
    expect(screen.getByTestId("backup-now").disabled).toBe(false);
  });

  it("shows the PostgreSQL answer instead of a list", async () => {
    const pg = "As cópias de segurança pelo aplicativo existem só para o banco SQLite local. No PostgreSQL, use as cópias do servidor (pg_dump ou a rotina do administrador do banco).";
    listBackups.mockRejectedValue(new CommandError({ code: "VALIDATION", message: pg }));
    render(<Backups token={TOKEN} />);
    expect((await screen.findByTestId("banner-error")).textContent).toBe(pg);
    expect(screen.queryByTestId("backup-list")).toBeNull();
    expect(screen.queryByTestId("backup-settings")).toBeNull();
  });

  it("tells what the last start did with a restore", async () => {
    listBackups.mockResolvedValue({
      ...LIST,
      last_restore: { file_name: OLDER.file_name, restored: false, message: "A restauração da cópia brm-desk-20261104-120000.sqlite3 foi recusada: está danificada." },
    });
    render(<Backups token={TOKEN} />);
    const last = await screen.findByTestId("last-restore");
    expect(last.textContent).toBe("A restauração da cópia brm-desk-20261104-120000.sqlite3 foi recusada: está danificada.");
    expect(within(last).getByRole("alert")).toBeTruthy();
  });

  it("saves the daily copy's settings, checked here and in Rust", async () => {
    const save = vi
      .spyOn(api, "saveBackupSettings")
      .mockRejectedValueOnce(invalid("hour", "A hora da cópia diária deve ficar entre 0 e 23."))
      .mockResolvedValueOnce({ daily: false, hour: 3, keep: 14 });
    render(<Backups token={TOKEN} />);
    const keep = await screen.findByLabelText("Cópias mantidas");
    expect(keep.value).toBe("7");
    expect(screen.getByLabelText("Horário da cópia diária").value).toBe("12");
    expect(screen.getByTestId("backup-daily").checked).toBe(true);

    fireEvent.input(keep, { target: { value: "0" } });
    fireEvent.click(screen.getByTestId("btn-salvar-backup"));
    expect((await screen.findByTestId("error-keep")).textContent).toBe("Mantenha entre 1 e 365 cópias.");
    expect(save).not.toHaveBeenCalled();

    fireEvent.input(keep, { target: { value: "14" } });
    fireEvent.change(screen.getByLabelText("Horário da cópia diária"), { target: { value: "3" } });
    fireEvent.click(screen.getByTestId("btn-salvar-backup"));
    expect((await screen.findByTestId("error-hour")).textContent).toBe("A hora da cópia diária deve ficar entre 0 e 23.");
    expect(save).toHaveBeenLastCalledWith(TOKEN, { daily: true, hour: 3, keep: 14 });

    fireEvent.click(screen.getByTestId("backup-daily"));
    fireEvent.click(screen.getByTestId("btn-salvar-backup"));
    await screen.findByText("Configurações de cópia de segurança salvas.");
    expect(save).toHaveBeenLastCalledWith(TOKEN, { daily: false, hour: 3, keep: 14 });
    expect(screen.getByLabelText("Horário da cópia diária").disabled).toBe(true);
  });

  it("checks how many copies are kept", () => {
    expect(validateBackupSettings({ keep: "7" })).toEqual({});
    expect(validateBackupSettings({ keep: "365" })).toEqual({});
    for (const keep of ["0", "366", "-1", "2,5", ""]) expect(validateBackupSettings({ keep }).keep).toBe("Mantenha entre 1 e 365 cópias.");
  });

  it("is reached from Configurações and goes back", async () => {
    vi.spyOn(api, "getDatabaseSettings").mockResolvedValue({ kind: "sqlite", sqlite_path: "/tmp/brm.sqlite3", postgres: null, active: "sqlite", restart_required: false });
    vi.spyOn(api, "getApprovalSettings").mockResolvedValue({ tolerance_pct: 20, due_soon_days: 5, four_eyes: false });
    vi.spyOn(api, "getSessionSettings").mockResolvedValue({ idle_hours: 8 });
    render(<Settings token={TOKEN} />);
    fireEvent.click(await screen.findByTestId("open-backups"));
    expect(await screen.findAllByTestId("backup-row")).toHaveLength(2);
    fireEvent.click(screen.getByTestId("backups-back"));
    expect(await screen.findByTestId("settings-form")).toBeTruthy();
    expect(screen.queryByTestId("backups")).toBeNull();
  });
});

describe("backup api wrappers", () => {
  it("send their arguments by name", async () => {
    vi.restoreAllMocks();
    const { api: real } = await import("../api.js");
    sent.length = 0;
    await real.listBackups("tok");
    await real.createBackup("tok");
    await real.restoreBackup("tok", NEWER.file_name);
    await real.getBackupSettings("tok");
    await real.saveBackupSettings("tok", SETTINGS);
    expect(sent).toEqual([
      ["list_backups", { token: "tok" }],
      ["create_backup", { token: "tok" }],
      ["restore_backup", { token: "tok", file_name: NEWER.file_name }],
      ["get_backup_settings", { token: "tok" }],
      ["save_backup_settings", { token: "tok", input: SETTINGS }],
    ]);
  });
});
