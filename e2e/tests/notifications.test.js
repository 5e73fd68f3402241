// Native notifications that approvers click (issue 6), through the real app on a real
// D-Bus session bus (scripts/e2e.sh gives each file its own): python3-dbusmock's
// notification_daemon stands in for the desktop's notification server and records every
// Notify call with its actions; a click is the server's ActionInvoked signal. A
// StatusNotifierWatcher stand-in plays the panel that hosts tray icons. Both are the
// only stand-ins: the app, its database, robot simulator and window are the real ones.
//
// The story: three VIVO clients; a first month's invoices arrive (no history: no
// "Aprovar"); with it as history, the next month's arrive with "Aprovar"; one is approved from its
// notification; one is approved in the window first, and its notification then says so
// and opens the window on it; a server without buttons gets "Abrir" only; the tray
// counts; closing the window keeps the app in the tray; a second launch with a
// brm-desk:// link brings the window back on the process.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { spawn, spawnSync } from "node:child_process";
import { By } from "selenium-webdriver";
import { APP, holdMonthlySchedule, sql, startApp } from "../lib/app.js";
import { vivoSheet } from "../lib/sheet.js";
import { appPid, webProcessesOf } from "../lib/processes.js";
import { chooseMonth } from "../lib/monthPicker.js";
import { monthFromToday, monthLabel } from "../lib/today.js";

const PY = "/usr/bin/python3"; // Debian's python: python3-dbusmock and python3-dbus
const BUS = fileURLToPath(new URL("../lib/desktop_bus.py", import.meta.url));
const ADMIN = { name: "Ana Administradora", email: "ana@beg.com.br", password: "senha-muito-segura-1" };
// Two months in a row, counted from today (two months ago, then last month): the
// second has the first as its history.
const FIRST = monthFromToday(-2);
const SECOND = monthFromToday(-1);
const SECOND_LABEL = monthLabel(SECOND);
const TITLE_WAITING = "Fatura aguardando aprovação";
const WINDOW_TITLE = "BRM RPA Desk";

// --- the desktop around the app ----------------------------------------------------

