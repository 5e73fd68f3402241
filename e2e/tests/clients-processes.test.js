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
import { By } from "selenium-webdriver";
import { startApp } from "../lib/app.js";

const ADMIN = { name: "Ana Administradora", email: "ana@beg.com.br", password: "senha-muito-segura-1" };
const OPERADOR = { name: "Otávio Operador", email: "otavio@beg.com.br", password: "senha-do-operador-1" };
const OPERATORS = [
  { name: "Vivo", code: "VIVO" },
  { name: "Oi", code: "OI" },
  { name: "Embratel", code: "EMBRATEL" },
  { name: "DigitalNet", code: "DIGITALNET" },
];
const MONTH = "2026-11";
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

  async function openProcessOf(hash) {
    await app.waitFor("processes");
    const row = await app.waitUntil(async () => {
      const rows = await app.driver.findElements(By.css(`[data-testid="process-row"][data-client-hash="${hash}"]`));
      return rows[0] ?? false;
    }, `o processo do cliente ${hash}`);
    const open = await row.findElement(By.css('[data-testid^="open-process-"]'));
    const id = (await open.getAttribute("data-testid")).replace("open-process-", "");
    await open.click();
    await app.waitFor("process-detail");
    await app.waitFor("process-status");
    return id;
  }

  await t.test("first run: the administrator is created and logs in", async () => {
    await app.waitFor("first-run");
    await app.type("full_name", ADMIN.name);
    await app.type("email", ADMIN.email);
    await app.type("password", ADMIN.password);
    await app.type("password_confirmation", ADMIN.password);
    await app.click("create-admin");
    await app.waitForText("login", "Administrador criado");
    await app.login(ADMIN.email, ADMIN.password);
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
    const month = await app.waitFor("month-input");
    // type=month: WebKitGTK draws a month/year editor ("Nov 2026" in this locale):
    // focusing it selects the month, the right arrow moves to the year. (It opens on the
    // current month; checked with 2027-03 too, so the keys do move it.) Should another
    // WebKit lay the fields out differently, the script sets the value the picker would,
    // and the run says so.
    await month.sendKeys(MONTH.slice(5), "\uE014", MONTH.slice(0, 4));
    if ((await month.getAttribute("value")) !== MONTH) {
      await app.screenshot("08a-mes-digitado-recusado");
      st.diagnostic(`month-input ignored the keys (value ${JSON.stringify(await month.getAttribute("value"))}); value set by script`);
      await app.driver.executeScript(
        "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', { bubbles: true }));",
        month,
        MONTH,
      );
    }
    assert.equal(await month.getAttribute("value"), MONTH);
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
    await app.nav("usuarios", "users");
    await app.click("new-user");
    await app.waitFor("user-form");
    await app.type("full_name", OPERADOR.name);
    await app.type("email", OPERADOR.email);
    await choose("role", "OPERADOR");
    await app.type("password", OPERADOR.password);
    await app.type("password_confirmation", OPERADOR.password);
    await app.click("save-user");
    await app.waitForText("banner-info", `Usuário ${OPERADOR.name} criado.`);
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
    // from its text, and the four checks shown before deciding.
    await app.waitForText("amount-source", "linha digitável");
    await app.waitForText("due-date-source", "texto da fatura");
    const checks = await app.waitForCount("approval-check", 4);
    const kinds = await Promise.all(checks.map((c) => c.getAttribute("data-kind")));
    assert.deepEqual(kinds, ["VARIACAO_VALOR", "POSSIVEL_DUPLICATA", "VENCIMENTO", "LINHA_DIGITAVEL"]);
    assert.equal(await checks[3].getAttribute("data-outcome"), "OK", "a valid payment line");
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
});
