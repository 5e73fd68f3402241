// Schedules (issue 7) through the real window: Configurações → Agendamentos, the
// "Criar processos do mês" schedule the worker seeds at start changed to a daily preset
// (at :15, 12 hours from now); the editor previews five runs one day apart in Brasília
// time; saved, the list shows the new next run; a bad advanced expression shows the pt-BR
// error and the save is refused; the change is in the audit trail of the SQLite file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { By } from "selenium-webdriver";
import { sql, startApp } from "../lib/app.js";
import { brasiliaHourFromNow } from "../lib/today.js";

const ADMIN = { name: "Ana Administradora", email: "ana@beg.com.br", password: "senha-muito-segura-1" };
const SEEDED = "Criar processos do mês";
const HOUR_ERROR = 'O campo hora aceita de 0 a 23; "25" está fora desse intervalo.';
const DAY_MS = 24 * 3600 * 1000;
// The daily preset's hour: 12 hours from now in Brasília, never a fixed one, so the new
// schedule's next run cannot pass (and move) while the file compares it.
const HOUR = brasiliaHourFromNow(12);
const HH = String(HOUR).padStart(2, "0");
const CRON = `15 ${HOUR} * * *`;
const DESCRIPTION = `Todo dia às ${HH}:15`;


test("schedules: daily preset with its preview, saved and audited; a bad expression refused", async (t) => {
  const app = await startApp();
  t.after(() => app.quit().catch(() => {}));

  // The seeded schedule's row (the worker writes the defaults when it starts).
  async function seededRow() {
    return app.waitUntil(async () => {
      const rows = await app.driver.findElements(By.css(`[data-testid="schedule-row"][data-name="${SEEDED}"]`));
      if (rows[0]) return rows[0];
      // Not written yet when the list was read: open the screen again.
      await app.nav("painel", "dashboard");
      await app.nav("config", "settings");
      return false;
    }, `o agendamento ${SEEDED}`);
  }

  // Chooses an option by its text. (Preact leaves out the value attribute of an <option>
  // whose text already equals it, "15" of 00–59, so app.choose's option[value] misses it.)
  async function chooseText(testId, text) {
    const select = await app.waitFor(testId);
    const option = await app.waitUntil(async () => {
      const found = await select.findElements(By.xpath(`.//option[normalize-space()="${text}"]`));
      return found[0] ?? false;
    }, `a opção ${text} em ${testId}`);
    await option.click();
  }

  async function previewRuns() {
    return app.waitUntil(async () => {
      const runs = await app.all("cron-preview-run");
      if (runs.length !== 5) return false;
      return Promise.all(runs.map(async (r) => ({ at: await r.getAttribute("data-at"), text: await r.getText() })));
    }, "cinco execuções na prévia");
  }

  await t.test("first run and login", async () => {
    await app.firstRun(ADMIN);
  });

  let firstRun;
  await t.test("Configurações → Agendamentos lists the seeded schedule", async () => {
    await app.nav("config", "settings");
    await app.waitForText("schedules", "Agendamentos");
    const row = await seededRow();
    assert.match(await row.getText(), /Dia 1 de cada mês às 06:00/);
    await app.screenshot("agendamentos-01-lista");
  });

  await t.test(`a daily preset at ${HH}:15 previews five runs one day apart`, async () => {
    await app.clickElement(await (await seededRow()).findElement(By.css('[data-testid="schedule-edit"]')));
    await app.waitFor("schedule-form");
    await app.click("cron-mode-diario");
    await chooseText("cron-hour", HH);
    await chooseText("cron-minute", "15");
    await app.waitForText("cron-expression", CRON);
    await app.waitForText("cron-description", DESCRIPTION);
    let runs;
    await app.waitUntil(async () => {
      runs = await previewRuns();
      return runs.every((r) => r.at.endsWith(`T${HH}:15:00-03:00`));
    }, "a prévia do novo horário");
    const times = runs.map((r) => Date.parse(r.at));
    for (let i = 1; i < times.length; i++) assert.equal(times[i] - times[i - 1], DAY_MS, `${runs[i - 1].at} → ${runs[i].at}`);
    for (const r of runs) assert.match(r.text, new RegExp(`^\\d{2}/\\d{2}/\\d{4} ${HH}:15 \\(.+\\)$`));
    firstRun = runs[0].text.slice(0, 16);
    await app.screenshot("agendamentos-02-previa");
  });

  await t.test("saved, the list shows the new next run", async () => {
    await app.click("schedule-save");
    await app.waitUntil(async () => !(await app.has("schedule-form")), "o formulário fechar");
    await app.waitUntil(async () => {
      const row = await seededRow();
      const next = await row.findElement(By.css('[data-testid="schedule-next"]'));
      const desc = await row.findElement(By.css('[data-testid="schedule-description"]'));
      return (await next.getText()) === firstRun && (await desc.getText()) === DESCRIPTION;
    }, `a próxima execução ${firstRun}`);
    const [s] = sql("SELECT cron, version, next_run_at FROM schedules WHERE name = ?", SEEDED);
    assert.equal(s.cron, CRON);
    assert.ok(s.next_run_at, "next_run_at computed");
    await app.screenshot("agendamentos-03-salvo");
  });

  await t.test("a bad advanced expression shows the pt-BR error and is not saved", async () => {
    const before = sql("SELECT cron, version FROM schedules WHERE name = ?", SEEDED)[0];
    await app.clickElement(await (await seededRow()).findElement(By.css('[data-testid="schedule-edit"]')));
    await app.waitFor("schedule-form");
    await app.click("cron-mode-avancado");
    await app.typeInto("cron-field-hour", "25");
    await app.waitForText("cron-error", HOUR_ERROR);
    await app.click("schedule-save");
    await app.waitForText("cron-error", HOUR_ERROR);
    assert.ok(await app.has("schedule-form"), "the dialog stays open");
    assert.deepEqual(sql("SELECT cron, version FROM schedules WHERE name = ?", SEEDED)[0], before);
    await app.screenshot("agendamentos-04-expressao-invalida");
    await app.click("schedule-cancel");
  });

  await t.test("the change is in the audit trail", async () => {
    const rows = sql("SELECT actor_name, detail, before_json, after_json FROM audit_events WHERE entity = 'agendamento' AND action = 'ALTERAR'");
    assert.equal(rows.length, 1, JSON.stringify(rows));
    assert.equal(rows[0].actor_name, ADMIN.name);
    assert.equal(rows[0].detail, `${SEEDED}: cron 0 6 1 * * → ${CRON}; ativo sim → sim`);
    assert.equal(JSON.parse(rows[0].after_json).cron, CRON);
  });
});
