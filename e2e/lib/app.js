// Starts and drives the real application through tauri-driver (WebDriver on :4444).
// The environment (HOME, XDG_*, the D-Bus session with its keyring) was set by
// scripts/e2e.sh for this test file when it started tauri-driver, so every session of
// one file shares the same app-data folder: a restart finds the data.
import { Builder, By, until } from "selenium-webdriver";
import fs from "node:fs/promises";
import path from "node:path";
import { spawnSync } from "node:child_process";

export const DRIVER_URL = process.env.BRM_WEBDRIVER_URL ?? "http://127.0.0.1:4444/";
export const APP = process.env.BRM_APP_BINARY;
export const OUT = process.env.BRM_TEST_OUTPUT ?? path.resolve("../test-output/e2e");
// The embedded database: src-tauri/src/paths.rs puts it in Tauri's app-data folder,
// which on Linux is $XDG_DATA_HOME/<identifier>.
export const DB_FILE = path.join(process.env.XDG_DATA_HOME ?? "", "br.com.brmsolutions.rpadesk", "brm-desk.sqlite3");
const WAIT_MS = 30_000;

// Rows of a query on the app's SQLite file, read the way another program would (Debian's
// python3 and its sqlite3 module), with `?` parameters. Commits, so a test may also write.
export function sql(query, ...params) {
  const code = `
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=10)
c.row_factory = sqlite3.Row
rows = [dict(r) for r in c.execute(sys.argv[2], json.loads(sys.argv[3]))]
c.commit()
print(json.dumps(rows, ensure_ascii=False))`;
  const r = spawnSync("/usr/bin/python3", ["-c", code, DB_FILE, query, JSON.stringify(params)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`sqlite: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// The installation's "Criar processos do mês" schedule (1st of the month, 06:00 in
// Brasília) switched off, for files that count the processes they make: a run that
// happened to straddle that minute would otherwise find a whole extra month. The worker
// seeds it at start-up and reads the schedules from the database on every cycle.
export async function holdMonthlySchedule() {
  const count = (active) =>
    sql(`SELECT COUNT(*) AS n FROM schedules WHERE kind = 'CRIAR_PROCESSOS_MENSAIS'${active ? " AND active = 1" : ""}`)[0].n;
  for (const end = Date.now() + WAIT_MS; count(false) === 0; await new Promise((r) => setTimeout(r, 200))) {
    if (Date.now() > end) throw new Error("o agendamento mensal padrão não apareceu no banco");
  }
  sql("UPDATE schedules SET active = 0 WHERE kind = 'CRIAR_PROCESSOS_MENSAIS'");
  if (count(true) !== 0) throw new Error("o agendamento mensal continua ativo");
}

export async function startApp() {
  if (!APP) throw new Error("BRM_APP_BINARY is not set: run through scripts/e2e.sh");
  const driver = await new Builder()
    .usingServer(DRIVER_URL)
    .withCapabilities({ browserName: "wry", "tauri:options": { application: APP } })
    .build();
  return new Page(driver);
}

export class Page {
  constructor(driver) {
    this.driver = driver;
  }

  byTestId(id) {
    return By.css(`[data-testid="${id}"]`);
  }

  async waitFor(testId) {
    return this.explained(async () => {
      const el = await this.driver.wait(until.elementLocated(this.byTestId(testId)), WAIT_MS, `esperava ${testId}`);
      await this.driver.wait(until.elementIsVisible(el), WAIT_MS);
      return el;
    });
  }

  // What the window shows, for a failed wait's message: a wait that times out because
  // the desk is gone (a reload, a crashed web process, the login screen) says so.
  async describe() {
    try {
      return await this.driver.executeScript(`
        const ids = [...document.querySelectorAll("[data-testid]")].slice(0, 12).map((e) => e.dataset.testid);
        const text = (document.body?.innerText ?? "").replace(/\\s+/g, " ").trim().slice(0, 240);
        return location.href + " · " + document.readyState + " · testids: " + ids.join(",") + " · texto: " + text;`);
    } catch (err) {
      return `a janela não respondeu (${err.name}: ${err.message.split("\n")[0]})`;
    }
  }

  async explained(wait) {
    try {
      return await wait();
    } catch (err) {
      if (err?.name === "TimeoutError") err.message += ` — a janela mostrava: ${await this.describe()}`;
      throw err;
    }
  }

  async waitForText(testId, text) {
    const el = await this.waitFor(testId);
    await this.explained(() =>
      this.driver.wait(async () => (await el.getText()).includes(text), WAIT_MS, `esperava "${text}" em ${testId}`),
    );
    return el;
  }

  async has(testId) {
    return (await this.driver.findElements(this.byTestId(testId))).length > 0;
  }

  async all(testId) {
    return this.driver.findElements(this.byTestId(testId));
  }

  // Polls until `check` returns something truthy (and returns it); `what` names the wait.
  // `ms`: longer waits, for the robot's work.
  async waitUntil(check, what, ms = WAIT_MS) {
    return this.explained(() =>
      this.driver.wait(async () => {
        try {
          return await check();
        } catch {
          return false; // an element replaced by a re-render: ask again
        }
      }, ms, `esperava ${what}`),
    );
  }

  // Waits until exactly `n` elements carry the test id, and returns them.
  async waitForCount(testId, n) {
    let last = -1;
    try {
      return await this.waitUntil(async () => {
        const els = await this.all(testId);
        last = els.length;
        return els.length === n ? els : false;
      }, `${n} × ${testId}`);
    } catch (err) {
      err.message += ` (havia ${last})`;
      throw err;
    }
  }

  // The first-run screen of a fresh data folder: creates the administrator, then logs in.
  async firstRun({ name, email, password }) {
    await this.waitFor("first-run");
    const fields = { full_name: name, email, password, password_confirmation: password };
    // Twice: the second pass finds each field as typed, or mends one that caught
    // keystrokes meant for another.
    for (let pass = 0; pass < 2; pass++) {
      for (const [field, value] of Object.entries(fields)) await this.type(field, value);
    }
    await this.click("create-admin");
    await this.waitForText("login", "Administrador criado");
    await this.login(email, password);
  }

  // Logs in from the login screen and waits for the desk, which opens on Processos.
  async login(email, password) {
    await this.waitFor("login");
    for (let pass = 0; pass < 2; pass++) {
      await this.type("email", email);
      await this.type("password", password);
    }
    await this.click("login-submit");
    await this.waitFor("who");
    // The desk opens on the dashboard (Painel).
    await this.waitFor("dashboard");
  }

  // Chooses an option of the <select> with this test id by its value.
  async choose(testId, value) {
    const select = await this.waitFor(testId);
    // Options may arrive after the select (loaded from Rust).
    const option = await this.waitUntil(async () => {
      const found = await select.findElements(By.css(`option[value="${value}"]`));
      return found[0] ?? false;
    }, `a opção ${value} em ${testId}`);
    await option.click();
  }

  // Opens a tab of the desk (nav-processos, nav-operadoras, ...) and waits for its screen.
  async nav(tab, screenTestId) {
    await this.click(`nav-${tab}`);
    return this.waitFor(screenTestId);
  }

  // Clears a field with keystrokes (Preact ignores a DOM-level clear) and types the
  // value, then checks the field holds exactly that: a keystroke that went elsewhere (the
  // focus moved while typing) is typed again instead of failing a later, unrelated step.
  async type(name, value) {
    await this.typeIn(await this.driver.findElement(By.css(`[name="${name}"]`)), value, name);
  }

  // Types into the element with this test id (search boxes have no name).
  async typeInto(testId, value) {
    const el = await this.waitFor(testId);
    await this.typeIn(el, value, testId);
    return el;
  }

  async typeIn(el, value, what) {
    for (let attempt = 1; ; attempt++) {
      const current = (await el.getAttribute("value")) ?? "";
      if (current === (value ?? "")) return;
      if (attempt > 3) {
        throw new Error(`o campo ${what} ficou com ${current.length} caracteres em vez de ${(value ?? "").length}`);
      }
      // Where the field is once it stopped moving: a click at coordinates measured before
      // a shift (a PDF preview drawn above) lands on whatever moved there, such as a
      // decision button.
      await this.clickElement(el);
      // The click puts the caret where it landed (mid-text in a long value): End first,
      // then one backspace per character.
      if (current) await el.sendKeys("\uE010", ...Array(current.length).fill("\uE003"));
      if (value) await el.sendKeys(value);
    }
  }

  // Clicks where the element is once it has stopped moving. Screens whose parts load one
  // after another (Configurações, the approval detail) push a button down while it is
  // being clicked; WebDriver clicks at the coordinates it measured, so on a busy machine
  // the click landed on whatever moved there, and the step waited for nothing.
  async click(testId) {
    await this.clickElement(await this.waitFor(testId));
  }

  // The same for an element found another way (a row, a button inside a row).
  async clickElement(el) {
    await this.untilStill(el);
    await el.click();
  }

  // Waits until `el`, scrolled to the middle of the window, keeps the same place and
  // size across three looks 100 ms apart (10 s at most: a spinner may never stop).
  async untilStill(el) {
    const rect = () =>
      this.driver.executeScript(
        `const r = arguments[0].getBoundingClientRect();
         return [r.x, r.y, r.width, r.height].map(Math.round).join(",");`,
        el,
      );
    await this.driver.executeScript("arguments[0].scrollIntoView({ block: 'center', inline: 'nearest' })", el);
    let last = await rect();
    let same = 0;
    for (const end = Date.now() + 10_000; same < 2 && Date.now() < end; ) {
      await new Promise((r) => setTimeout(r, 100));
      const now = await rect();
      same = now === last ? same + 1 : 0;
      last = now;
    }
  }

  async setCheckbox(name, checked) {
    const el = await this.driver.findElement(By.css(`[name="${name}"]`));
    if ((await el.isSelected()) !== checked) await el.click();
  }

  async operatorCodes() {
    const rows = await this.driver.findElements(this.byTestId("operator-row"));
    return Promise.all(rows.map((r) => r.getAttribute("data-code")));
  }

  async screenshot(name) {
    await fs.mkdir(OUT, { recursive: true });
    const png = await this.driver.takeScreenshot();
    const file = path.join(OUT, `${name}.png`);
    await fs.writeFile(file, png, "base64");
    return file;
  }

  async quit() {
    await this.driver.quit();
  }
}
