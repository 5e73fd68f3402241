// The month's work through the real window: operators, the client spreadsheet import
// (preview with the rejected rows, then commit), the clients list with its write-only
// portal passwords, the month's processes, and a process decided by the right person:
// an OPERADOR can neither see nor trigger the approval, the administrator approves.
// Runs in its own HOME/XDG folders and keyring session (scripts/e2e.sh), so it starts
// at the first-run screen.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { spawn } from "node:child_process";
import { By, Key } from "selenium-webdriver";
import { DB_FILE, holdMonthlySchedule, startApp } from "../lib/app.js";
import { monthFromToday } from "../lib/today.js";
import { chooseMonth, monthValue } from "../lib/monthPicker.js";

const MONTH_NAMES = ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"];

const ADMIN = { name: "Ana Administradora", email: "ana@beg.com.br", password: "senha-muito-segura-1" };
const OPERADOR = { name: "Otávio Operador", email: "otavio@beg.com.br", password: "senha-do-operador-1" };
const OPERATORS = [
  { name: "Vivo", code: "VIVO" },
  { name: "Oi", code: "OI" },
  { name: "Embratel", code: "EMBRATEL" },
  { name: "DigitalNet", code: "DIGITALNET" },
];
// Last month, as an office works it (never a month written out: the Painel opens on the
// current month and due dates count from today).
const MONTH = monthFromToday(-1);
// The synthetic spreadsheet (the real one's columns and mess), as the Rust tests read it.
const FIXTURE = fileURLToPath(new URL("../../crates/brm-core/tests/fixtures/clientes-exemplo.csv", import.meta.url));
// What crates/brm-core/tests/import_fixture.rs establishes for that file with these four
// operators: 42 rows, 27 to create, 13 rejected, lines 39 and 41 repeat earlier rows.
// Of the 27, seven carry STATUS "0" (inactive accounts), so a month creates 20 processes.
const TO_CREATE = 27;
const REJECTED_LINES = [3, 7, 11, 16, 18, 19, 21, 27, 31, 32, 38, 40, 42];
const ACTIVE = 20;
// Client names with "alvorada" among the 27 created.
const ALVORADA = 8;
// The process this test decides: line 2 of the sheet, PÃO E TAL TRANSPORTES S/A at VIVO.
const HASH = "exemplo0030";

// The person picks the file in the native dialog; WebDriver types its absolute path into
// the <input type=file> instead. A copy in this run's HOME, like a downloaded sheet.
function fixtureCopy() {
  const dir = path.join(process.env.HOME ?? ".", "Documentos");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "clientes-exemplo.csv");
  fs.copyFileSync(FIXTURE, file);
  return file;
}