function bus(...args) {
  const r = spawnSync(PY, [BUS, ...args.map(String)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`desktop_bus ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

// A notification server stand-in with these capabilities ("body actions" or "body").
function startNotificationServer(caps) {
  const p = spawn(PY, ["-m", "dbusmock", "--template", "notification_daemon", "-p", JSON.stringify({ capabilities: caps })], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  return p;
}

async function stop(p) {
  if (!p || p.exitCode !== null) return;
  const gone = new Promise((resolve) => p.once("exit", resolve));
  p.kill();
  await gone;
}

const notifyCalls = () => JSON.parse(bus("notify-calls"));
const trayItems = () => JSON.parse(bus("tray"));


const MARKUP_NAME = 'Padaria <b>Estrela</b> & Cia <a href="http://x">clique</a>';
// A body names the client as the server was sent it: escaped where it reads markup.
const names = (body, name) =>
  body.includes(name) || body.includes(name.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"));

test("approvers act from native notifications, the tray counts, one instance opens links", async (t) => {
  let server = startNotificationServer("body actions body-markup");
  const watcher = spawn(PY, [BUS, "tray-watcher"], { stdio: ["ignore", "pipe", "pipe"] });
  await new Promise((resolve, reject) => {
    watcher.stdout.once("data", resolve);
    watcher.once("exit", (c) => reject(new Error(`tray-watcher saiu (${c})`)));
  });
  // The server owns its bus name before the app starts.
  for (let i = 0; i < 50 && spawnSync(PY, [BUS, "notify-calls"]).status !== 0; i++) await new Promise((r) => setTimeout(r, 100));
  let app = await startApp();
  let pid = null; // the app's process, once its page has been crashed on purpose
  t.after(async () => {
    await Promise.race([app?.quit().catch(() => {}), new Promise((r) => setTimeout(r, 5_000))]);
    // WebDriver's session ends with a crashed page: the app is stopped from outside.
    if (pid && appPid() === pid) process.kill(pid, "SIGTERM");
    await stop(server);
    await stop(watcher);
  });

  // Waits for the Notify calls after the first `from` to satisfy `check`.
  async function notices(from, check, what) {
    return app.waitUntil(async () => {
      const calls = notifyCalls().slice(from);
      return check(calls) ? calls : false;
    }, what, 60_000);
  }

  async function processOf(month, hash) {
    const [row] = sql(
      `SELECT p.id, p.version, p.status, c.legal_name FROM processes p JOIN clients c ON c.id = p.client_id
       WHERE p.reference_month = ? AND c.hash = ?`,
      month,
      hash,
    );
    return row;
  }

  // The processes list, from wherever the window is (a process may be open).
  async function processList() {
    if (await app.has("process-back")) await app.click("process-back");
    if (!(await app.has("processes"))) await app.nav("processos", "processes");
    return app.waitFor("processes");
  }

  async function createMonth(month, n) {
    await processList();
    await chooseMonth(app, "month-input", month);
    await app.click("create-month");
    await app.waitForText("banner-info", `${n} processos criados`);
  }

  async function waitWaiting(month, n) {
    await app.waitUntil(
      async () => sql("SELECT COUNT(*) AS n FROM processes WHERE reference_month = ? AND status = 'AGUARDANDO_APROVACAO'", month)[0].n === n,
      `${n} faturas de ${month} baixadas`,
      90_000,
    );
  }

  async function trayLabel(expected) {
    return app.waitUntil(async () => {
      const [item] = trayItems();
      return item && item.label === expected ? item : false;
    }, `o ícone da bandeja com "${expected}"`);
  }

  async function detailOpen(id) {
    return app.waitUntil(async () => {
      const found = await app.driver.findElements(By.css(`[data-process-id="${id}"]`));
      return found[0] ?? false;
    }, `a janela no processo ${id}`);
  }

  let hashes = [];
  const byHash = {};

  await t.test("first run, one operator and three clients", async () => {
    await app.firstRun(ADMIN);
    await holdMonthlySchedule();
    await app.nav("operadoras", "operators");
    await app.click("new-operator");
    await app.waitFor("operator-form");
    await app.type("name", "Vivo");
    await app.type("code", "VIVO");
    await app.click("save-operator");
    await app.waitForText("pager", "1 operadora");
    await app.nav("importar", "import");
    await (await app.waitFor("import-file")).sendKeys(vivoSheet(3, (f, i) => {
      // The first client's name carries markup a careless import would keep (issue 18):
      // on a server that reads markup in bodies, it must arrive escaped.
      if (i === 0) f[1] = MARKUP_NAME;
      return f;
    }));
    await app.waitForCount("import-create-row", 3);
    await app.click("import-commit");
    await app.waitForText("banner-info", "3 criados");
    hashes = sql("SELECT hash FROM clients ORDER BY hash").map((r) => r.hash);
    assert.equal(hashes.length, 3);
  });

  await t.test("the tray icon is registered and counts nothing yet", async () => {
    const item = await trayLabel("");
    assert.equal(item.title.length > 0, true, JSON.stringify(item));
  });

  await t.test("The first month's invoices arrive: one notification each, no Aprovar without history", async () => {
    const from = notifyCalls().length;
    await createMonth(FIRST, 3);
    await waitWaiting(FIRST, 3);
    const calls = await notices(from, (c) => c.filter((n) => n.summary === TITLE_WAITING).length === 3, "três notificações de fatura");
    for (const n of calls.filter((c) => c.summary === TITLE_WAITING)) {
      assert.equal(n.app, "brm-desk"); // notify-rust names the executable
      assert.ok(n.body.includes(`· Vivo · ${monthLabel(FIRST)}`), n.body);
      assert.match(n.body, /R\$ \d/);
      assert.match(n.body, /vence em \d{2}\/\d{2}\/\d{4}/);
      // No earlier month: "Variação do valor" has no data, so a person looks first.
      assert.deepEqual(n.actions, ["abrir", "Abrir", "default", ""], n.body);
    }
    // The server reads markup: the name's tags and ampersand arrive as text.
    const marked = calls.filter((c) => c.body.includes("Estrela"));
    assert.equal(marked.length, 1);
    for (const escaped of ["&lt;b&gt;Estrela&lt;/b&gt;", "&amp; Cia", '&lt;a href="http://x"&gt;clique&lt;/a&gt;']) {
      assert.ok(marked[0].body.includes(escaped), marked[0].body);
    }
    assert.ok(!/<[a-z]/i.test(marked[0].body), marked[0].body);
    await trayLabel("3");
  });

  await t.test("a click on a notification's body opens the window on that process", async () => {
    const p = await processOf(FIRST, hashes[0]);
    const n = notifyCalls().find((c) => c.summary === TITLE_WAITING && names(c.body, p.legal_name));
    assert.ok(n, `notificação de ${p.legal_name}`);
    bus("click", n.id, "default");
    await detailOpen(p.id);
    await app.screenshot("01-notificacao-abriu-processo");
  });

  await t.test("with the first month as history, the second month's invoices offer Aprovar", async (st) => {
    // The first month's amounts become a steady history, and the tolerance wide enough for
    // the simulator's random amounts: every check of the second can pass.
    sql("UPDATE processes SET amount_cents = 250000 WHERE reference_month = ?", FIRST);
    sql(
      `INSERT INTO settings (key, value_json, updated_at) VALUES ('aprovacao.tolerancia_percentual', '1000', datetime('now'))
       ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json`,
    );
    const from = notifyCalls().length;
    await createMonth(SECOND, 3);
    await waitWaiting(SECOND, 3);
    const calls = await notices(
      from,
      (c) => c.filter((n) => n.summary === TITLE_WAITING && n.body.includes(SECOND_LABEL)).length === 3,
      "três notificações do segundo mês",
    );
    for (const n of calls.filter((c) => c.summary === TITLE_WAITING)) {
      assert.deepEqual(n.actions, ["aprovar", "Aprovar", "abrir", "Abrir", "default", ""], n.body);
    }
    for (const h of hashes) byHash[h] = await processOf(SECOND, h);
    // From the worker's write of each arrival (its last change-feed row before the
    // notification) to the server's Notify, a figure, not a limit: the feed (a 250 ms
    // read on SQLite, 250 ms batches), the scan, the composer and D-Bus.
    const latencies = [];
    for (const h of hashes) {
      const { id, legal_name } = byHash[h];
      const n = calls.find((c) => c.summary === TITLE_WAITING && names(c.body, legal_name));
      const writes = sql("SELECT at FROM change_feed WHERE entity = 'processo' AND entity_id = ? ORDER BY seq", id)
        .map((r) => Date.parse(r.at))
        .filter((at) => at <= n.at_ms);
      latencies.push(n.at_ms - writes.at(-1));
    }
    st.diagnostic(`arrival to notification (ms): ${latencies.join(", ")}`);
    await trayLabel("6");
  });

  await t.test("Aprovar on a notification approves that version, audited as from the notification", async () => {
    const p = byHash[hashes[0]];
    const n = notifyCalls().find((c) => c.summary === TITLE_WAITING && names(c.body, p.legal_name) && c.body.includes(SECOND_LABEL));
    const from = notifyCalls().length;
    bus("click", n.id, "aprovar");
    await app.waitUntil(async () => (await processOf(SECOND, hashes[0])).status !== "AGUARDANDO_APROVACAO", "a fatura aprovada", 30_000);
    const audit = sql("SELECT action, actor_name, detail FROM audit_events WHERE entity_id = ? AND action = 'APROVAR'", p.id);
    assert.equal(audit.length, 1, JSON.stringify(audit));
    assert.equal(audit[0].actor_name, ADMIN.name);
    assert.match(audit[0].detail, /notificação/);
    const [done] = await notices(from, (c) => c.some((x) => x.summary === "Fatura aprovada"), "a confirmação");
    assert.ok(done);
    await trayLabel("5");
  });

  await t.test("approved first in the window: the notification says so and opens the process", async () => {
    const p = byHash[hashes[1]];
    await processList();
    const open = await app.waitFor(`open-process-${p.id}`);
    await app.clickElement(open);
    await app.waitFor("process-detail");
    await app.click("approve-process");
    await app.waitForText("banner-info", "Processo aprovado.");
    // Elsewhere in the app now.
    await app.nav("painel", "dashboard");
    const n = notifyCalls().find((c) => c.summary === TITLE_WAITING && names(c.body, p.legal_name) && c.body.includes(SECOND_LABEL));
    const from = notifyCalls().length;
    bus("click", n.id, "aprovar");
    const [follow] = await notices(from, (c) => c.some((x) => x.summary === "Não foi possível aprovar pela notificação"), "o aviso");
    assert.ok(names(follow.body, p.legal_name), follow.body);
    await detailOpen(p.id);
    // Approved once, by the window: the notification did not approve again.
    assert.equal(sql("SELECT COUNT(*) AS n FROM audit_events WHERE entity_id = ? AND action = 'APROVAR'", p.id)[0].n, 1);
    await app.screenshot("02-ja-decidida-abre-processo");
  });

  await t.test("a notification server without buttons gets Abrir only", async () => {
    await stop(server);
    server = startNotificationServer("body");
    for (let i = 0; i < 50 && spawnSync(PY, [BUS, "notify-calls"]).status !== 0; i++) await new Promise((r) => setTimeout(r, 100));
    // The third invoice of the second month is rejected in the window; the robot fetches it again,
    // it passes every check, and would offer Aprovar on a server that shows buttons.
    const p = byHash[hashes[2]];
    await processList();
    await app.click(`open-process-${p.id}`);
    await app.waitFor("process-detail");
    await app.click("reject-process");
    await app.choose("reject-reason-code", "VALOR_DIVERGENTE");
    await app.typeInto("reject-reason-text", "Fatura de teste");
    await app.click("btn-confirmar-rejeicao");
    await app.waitUntil(async () => (await processOf(SECOND, hashes[2])).status === "AGUARDANDO_DOWNLOAD", "rejeitada");
    await waitWaiting(SECOND, 1);
    const [n] = await notices(0, (c) => c.some((x) => x.summary === TITLE_WAITING), "a notificação sem botões");
    assert.ok(n.body.includes(SECOND_LABEL), n.body);
    assert.deepEqual(n.actions, ["abrir", "Abrir", "default", ""]);
  });

  await t.test("the preferences' test button notifies and says the server shows no buttons", async () => {
    await app.click("open-preferences");
    await app.click("pref-test");
    await app.waitForText("pref-test-result", "não mostra botões");
    const calls = notifyCalls();
    assert.equal(calls.at(-1).summary, "Notificação de teste");
    await app.screenshot("03-preferencias");
    await app.driver.actions().sendKeys("\uE00C").perform(); // Esc
  });

  await t.test("closing the window keeps the app in the tray; a brm-desk:// link brings it back", async () => {
    const p = byHash[hashes[0]];
    const from = notifyCalls().length;
    bus("close-window", WINDOW_TITLE);
    await app.waitUntil(async () => bus("window-mapped", WINDOW_TITLE) === "false", "a janela escondida");
    await notices(from, (c) => c.some((x) => x.summary === "O BRM RPA Desk continua na bandeja"), "o aviso da bandeja");
    // The window's size and position were saved as it went to the tray, not only at a
    // normal exit (tauri-plugin-window-state's file in the config folder).
    const stateFile = path.join(process.env.XDG_CONFIG_HOME ?? "", "br.com.brmsolutions.rpadesk", ".window-state.json");
    const saved = JSON.parse(fs.readFileSync(stateFile, "utf8"));
    assert.ok(saved.main?.width > 0 && saved.main?.height > 0, JSON.stringify(saved));
    // Still running: the tray still counts.
    assert.ok(trayItems().length === 1);
    // A second launch (what the OS runs for a brm-desk:// link) hands the link to this
    // one and exits at once.
    const second = spawnSync(APP, [`brm-desk://processo/${p.id}`], { encoding: "utf8", timeout: 30_000 });
    assert.equal(second.status, 0, second.stderr);
    await app.waitUntil(async () => bus("window-mapped", WINDOW_TITLE) === "true", "a janela de volta");
    await detailOpen(p.id);
    await app.screenshot("04-link-abriu-processo");
  });

  // Windows' toasts carry their activations as brm-desk://aprovar links; such a link can
  // also come from a web page or an e-mail: it must never approve by itself.
  await t.test("a brm-desk://aprovar link, with or without a made-up ticket, opens the approval desk on the process with Aprovar focused and approves nothing", async () => {
    const p = await processOf(SECOND, hashes[2]);
    assert.equal(p.status, "AGUARDANDO_APROVACAO");
    const forged = "0".repeat(64);
    for (const link of [`brm-desk://aprovar/${p.id}`, `brm-desk://aprovar/${p.id}?versao=${p.version}&bilhete=${forged}`]) {
      await processList();
      const second = spawnSync(APP, [link], { encoding: "utf8", timeout: 30_000 });
      assert.equal(second.status, 0, second.stderr);
      await app.waitFor("approvals");
      await app.waitUntil(
        async () => (await app.driver.executeScript("return document.querySelector('[data-testid=approval-detail]')?.dataset.id")) === p.id,
        `a fila de aprovação no processo ${p.id}`,
      );
      await app.waitUntil(
        async () => (await app.driver.executeScript("return document.activeElement?.dataset?.testid")) === "btn-aprovar",
        "o botão Aprovar em foco",
      );
      // Time for a wrong approval to land, if the link were to cause one.
      await new Promise((r) => setTimeout(r, 1_000));
      assert.equal((await processOf(SECOND, hashes[2])).status, "AGUARDANDO_APROVACAO", link);
      assert.equal(sql("SELECT COUNT(*) AS n FROM audit_events WHERE entity_id = ? AND action = 'APROVAR'", p.id)[0].n, 0, link);
    }
    await app.screenshot("05-link-aprovar-so-abre");
  });

  // The last step: WebDriver's session ends with the page.
  await t.test("after the page crashes and loads again, Aprovar on a notification changes nothing and says the session ended", async () => {
    const p = await processOf(SECOND, hashes[2]);
    assert.equal(p.status, "AGUARDANDO_APROVACAO");
    const n = notifyCalls().findLast((c) => c.summary === TITLE_WAITING && names(c.body, p.legal_name));
    assert.ok(n, `notificação de ${p.legal_name}`);
    const logoutsBefore = sql("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'LOGOUT'")[0].n;
    pid = appPid();
    assert.ok(pid, "o processo do aplicativo");
    const killed = webProcessesOf(pid);
    assert.ok(killed.length > 0, "um processo web abaixo do aplicativo");
    for (const w of killed) process.kill(w, "SIGKILL");
    // The page loads again in a new web process; the Rust side's session ends with it.
    await app.waitUntil(
      async () => webProcessesOf(pid).some((w) => !killed.includes(w)),
      "um novo processo web carregando a página",
    );
    await app.waitUntil(
      async () => sql("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'LOGOUT'")[0].n > logoutsBefore,
      "a sessão encerrada com a página",
    );
    const from = notifyCalls().length;
    bus("click", n.id, "aprovar");
    const calls = await notices(from, (c) => c.some((x) => x.summary === "Não foi possível aprovar pela notificação"), "o aviso de sessão encerrada");
    const follow = calls.find((x) => x.summary === "Não foi possível aprovar pela notificação");
    assert.match(follow.body, /Sua sessão terminou/);
    assert.equal((await processOf(SECOND, hashes[2])).status, "AGUARDANDO_APROVACAO");
    assert.equal(sql("SELECT COUNT(*) AS n FROM audit_events WHERE entity_id = ? AND action = 'APROVAR'", p.id)[0].n, 0);
    assert.equal(appPid(), pid, "o aplicativo continua o mesmo processo");
  });
});
