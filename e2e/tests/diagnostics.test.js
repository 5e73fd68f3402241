// "Diagnóstico" through the real window (issue 7, line 3): the versions, SQLite, the
// bundled robot "disponível", then "Copiar diagnóstico" and the clipboard read back
// from the X server (xclip) holds the plain-text report (app version, no token, no
// password); the log folder Tauri uses on Linux holds today's JSON-lines file.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { startApp } from "../lib/app.js";

const ADMIN = { name: "Ana Administradora", email: "ana@beg.com.br", password: "senha-muito-segura-1" };
const APP_VERSION = JSON.parse(fs.readFileSync(new URL("../../tauri.conf.json", import.meta.url), "utf8")).version;
// Tauri's app_log_dir on Linux: $XDG_DATA_HOME/<identifier>/logs.
const LOG_DIR = path.join(process.env.XDG_DATA_HOME ?? "", "br.com.brmsolutions.rpadesk", "logs");
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

function clipboard() {
  const r = spawnSync("xclip", ["-o", "-selection", "clipboard"], { encoding: "utf8", timeout: 10_000 });
  if (r.error) throw new Error(`xclip: ${r.error.message} (scripts/setup.sh instala o xclip)`);
  return r.status === 0 ? r.stdout : "";
}

test("Diagnóstico shows the versions, SQLite and the robot, and copies a report without secrets", async (t) => {
  const app = await startApp();
  t.after(() => app.quit());

  await app.firstRun(ADMIN);
  // The bundled simulator answers its first health check within seconds.
  await app.waitForText("robot-status", "disponível");

  await app.click("open-diagnostics");
  await app.waitFor("diagnostics");
  await app.waitForText("diag-app-version", APP_VERSION);
  assert.match(await (await app.waitFor("diag-tauri-version")).getText(), /^2\.\d+\.\d+/);
  assert.match(await (await app.waitFor("diag-webview-version")).getText(), /\d+\.\d+/);
  await app.waitForText("diag-db-backend", "SQLite");
  assert.match(await (await app.waitFor("diag-db-version")).getText(), /^3\.\d+/);
  // The health may have been read before the first check: ask again until it says so.
  await app.waitUntil(async () => {
    await app.click("diag-refresh");
    return (await (await app.waitFor("diag-robot-state")).getText()) === "disponível";
  }, "o robô disponível no diagnóstico");
  assert.match(await (await app.waitFor("diag-robot-url")).getText(), /^http:\/\/127\.0\.0\.1:\d+\/?$/);
  await app.waitForText("diag-log-dir", LOG_DIR);
  await app.screenshot("01-diagnostico");

  await app.click("diag-copy");
  await app.waitForText("diag-copy-status", "Copiado");
  const text = await app.waitUntil(() => {
    const c = clipboard();
    return c.includes("BRM RPA Desk — diagnóstico") ? c : false;
  }, "o diagnóstico na área de transferência");
  assert.ok(text.includes(`Aplicativo: ${APP_VERSION}`), text);
  assert.ok(text.includes("Tipo: SQLite"), text);
  assert.ok(text.includes("Situação: disponível"), text);
  assert.ok(!text.includes(ADMIN.password), text);
  // The bundled simulator's token is a fresh UUID per run: no UUID in the robot's part,
  // and no credentials or query in its address.
  const robot = text.split("[Robô]")[1].split("\n\n")[0];
  assert.ok(!UUID.test(robot), robot);
  assert.ok(!/Bearer|token=|@/i.test(robot), robot);
  await app.screenshot("02-copiado");

  // Today's log file: one JSON object per line, and never the password.
  const files = fs.readdirSync(LOG_DIR).filter((f) => f.startsWith("brm-desk.log."));
  assert.ok(files.length >= 1, JSON.stringify(fs.readdirSync(LOG_DIR)));
  const lines = files
    .flatMap((f) => fs.readFileSync(path.join(LOG_DIR, f), "utf8").split("\n"))
    .filter((l) => l.trim());
  assert.ok(lines.length > 0);
  for (const l of lines) {
    const v = JSON.parse(l);
    assert.ok(v.level && v.timestamp, l);
  }
  assert.ok(!lines.some((l) => l.includes(ADMIN.password)));
});
