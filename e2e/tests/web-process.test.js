// The window's page runs in a WebKit web process. When it ends (a crash, its memory
// limit), the app loads the page again instead of leaving a blank window: the login
// says why, the session is asked for again, and what was saved is still there
// (src-tauri/src/desktop/web_process.rs). Here the web process is killed with SIGKILL,
// which WebKit reports as a crash.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { sql, startApp } from "../lib/app.js";
import { appPid, webProcessesOf } from "../lib/processes.js";

const ADMIN = { name: "Ana Administradora", email: "ana@beg.com.br", password: "senha-muito-segura-1" };
const LOG_DIR = path.join(process.env.XDG_DATA_HOME ?? "", "br.com.brmsolutions.rpadesk", "logs");

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(check, what, ms = 30_000) {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(200)) {
    const v = check();
    if (v) return v;
  }
  throw new Error(`esperava ${what}`);
}

// WebKitWebDriver's session belongs to the page's process and ends with it, so after
// the kill the window can no longer be read through WebDriver. What the page shows then
// (the login with RECOVERED_NOTICE) is covered by ui/src/App.test.jsx; here the app is
// watched from outside: it keeps running, a fresh web process loads the page again
// (WebKit starts one only for a load), the log says why, and the data is untouched.
test("a crashed page is loaded again by the app, which keeps running with its data", async (t) => {
  const app = await startApp();
  let pid = null;
  t.after(async () => {
    await Promise.race([app.quit().catch(() => {}), sleep(5_000)]);
    if (pid && appPid() === pid) process.kill(pid, "SIGTERM");
  });

  await t.test("first run, and an operator saved", async () => {
    await app.firstRun(ADMIN);
    await app.nav("operadoras", "operators");
    await app.click("new-operator");
    await app.waitFor("operator-form");
    await app.type("name", "Vivo");
    await app.type("code", "VIVO");
    await app.click("save-operator");
    await app.waitForText("pager", "1 operadora");
  });

  await t.test("the web process is killed: the app loads the page again in a new one", async () => {
    pid = appPid();
    assert.ok(pid, "o processo do aplicativo");
    const killed = webProcessesOf(pid);
    assert.ok(killed.length > 0, `um processo web abaixo do aplicativo (${pid})`);
    for (const p of killed) process.kill(p, "SIGKILL");
    const fresh = await until(() => {
      const now = webProcessesOf(pid).filter((p) => !killed.includes(p));
      return now.length > 0 ? now : false;
    }, "um novo processo web carregando a página");
    assert.ok(fresh.length > 0);
    await sleep(1_000);
    assert.equal(appPid(), pid, "o aplicativo continua o mesmo processo");
  });

  await t.test("the log says the web process crashed and the page was loaded again", async () => {
    const files = fs.readdirSync(LOG_DIR).filter((f) => f.startsWith("brm-desk.log."));
    const lines = files.flatMap((f) => fs.readFileSync(path.join(LOG_DIR, f), "utf8").split("\n").filter(Boolean));
    const crash = lines.map((l) => JSON.parse(l)).find((e) => JSON.stringify(e).includes("web process ended"));
    assert.ok(crash, `a linha do log (${lines.length} linhas)`);
    assert.match(JSON.stringify(crash), /"ERROR"/);
    assert.match(JSON.stringify(crash), /"reason":"crashed"/);
  });

  await t.test("the session that lived in the crashed page ended on the Rust side too", async () => {
    // Notifications act with the Rust side's session: it must not outlive the page.
    await until(
      () => sql("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'LOGOUT' AND actor_name = ?", ADMIN.name)[0].n === 1,
      "o registro de saída da administradora",
    );
  });

  await t.test("what was saved before the crash is still there", async () => {
    assert.deepEqual(
      sql("SELECT code FROM operators").map((r) => r.code),
      ["VIVO"],
    );
  });
});
