// Backups of the embedded database through the real window (issue 7, line 4): a copy
// made from the screen, a change after it, then "Restaurar…" with its confirmation. The
// app restarts by itself, the restarted process puts the copy back before it opens the
// database (the change is gone, the state before the restore is kept as one more copy),
// and the screen says what happened after logging in again.
//
// The restarted process is a child the app spawns for itself, not one WebDriver
// launched, so the test watches it through /proc (same binary, same XDG_DATA_HOME) and
// ends it before opening a new WebDriver session: with one instance per desktop, a new
// launch would otherwise hand over to it and exit.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { APP, DB_FILE, sql, startApp } from "../lib/app.js";

const ADMIN = { name: "Ana Administradora", email: "ana@beg.com.br", password: "senha-muito-segura-1" };
const BACKUPS = path.join(path.dirname(DB_FILE), "backups");


const operatorCodes = () => sql("SELECT code FROM operators ORDER BY code").map((r) => r.code);
const copies = () => (fs.existsSync(BACKUPS) ? fs.readdirSync(BACKUPS).filter((f) => f.endsWith(".sqlite3")).sort() : []);

// This file's app processes: the binary WebDriver runs, with this test's data folder.
function appPids() {
  const exe = fs.realpathSync(APP);
  const mine = `XDG_DATA_HOME=${process.env.XDG_DATA_HOME}`;
  const pids = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readlinkSync(`/proc/${entry}/exe`) !== exe) continue;
      const env = fs.readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
      if (env.includes(mine)) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check, what, ms = 60_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`esperava ${what}`);
    await sleep(200);
  }
}

// A session whose app is gone may not answer a quit: do not wait on it for long.
async function quietly(promise, ms = 5_000) {
  await Promise.race([promise.catch(() => {}), sleep(ms)]);
}

test("a copy made from the screen is restored after a confirmation and a restart", async (t) => {
  let app = await startApp();
  t.after(async () => {
    if (app) await quietly(app.quit());
    for (const pid of appPids()) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
  });
  let copyName;
  let before;

  await t.test("first run, one operator, a copy made from the screen", async () => {
    await app.firstRun(ADMIN);
    // The daily copy (12:00 local time) off, so a file that happens to straddle noon
    // counts only the copies it makes; the catch-up at start may already have made one.
    sql(
      `INSERT INTO settings (key, value_json, updated_at) VALUES ('backup.diario', 'false', datetime('now'))
       ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json`,
    );
    await app.nav("operadoras", "operators");
    await app.click("new-operator");
    await app.type("name", "Vivo");
    await app.type("code", "VIVO");
    await app.click("save-operator");
    await app.waitForText("pager", "1 operadora");

    await app.nav("config", "open-backups");
    await app.click("open-backups");
    await app.waitFor("backup-list");
    // The daily copy may already have run once at start (its catch-up).
    before = copies();
    const rows = (await app.all("backup-row")).length;
    await app.click("backup-now");
    await app.waitForCount("backup-row", rows + 1);
    const made = copies().filter((f) => !before.includes(f));
    assert.equal(made.length, 1, JSON.stringify(copies()));
    copyName = made[0];
    await app.screenshot("01-copia-feita");
  });

  await t.test("a change after the copy", async () => {
    await app.click("backups-back");
    await app.nav("operadoras", "operators");
    await app.click("new-operator");
    await app.type("name", "Oi");
    await app.type("code", "OI");
    await app.click("save-operator");
    await app.waitForText("pager", "2 operadoras");
    assert.deepEqual(operatorCodes(), ["OI", "VIVO"]);
  });

  await t.test("restoring asks first; cancelling changes nothing", async () => {
    await app.nav("config", "open-backups");
    await app.click("open-backups");
    await app.waitFor("backup-list");
    const buttons = await app.all("restore-open");
    const labels = await Promise.all(buttons.map((b) => b.getAttribute("aria-label")));
    const i = labels.findIndex((l) => l.includes(copyName));
    assert.ok(i >= 0, JSON.stringify(labels));
    await app.clickElement(buttons[i]);
    const dialog = await app.waitFor("restore-dialog");
    assert.match(await dialog.getText(), new RegExp(copyName.replace(/[.]/g, "\\.")));
    await app.screenshot("02-confirmar-restauracao");
    await app.click("restore-cancel");
    await app.waitUntil(async () => !(await app.has("restore-dialog")), "o diálogo fechado");
    assert.deepEqual(operatorCodes(), ["OI", "VIVO"]);
    assert.equal(fs.existsSync(path.join(path.dirname(DB_FILE), "restore-pending.json")), false);
  });

  await t.test("confirmed: the current state is copied, the app restarts and puts the copy back", async () => {
    const [first] = appPids();
    assert.ok(first, "o processo do aplicativo");
    const buttons = await app.all("restore-open");
    const labels = await Promise.all(buttons.map((b) => b.getAttribute("aria-label")));
    await app.clickElement(buttons[labels.findIndex((l) => l.includes(copyName))]);
    await app.waitFor("restore-dialog");
    const copiesBefore = copies();
    await app.click("restore-confirm");

    // The first process ends and another starts in its place, by itself.
    const next = await waitFor(() => {
      const pids = appPids();
      return !pids.includes(first) && pids.length === 1 ? pids[0] : false;
    }, "o aplicativo reiniciado");
    // The restarted process restored the copy before opening the database.
    await waitFor(() => {
      try {
        return JSON.stringify(operatorCodes()) === JSON.stringify(["VIVO"]);
      } catch {
        return false; // the file is being swapped
      }
    }, "o banco restaurado (só VIVO)");
    // The state just before the restore was kept as one more copy.
    const kept = copies().filter((f) => !copiesBefore.includes(f));
    assert.equal(kept.length, 1, JSON.stringify(copies()));
    const events = await waitFor(() => {
      const rows = sql("SELECT action, detail FROM audit_events WHERE action LIKE 'BACKUP_RESTAURA%' ORDER BY at");
      return rows.some((r) => r.action === "BACKUP_RESTAURADO") ? rows : false;
    }, "a restauração auditada");
    // The request's own audit line was written after the copy, so it went back with the
    // rest; the restore's line says who asked and where the state before it is kept.
    const restored = events.find((r) => r.action === "BACKUP_RESTAURADO");
    assert.ok(restored.detail.includes(`cópia ${kept[0]}`) && restored.detail.includes("Ana Administradora"), restored.detail);
    process.kill(next, "SIGTERM");
    await waitFor(() => appPids().length === 0, "o aplicativo reiniciado encerrado", 30_000);
    await quietly(app.quit(), 30_000);
    app = null;
  });

  await t.test("after logging in again the screen says what was restored", async () => {
    app = await startApp();
    await app.login(ADMIN.email, ADMIN.password);
    await app.nav("operadoras", "operators");
    await app.waitForText("pager", "1 operadora");
    await app.nav("config", "open-backups");
    await app.click("open-backups");
    const screen = await app.waitFor("backup-list");
    // What the screen said, should the line not come.
    const last = await app.waitFor("last-restore").catch(async (err) => {
      err.message += ` — tela: ${await (await app.waitFor("backups")).getText().catch(() => "?")}`;
      err.message += ` — auditoria: ${JSON.stringify(sql("SELECT action, at FROM audit_events WHERE entity = 'backup' ORDER BY at"))}`;
      throw err;
    });
    assert.ok(screen);
    assert.match(await last.getText(), new RegExp(`Banco restaurado da cópia ${copyName.replace(/[.]/g, "\\.")}`));
    await app.screenshot("03-restaurado");
  });
});
