// e2e-env: BRM_SIM_FAULTS={"wrong_month_rate":1,"wrong_account_rate":1}
// The invoice must be the one the process asks for (issue 18), through the real window.
// The bundled robot is told (its faults, above) to serve the month before the one asked
// for, of another client, as a portal that still shows last month's invoice, or another
// account's, would. The approval
// queue then shows "Mês, CNPJ e conta" failed with what the invoice says and what the
// process expects, and "Aprovar selecionadas" leaves the invoice out; a person who looked
// can still approve it on its own. (clients-processes.test.js shows a right invoice
// passing the same check.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { holdMonthlySchedule, sql, startApp } from "../lib/app.js";
import { vivoSheet } from "../lib/sheet.js";
import { monthFromToday, monthLabel } from "../lib/today.js";
import { chooseMonth } from "../lib/monthPicker.js";

const ADMIN = { name: "Ana Administradora", email: "ana@beg.com.br", password: "senha-muito-segura-1" };
const MONTH = monthFromToday(-1);

test("an invoice of another month and client is flagged before approval", async (t) => {
  const app = await startApp();
  t.after(() => app?.quit().catch(() => {}));

  await t.test("first run, one operator, two clients, the month's invoices arrive", async () => {
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
    await (await app.waitFor("import-file")).sendKeys(vivoSheet(2));
    await app.waitForCount("import-create-row", 2);
    await app.click("import-commit");
    await app.waitForText("banner-info", "2 criados");
    await app.nav("processos", "processes");
    await chooseMonth(app, "month-input", MONTH);
    await app.click("create-month");
    await app.waitForText("banner-info", "2 processos criados");
    await app.waitUntil(
      async () => sql("SELECT COUNT(*) AS n FROM processes WHERE status = 'AGUARDANDO_APROVACAO'")[0].n === 2,
      "as duas faturas baixadas",
      120_000,
    );
  });

  await t.test("the queue flags both with what the invoice says and what the process expects", async () => {
    await app.nav("aprovacao", "approval-queue");
    const rows = await app.waitForCount("queue-row", 2);
    for (const r of rows) {
      // The row's summary counts what asks for a look (no history yet, and the month).
      assert.match(await (await r.findElement({ css: '[data-testid="queue-row-checks"]' })).getText(), /verificaç(ão|ões) ped/);
    }
    await rows[0].click();
    await app.waitFor("approval-detail");
    const check = await app.waitUntil(async () => {
      for (const c of await app.all("approval-check")) {
        if ((await c.getAttribute("data-kind")) === "IDENTIDADE_FATURA") return c;
      }
      return false;
    }, "a verificação Mês, CNPJ e conta");
    assert.equal(await check.getAttribute("data-outcome"), "FALHOU");
    const text = await check.getText();
    assert.match(text, /Mês, CNPJ e conta/);
    const previous = monthLabel(monthFromToday(-2));
    assert.ok(text.includes(`Fatura de outro mês: a fatura é de ${previous}, o processo é de ${monthLabel(MONTH)}`), text);
    assert.ok(text.includes("Fatura de outro CNPJ: a fatura mostra 11.222.333/0001-81, o cliente é "), text);
    await app.screenshot("01-fatura-de-outro-mes");
  });

  await t.test("Aprovar selecionadas leaves them out, with the reason", async () => {
    for (const box of await app.all("queue-row-check")) await box.click();
    await app.click("btn-aprovar-selecionadas");
    const result = await app.waitFor("bulk-result");
    await app.waitForText("bulk-approved", "0 faturas aprovadas");
    const skipped = await app.all("bulk-skipped");
    assert.equal(skipped.length, 2);
    for (const s of skipped) assert.match(await s.getText(), /individualmente|verificações/);
    assert.equal(sql("SELECT COUNT(*) AS n FROM processes WHERE status = 'AGUARDANDO_APROVACAO'")[0].n, 2);
    await app.screenshot("02-lote-sem-as-faturas");
    assert.ok(result);
  });
});