test("clients import, the month's processes, and an approval only the right role sees", async (t) => {
  let app = await startApp();
  t.after(() => app?.quit().catch(() => {}));
  let processId = null;

  async function choose(name, value) {
    const select = await app.driver.findElement(By.css(`[name="${name}"], [data-testid="${name}"]`));
    await select.findElement(By.css(`option[value="${value}"]`)).click();
  }

  // Waits for `testId` or an error banner; an error fails the step with its message
  // (a keyring that is missing or locked says "chaveiro": the environment, see e2e.sh).
  async function expectOk(testId, text = "") {
    const found = await app.waitUntil(async () => {
      if (await app.has("banner-error")) return "error";
      const [el] = await app.all(testId);
      return el && (await el.getText()).includes(text) ? "ok" : false;
    }, `${testId} ou banner-error`);
    if (found === "error") assert.fail(`mensagem de erro: ${await (await app.waitFor("banner-error")).getText()}`);
  }

  // The administrator creates a user with this role on the Usuários tab.
  async function createUser(person, role) {
    await app.nav("usuarios", "users");
    await app.click("new-user");
    await app.waitFor("user-form");
    await app.type("full_name", person.name);
    await app.type("email", person.email);
    await choose("role", role);
    await app.type("password", person.password);
    await app.type("password_confirmation", person.password);
    await app.click("save-user");
    await app.waitForText("banner-info", `Usuário ${person.name} criado.`);
  }

  async function openProcessOf(hash) {
    if (!(await app.has("processes"))) await app.nav("processos", "processes");
    const row = await app.waitUntil(async () => {
      const rows = await app.driver.findElements(By.css(`[data-testid="process-row"][data-client-hash="${hash}"]`));
      return rows[0] ?? false;
    }, `o processo do cliente ${hash}`);
    const open = await row.findElement(By.css('[data-testid^="open-process-"]'));
    const id = (await open.getAttribute("data-testid")).replace("open-process-", "");
    await app.clickElement(open);
    await app.waitFor("process-detail");
    await app.waitFor("process-status");
    return id;
  }

  await t.test("first run: the administrator is created and logs in", async () => {
    await app.firstRun(ADMIN);
    await holdMonthlySchedule();
    await app.waitForText("who", ADMIN.name);
  });

  await t.test("the four operators of the spreadsheet are registered", async () => {
    await app.nav("operadoras", "operators");
    for (const [i, op] of OPERATORS.entries()) {
      await app.click("new-operator");
      await app.waitFor("operator-form");
      await app.type("name", op.name);
      await app.type("code", op.code);
      await app.click("save-operator");
      await app.waitForText("pager", `${i + 1} operadora`);
    }
    assert.deepEqual(await app.operatorCodes(), ["DIGITALNET", "EMBRATEL", "OI", "VIVO"]);
    await app.screenshot("01-operadoras");
  });

  await t.test("the import preview lists 27 to create, the 13 rejected rows and the duplicates", async () => {
    await app.nav("importar", "import");
    const input = await app.waitFor("import-file");
    await input.sendKeys(fixtureCopy());
    await expectOk("import-preview");
    await app.waitForCount("import-create-row", TO_CREATE);
    const rejected = await app.waitForCount("rejected-row", REJECTED_LINES.length);
    const lines = await Promise.all(rejected.map((r) => r.getAttribute("data-line")));
    assert.deepEqual(lines.map(Number), REJECTED_LINES);
    const reasons = await Promise.all(rejected.map((r) => r.getText()));
    const line3 = reasons[REJECTED_LINES.indexOf(3)];
    assert.match(line3, /Linha 3/);
    assert.match(line3, /AZUTON/);
    assert.match(line3, /operadora desconhecida/i);
    assert.match(reasons[REJECTED_LINES.indexOf(11)], /CNPJ inválido \(00\.251\.678\/0001-48\)/);
    assert.ok(reasons.some((r) => /CNPJ inválido/.test(r)), "a rejected row gives an invalid CNPJ as its reason");
    await app.waitForText("import-duplicates", "linhas 39, 41");
    // The preview never carries the portal passwords of the SENHA column.
    assert.ok(!(await app.driver.getPageSource()).includes("senha-ficticia"), "no password in the preview");
    const commit = await app.waitFor("import-commit");
    assert.ok(await commit.isEnabled());
    assert.match(await commit.getText(), /Importar 27 clientes/);
    await app.screenshot("02-importacao-conferencia");
  });

  await t.test("confirming the import creates the 27 clients", async () => {
    // The commit seals the SENHA column under a key kept in the OS keyring: scripts/e2e.sh
    // runs the app inside an unlocked GNOME Keyring of its own.
    await app.click("import-commit");
    await expectOk("banner-info", "27 criados");
    const info = await app.waitFor("banner-info");
    assert.match(await info.getText(), /0 atualizados/);
    assert.match(await info.getText(), /2 duplicadas ignoradas/);
    assert.match(await info.getText(), /13 rejeitadas/);
    assert.ok(!(await app.has("import-preview")), "the preview is closed after the commit");
    await app.screenshot("03-importacao-concluida");
  });

  await t.test("the same file again has nothing to create and nothing to import", async () => {
    const input = await app.waitFor("import-file");
    await input.sendKeys(fixtureCopy());
    await app.waitFor("import-preview");
    await app.waitForText("import-unchanged", `Sem alteração: ${TO_CREATE}`);
    assert.equal((await app.all("import-create-row")).length, 0);
    assert.equal((await app.all("import-update-row")).length, 0);
    await app.waitForCount("rejected-row", REJECTED_LINES.length);
    const commit = await app.waitFor("import-commit");
    assert.equal(await commit.isEnabled(), false, "nothing to import: the button is disabled");
    await app.screenshot("04-importacao-repetida");
    await app.click("import-cancel");
  });

  await t.test("the clients list pages by 20, searches, and never shows a portal password", async () => {
    await app.nav("clientes", "clients");
    await app.waitForText("pager", `${TO_CREATE} clientes`);
    await app.waitForText("pager", "Página 1 de 2");
    await app.waitForCount("client-row", 20);
    await app.screenshot("05-clientes");

    await choose("clients-active", "true");
    await app.waitForText("pager", `${ACTIVE} clientes`);
    await choose("clients-active", "");
    await app.waitForText("pager", `${TO_CREATE} clientes`);

    await app.typeInto("clients-search", "alvorada");
    await app.waitForText("pager", `${ALVORADA} clientes`);
    const rows = await app.waitForCount("client-row", ALVORADA);
    for (const row of rows) assert.match(await row.getText(), /ALVORADA/);
    await app.screenshot("06-clientes-busca");

    await app.typeInto("clients-search", HASH);
    await app.waitForCount("client-row", 1);
    await app.click(`edit-client-${HASH}`);
    const form = await app.waitFor("client-form");
    assert.match(await form.getText(), /PÃO E TAL TRANSPORTES S\/A/);
    await app.waitForText("portal-password-state", "Senha do portal: definida");
    const password = await app.driver.findElement(By.css('[name="portal_password"]'));
    assert.equal(await password.getAttribute("value"), "", "the password field starts empty");
    assert.ok(!(await app.driver.getPageSource()).includes("senha-ficticia"), "the password text is nowhere in the window");
    await app.screenshot("07-cliente-senha-definida");
  });

  await t.test("creating the month's processes makes one per active client, once", async (st) => {
    await app.nav("processos", "processes");
    // The month picker (ours, not <input type="month">, a text box in Safari/WKWebView)
    // opens on this month; ‹ goes to last month, PageDown / PageUp move it from the
    // keyboard, and what it shows is the month in pt-BR.
    const THIS_MONTH = monthFromToday(0);
    await app.waitUntil(async () => (await monthValue(app, "month-input")) === THIS_MONTH, "o mês atual no seletor");
    await app.click("month-input-prev");
    await app.waitUntil(async () => (await monthValue(app, "month-input")) === MONTH, `${MONTH} depois de ‹`);
    const prev = await app.waitFor("month-input-prev");
    await prev.sendKeys(Key.PAGE_DOWN);
    await app.waitUntil(async () => (await monthValue(app, "month-input")) === THIS_MONTH, "PageDown: o mês seguinte");
    await prev.sendKeys(Key.PAGE_UP);
    await app.waitUntil(async () => (await monthValue(app, "month-input")) === MONTH, "PageUp: o mês anterior");
    const monthName = await (await app.waitFor("month-input-month")).findElement(By.css("option:checked")).getText();
    assert.equal(monthName.trim(), MONTH_NAMES[Number(MONTH.slice(5)) - 1]);
    assert.equal(await (await app.waitFor("month-input-year")).getAttribute("value"), MONTH.slice(0, 4));
    assert.equal(await app.driver.findElement(By.css('input[name="month"]')).getAttribute("value"), MONTH);
    assert.equal((await app.driver.findElements(By.css('input[type="month"]'))).length, 0, "no <input type=month> in the window");
    // The list's filter too: a month from its selects, and back to every month.
    await chooseMonth(app, "processes-month", MONTH);
    await chooseMonth(app, "processes-month", THIS_MONTH);
    await app.choose("processes-month-month", "");
    await app.waitUntil(async () => (await monthValue(app, "processes-month")) === "", "todos os meses no filtro");
    await app.click("create-month");
    await app.waitForText("banner-info", `${ACTIVE} processos criados, 0 já existiam.`);
    await app.waitForText("pager", `${ACTIVE} processos`);
    await app.waitForCount("process-row", ACTIVE);
    const statuses = await Promise.all((await app.all("process-row")).map((r) => r.getAttribute("data-status")));
    assert.ok(statuses.every((s) => s === "AGUARDANDO_DOWNLOAD"), statuses.join(","));
    await app.screenshot("08-processos-criados");

    await app.click("create-month");
    await app.waitForText("banner-info", `0 processos criados, ${ACTIVE} já existiam.`);
    await app.waitForText("pager", `${ACTIVE} processos`);
  });

  await t.test("a process opens with its status and audit trail", async () => {
    processId = await openProcessOf(HASH);
    await app.waitForText("process-status", "Aguardando download");
    const detail = await app.waitFor("process-detail");
    assert.match(await detail.getText(), /PÃO E TAL TRANSPORTES S\/A/);
    assert.match(await detail.getText(), /Ainda não baixada/);
    assert.ok(!(await app.has("approve-process")), "nothing to approve before the download");
    // The trail is there from the start. The month's creation is audited once for the
    // whole month (CRIAR_PROCESSOS_MES, brm-service), not per process, so a new process
    // may show "Nenhum registro."; whatever it lists was done by the administrator.
    const trail = await app.waitFor("audit-trail");
    await app.waitUntil(async () => /Nenhum registro\.|Criação/.test(await trail.getText()), "o histórico carregado");
    for (const row of await app.all("audit-row")) assert.match(await row.getText(), new RegExp(ADMIN.name));
    await app.screenshot("09-processo-aguardando-download");
    await app.click("process-back");
    await app.waitFor("processes");
  });

  await t.test("the administrator creates an OPERADOR user", async () => {
    await createUser(OPERADOR, "OPERADOR");
    await app.waitForText("users-table", OPERADOR.email);
    const role = await app.waitFor(`role-${OPERADOR.email}`);
    assert.equal(await role.getAttribute("value"), "OPERADOR");
    await app.screenshot("10-usuario-operador");
  });

  await t.test("the bundled robot downloads every invoice and the list follows by itself", async () => {
    // The embedded default: the simulator on a loopback port, the worker polling it
    // (e2e.sh: every 3 s, jobs of 10-12 s, so the first screens above still see the
    // processes waiting). Nothing is reloaded by hand: model-changed events move the rows.
    await app.nav("processos", "processes");
    await app.waitUntil(
      async () => (await (await app.waitFor("robot-status")).getAttribute("data-state")) === "ok",
      "o robô disponível no cabeçalho",
    );
    await app.waitUntil(
      async () => {
        const rows = await app.all("process-row");
        const statuses = await Promise.all(rows.map((r) => r.getAttribute("data-status")));
        return statuses.length === ACTIVE && statuses.every((s) => s === "AGUARDANDO_APROVACAO");
      },
      `as ${ACTIVE} faturas baixadas (Aguardando aprovação)`,
      240_000,
    );
    await app.screenshot("10a-faturas-baixadas");
    await app.nav("execucoes", "executions");
    const rows = await app.waitForCount("execution-row", ACTIVE);
    for (const row of rows) {
      assert.equal(await row.getAttribute("data-kind"), "DOWNLOAD_FATURA");
      assert.equal(await row.getAttribute("data-status"), "CONCLUIDO");
    }
    await app.screenshot("10b-execucoes");
    await app.click(`open-execution-${await rows[0].getAttribute("data-id")}`);
    await app.waitFor("execution-detail");
    await app.waitUntil(async () => (await app.all("log-line")).length >= 3, "as linhas de log do robô");
    assert.match(await (await app.waitFor("execution-request")).getText(), /"senha": "\*\*\*"/);
    await app.screenshot("10c-execucao-detalhe");
    await app.click("logout");
    await app.waitFor("login");
  });

  await t.test("an OPERADOR sees neither the approval nor the administrators' tabs", async () => {
    await app.login(OPERADOR.email, OPERADOR.password);
    await app.waitForText("who", "Operador");
    assert.ok(await app.has("nav-processos"));
    assert.ok(await app.has("nav-clientes"));
    assert.ok(!(await app.has("nav-usuarios")), "no Usuários tab");
    assert.ok(!(await app.has("nav-config")), "no Configurações tab");
    assert.equal(await openProcessOf(HASH), processId);
    await app.waitForText("process-status", "Aguardando aprovação");
    await app.waitForText("approval-forbidden", "Somente aprovadores");
    assert.ok(!(await app.has("approve-process")), "no Aprovar button");
    assert.ok(!(await app.has("reject-process")), "no Rejeitar button");
    assert.match(await (await app.waitFor("process-detail")).getText(), /\.pdf/);
    await app.screenshot("11-operador-sem-aprovacao");
    await app.click("logout");
    await app.waitFor("login");
  });

  await t.test("the administrator approves: Aguardando envio ao SAT, APROVAR on top of the trail", async () => {
    await app.login(ADMIN.email, ADMIN.password);
    assert.ok(await app.has("nav-usuarios"));
    assert.equal(await openProcessOf(HASH), processId);
    await app.waitForText("process-status", "Aguardando aprovação");
    assert.ok(!(await app.has("approval-forbidden")));
    await app.waitFor("reject-process");
    // The invoice the robot downloaded was read: amount from its payment line, due date
    // from its text, and the five checks shown before deciding.
    await app.waitForText("amount-source", "linha digitável");
    await app.waitForText("due-date-source", "texto da fatura");
    const checks = await app.waitForCount("approval-check", 5);
    const kinds = await Promise.all(checks.map((c) => c.getAttribute("data-kind")));
    assert.deepEqual(kinds, ["VARIACAO_VALOR", "POSSIVEL_DUPLICATA", "VENCIMENTO", "LINHA_DIGITAVEL", "IDENTIDADE_FATURA"]);
    assert.equal(await checks[3].getAttribute("data-outcome"), "OK", "a valid payment line");
    // The bundled robot fetched the process's own month for its client and account.
    assert.equal(await checks[4].getAttribute("data-outcome"), "OK", await checks[4].getText());
    // (These clients have no account code: month and CNPJ are what can be compared.)
    assert.match(await checks[4].getText(), /Conferem: mês, CNPJ/);
    await app.screenshot("12-admin-pode-aprovar");
    await app.click("approve-process");
    await app.waitForText("banner-info", "Processo aprovado.");
    await app.waitForText("process-status", "Aguardando envio ao SAT");
    assert.ok(!(await app.has("approve-process")), "approved once: the button is gone");
    const first = await app.waitUntil(async () => {
      const [row] = await app.all("audit-row");
      return row && (await row.getAttribute("data-action")) === "APROVAR" ? row : false;
    }, "APROVAR na primeira linha do histórico");
    const text = await first.getText();
    assert.match(text, /Aprovação/);
    assert.match(text, new RegExp(ADMIN.name));
    assert.match(text, /Aguardando aprovação → Aguardando envio ao SAT/);
    assert.match(await (await app.waitFor("process-detail")).getText(), new RegExp(`${ADMIN.name} em`));
    await app.screenshot("13-processo-aprovado");
  });

  await t.test("back in the list the process shows its new status", async () => {
    await app.click("process-back");
    await app.waitFor("processes");
    const row = await app.waitUntil(async () => {
      const rows = await app.driver.findElements(By.css(`[data-testid="process-row"][data-client-hash="${HASH}"]`));
      return rows[0] ?? false;
    }, "a linha do processo");
    assert.ok(["AGUARDANDO_ENVIO_SAT", "UPLOAD_REALIZADO"].includes(await row.getAttribute("data-status")));
  });

  await t.test("the SAT upload follows by itself: Enviado ao SAT", async () => {
    await app.waitUntil(
      async () => {
        const rows = await app.driver.findElements(By.css(`[data-testid="process-row"][data-client-hash="${HASH}"]`));
        return rows[0] && (await rows[0].getAttribute("data-status")) === "UPLOAD_REALIZADO";
      },
      "o envio ao SAT concluído",
      120_000,
    );
    await app.screenshot("14-enviado-ao-sat");
  });

  // ---- The approval desk (issue 5) -------------------------------------------------
  const APROVADOR = { name: "Bruna Aprovadora", email: "bruna@beg.com.br", password: "senha-da-aprovadora-1" };
  let fourEyes = null; // {id, client}

  let rejectedId = null;

  async function queueRows() {
    return app.all("queue-row");
  }

  async function inQueue(id) {
    return (await app.driver.findElements(By.css(`[data-testid="queue-row"][data-id="${id}"]`))).length > 0;
  }

  async function selectQueueRow(id) {
    const row = await app.waitUntil(async () => {
      const rows = await app.driver.findElements(By.css(`[data-testid="queue-row"][data-id="${id}"]`));
      return rows[0] ?? false;
    }, `a fatura ${id} na fila`);
    await app.clickElement(await row.findElement(By.css(".queue-row__main")));
    await app.waitUntil(
      async () => (await (await app.waitFor("approval-detail")).getAttribute("data-id")) === id,
      "o detalhe da fatura escolhida",
    );
    // The invoice drawn: until then the preview grows and pushes the buttons and forms
    // below it down, under a click measured before.
    await app.waitUntil(
      async () => ["ready", "error"].includes(await (await app.waitFor("pdf-preview")).getAttribute("data-state")),
      "a prévia da fatura desenhada",
      60_000,
    );
  }

  // Non-white pixels of the canvases pdf.js drew (a blank canvas has none).
  async function inkedPixels() {
    return app.driver.executeScript(`
      let n = 0;
      for (const c of document.querySelectorAll('[data-testid="pdf-preview"] canvas')) {
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        for (let i = 0; i < d.length; i += 4) if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) n++;
      }
      return n;`);
  }

  await t.test("the approval desk lists the waiting invoices and renders the PDF inline", async () => {
    await app.nav("aprovacao", "approval-queue");
    const rows = await app.waitForCount("queue-row", ACTIVE - 1);
    await app.clickElement(rows[0]);
    const preview = await app.waitFor("pdf-preview");
    await app.waitUntil(async () => (await preview.getAttribute("data-state")) === "ready", "a prévia da fatura renderizada", 60_000);
    // The simulator's invoices have one page; pdf.js reports what it drew.
    assert.equal(await preview.getAttribute("data-pages-rendered"), "1");
    const inked = await inkedPixels();
    assert.ok(inked > 2000, `the rendered page has text and lines (${inked} dark pixels)`);
    await app.waitFor("history-chart");
    const detail = await app.waitFor("approval-detail");
    assert.match(await detail.getText(), /R\$ [\d.]+,\d{2}/);
    assert.equal((await app.all("approval-check")).length, 5);
    await app.screenshot("15-aprovacao-previa");
    // O opens the PDF large; Escape closes it.
    await app.driver.executeScript("document.activeElement?.blur()");
    await app.driver.actions().sendKeys("o").perform();
    await app.waitFor("pdf-large");
    await app.waitUntil(
      async () =>
        (await app.driver.findElements(By.css('[data-testid="pdf-preview-large"][data-state="ready"]'))).length > 0,
      "a fatura ampliada desenhada",
      60_000,
    );
    await app.screenshot("16-aprovacao-pdf-ampliado");
    await app.driver.actions().sendKeys("\uE00C").perform();
    await app.waitUntil(async () => !(await app.has("pdf-large")), "a prévia ampliada fechada");
  });

  // Another desktop on the same database changes the invoice on screen. Here it is a
  // second writer on the same SQLite file (Debian's python); a desktop on PostgreSQL is
  // the same path with LISTEN/NOTIFY (crates/brm-store/tests/suite/live.rs).
  await t.test("a change from another desktop reaches the open desk within a second, in place", async (st) => {
    const rows = await app.waitForCount("queue-row", ACTIVE - 1);
    const target = await rows[6].getAttribute("data-id");
    await selectQueueRow(target);
    const list = await app.driver.findElement(By.css(".queue-list"));
    await app.driver.executeScript("arguments[0].scrollTop = 90", list);
    const scrollBefore = await app.driver.executeScript("return arguments[0].scrollTop", list);
    await app.driver.manage().setTimeouts({ script: 15_000 });
    // The writer waits 0.5 s, commits, and prints when it committed (ms since the epoch).
    const writer = spawn("/usr/bin/python3", [
      "-c",
      `import sqlite3, sys, time
time.sleep(0.5)
db = sqlite3.connect(sys.argv[1], timeout=10)
db.execute("UPDATE processes SET amount_cents = 123456, version = version + 1 WHERE id = ?", (sys.argv[2],))
db.commit()
print(int(time.time() * 1000), flush=True)`,
      DB_FILE,
      target,
    ]);
    let out = "";
    writer.stdout.on("data", (d) => (out += d));
    const committed = new Promise((resolve, reject) => {
      writer.on("error", reject);
      writer.on("close", (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`python: ${code}`))));
    });
    // Seen when the detail pane says R$ 1.234,56 (a MutationObserver in the page).
    const seenAt = await app.driver.executeAsyncScript(`
      const done = arguments[arguments.length - 1];
      const shows = () => (document.querySelector('[data-testid="approval-detail"]')?.textContent ?? "").includes("1.234,56");
      const obs = new MutationObserver(() => { if (shows()) { obs.disconnect(); done(Date.now()); } });
      obs.observe(document.body, { subtree: true, childList: true, characterData: true });
      setTimeout(() => { obs.disconnect(); done(null); }, 12000);`);
    const commitAt = await committed;
    assert.ok(seenAt, "the window showed the new amount");
    const latency = seenAt - commitAt;
    st.diagnostic(`another desktop's change on screen after ${latency} ms`);
    console.log(`# live update latency (SQLite, second writer): ${latency} ms`);
    assert.ok(latency < 1000, `shown within 1 s (took ${latency} ms)`);
    assert.equal(await (await app.waitFor("approval-detail")).getAttribute("data-id"), target, "the selection is kept");
    const scrollAfter = await app.driver.executeScript("return arguments[0].scrollTop", list);
    assert.equal(scrollAfter, scrollBefore, "the queue keeps its scroll position");
  });

  await t.test("a rejection needs a reason from the list; the invoice leaves the queue", async () => {
    const [row] = await queueRows();
    const id = await row.getAttribute("data-id");
    await selectQueueRow(id);
    await app.click("btn-rejeitar");
    await app.waitFor("reject-reason-code").catch(async (err) => {
      // What the desk showed instead, for the report.
      await app.screenshot("17-falha-rejeicao").catch(() => {});
      const button = await app.driver.findElement(app.byTestId("btn-rejeitar")).catch(() => null);
      err.message += ` — Rejeitar ${button ? ((await button.isEnabled()) ? "ativo" : "desativado") : "ausente"}`;
      err.message += ` — detalhe: ${(await (await app.waitFor("approval-detail")).getText().catch(() => "?")).slice(0, 600)}`;
      throw err;
    });
    await app.choose("reject-reason-code", "OUTRO");
    await app.click("btn-confirmar-rejeicao");
    // "Outro motivo" needs the text: nothing is sent.
    await app.waitUntil(async () => (await app.all("queue-row")).length === ACTIVE - 1, "a fila inalterada");
    await app.choose("reject-reason-code", "VALOR_DIVERGENTE");
    await app.typeInto("reject-reason-text", "Valor muito acima do contrato");
    await app.screenshot("17-aprovacao-rejeicao");
    await app.click("btn-confirmar-rejeicao");
    await app.waitForText("approval-message", "rejeitada");
    // Gone from the queue (the robot downloads it again later: rejected means "wrong
    // invoice, fetch it again", so it is matched by id, not by the queue's length).
    await app.waitUntil(async () => !(await inQueue(id)), "a fatura rejeitada fora da fila");
    rejectedId = id;
  });

  await t.test("the administrator asks for four eyes when a check fails", async () => {
    await app.nav("config", "settings");
    const box = await app.waitFor("settings-four-eyes");
    if (!(await box.isSelected())) await app.clickElement(box);
    await app.click("btn-salvar-aprovacao");
    await app.waitForText("banner-info", "salv");
  });

  await t.test("four eyes: the first approval is recorded, the same person is blocked", async () => {
    await app.nav("aprovacao", "approval-queue");
    const rows = await app.waitUntil(async () => {
      const all = await queueRows();
      return all.length >= ACTIVE - 2 ? all : false;
    }, "a fila de aprovação");
    let row = rows[0];
    if ((await row.getAttribute("data-id")) === rejectedId) row = rows[1];
    fourEyes = { id: await row.getAttribute("data-id"), client: await row.getAttribute("data-client") };
    await selectQueueRow(fourEyes.id);
    // A first month has no earlier amounts: the variation check has no data, so the
    // invoice did not pass every check and needs two approvers.
    await app.typeInto("approval-notes", "Conferido com o contrato");
    await app.click("btn-aprovar");
    await app.waitForText("approval-message", "Primeira aprovação registrada");
    await app.waitForText("blocked-reason", `diferente de ${ADMIN.name}`);
    const approve = await app.driver.findElements(app.byTestId("btn-aprovar"));
    assert.ok(approve.length === 0 || !(await approve[0].isEnabled()), "no second approval by the same person");
    // The keyboard path is blocked too.
    await app.driver.executeScript("document.activeElement?.blur()");
    await app.driver.actions().sendKeys("a").perform();
    await app.driver.sleep(1000);
    assert.ok(await inQueue(fourEyes.id), "still waiting for the second approval");
    await app.screenshot("18-aprovacao-quatro-olhos");
  });

  await t.test("a second approver completes it; the SAT upload follows", async () => {
    await createUser(APROVADOR, "APROVADOR");
    await app.click("logout");
    await app.login(APROVADOR.email, APROVADOR.password);
    await app.nav("aprovacao", "approval-queue");
    await selectQueueRow(fourEyes.id);
    await app.click("btn-aprovar");
    await app.waitForText("approval-message", "aprovada");
    await app.waitUntil(async () => !(await inQueue(fourEyes.id)), "a fatura aprovada fora da fila");
    await app.click("logout");
    await app.login(ADMIN.email, ADMIN.password);
  });

  // The Painel opens on the current month; the test's month is last month, picked the
  // way a person would.
  async function dashboardOf(month) {
    await app.nav("painel", "dashboard");
    await chooseMonth(app, "dash-month", month);
  }

  await t.test("the dashboard shows both approved invoices sent to SAT", async () => {
    await dashboardOf(MONTH);
    await app.waitUntil(
      async () => (await (await app.waitFor("dash-count-UPLOAD_REALIZADO")).getText()).trim() === "2",
      "2 faturas enviadas ao SAT no painel",
      120_000,
    );
    const matrix = await app.waitFor("month-matrix");
    assert.match(await matrix.getText(), /VIVO|Vivo/);
    await app.screenshot("19-painel-concluidas");
    // A number is a link to the list behind it.
    await app.click("dash-count-UPLOAD_REALIZADO");
    await app.waitFor("processes");
    await app.waitForCount("process-row", 2);
  });

  await t.test("a list exports what it shows to XLSX and CSV", async () => {
    await app.nav("processos", "processes");
    await app.waitFor("process-row");
    for (const [button, magic] of [
      ["btn-export-xlsx", "PK"],
      ["btn-export-csv", "\ufeff"],
    ]) {
      await app.click(button);
      const status = await app.waitUntil(async () => {
        const text = await (await app.waitFor("export-status")).getText();
        return /Exportado: .*\.(xlsx|csv)/.test(text) && text.includes(button.endsWith("xlsx") ? ".xlsx" : ".csv") ? text : false;
      }, "a exportação concluída");
      const file = status.replace(/^.* em /, "").trim();
      assert.ok(fs.existsSync(file), `the file ${file} exists`);
      const head = fs.readFileSync(file).subarray(0, 3).toString("utf8");
      assert.ok(head.startsWith(magic), `${file} starts like its format`);
      assert.match(status, /\(\d+ linhas?\)/);
      if (button === "btn-export-csv") {
        const csv = fs.readFileSync(file, "utf8");
        assert.match(csv.split("\r\n")[0], /Cliente/);
        assert.ok(!csv.includes("senha-ficticia"), "no portal password in an export");
      }
    }
    await app.screenshot("20-processos-exportados");
  });

  await t.test("every main screen, light and dark", async () => {
    const screens = [
      ["painel", "dashboard"],
      ["aprovacao", "approval-queue"],
      ["processos", "processes"],
      ["execucoes", "executions"],
      ["clientes", "clients"],
      ["importar", "import"],
      ["operadoras", "operators"],
      ["usuarios", "users"],
      ["config", "settings"],
    ];
    for (const theme of ["light", "dark"]) {
      await app.choose("theme-toggle", theme);
      await app.waitUntil(
        async () => (await app.driver.executeScript("return document.documentElement.dataset.theme")) === theme,
        `o tema ${theme}`,
      );
      for (const [tab, id] of screens) {
        if (tab === "painel") await dashboardOf(MONTH);
        else await app.nav(tab, id);
        if (tab === "aprovacao") {
          await app.waitUntil(
            async () => (await (await app.waitFor("pdf-preview")).getAttribute("data-state")) === "ready",
            "a prévia da fatura",
            60_000,
          );
        }
        await app.driver.sleep(400); // charts animate in
        await app.screenshot(`tela-${tab}-${theme === "light" ? "claro" : "escuro"}`);
      }
    }
  });

  await t.test("every main screen fits 1024x640 without sideways scrolling", async (st) => {
    await app.choose("theme-toggle", "auto");
    await app.driver.manage().window().setRect({ width: 1024, height: 640 });
    const { w, h } = await app.driver.executeScript("return { w: window.innerWidth, h: window.innerHeight }");
    st.diagnostic(`viewport ${w}x${h}`);
    assert.ok(w <= 1024 && w >= 1000, `the window is 1024 wide (viewport ${w})`);
    for (const [tab, id] of [
      ["painel", "dashboard"],
      ["aprovacao", "approval-queue"],
      ["processos", "processes"],
      ["execucoes", "executions"],
      ["clientes", "clients"],
      ["importar", "import"],
      ["operadoras", "operators"],
      ["usuarios", "users"],
      ["config", "settings"],
    ]) {
      if (tab === "painel") await dashboardOf(MONTH);
      else await app.nav(tab, id);
      await app.driver.sleep(400);
      // How much wider than the window the page is, and which elements stick out.
      const [overflow, culprits] = await app.driver.executeScript(`
        const w = document.documentElement.clientWidth;
        const out = [];
        for (const el of document.querySelectorAll("body *")) {
          const r = el.getBoundingClientRect();
          if (r.right > w + 1 && out.length < 5) out.push(el.tagName.toLowerCase() + "." + el.className + " (" + Math.round(r.right) + "px)");
        }
        return [document.documentElement.scrollWidth - w, out];`);
      await app.screenshot(`tela-${tab}-1024x640`);
      assert.ok(overflow <= 0, `${tab}: ${overflow}px wider than the window: ${culprits.join(", ")}`);
    }
  });
});
