// Starts and drives the real application through tauri-driver (WebDriver on :4444).
// The environment (HOME, XDG_*) was set by scripts/e2e.sh when it started tauri-driver,
// so every session of one run shares the same app-data folder: a restart finds the data.
import { Builder, By, until } from "selenium-webdriver";
import fs from "node:fs/promises";
import path from "node:path";

export const DRIVER_URL = process.env.BRM_WEBDRIVER_URL ?? "http://127.0.0.1:4444/";
export const APP = process.env.BRM_APP_BINARY;
export const OUT = process.env.BRM_TEST_OUTPUT ?? path.resolve("../test-output/e2e");
const WAIT_MS = 30_000;

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
    const el = await this.driver.wait(until.elementLocated(this.byTestId(testId)), WAIT_MS, `esperava ${testId}`);
    await this.driver.wait(until.elementIsVisible(el), WAIT_MS);
    return el;
  }

  async waitForText(testId, text) {
    const el = await this.waitFor(testId);
    await this.driver.wait(async () => (await el.getText()).includes(text), WAIT_MS, `esperava "${text}" em ${testId}`);
    return el;
  }

  async has(testId) {
    return (await this.driver.findElements(this.byTestId(testId))).length > 0;
  }

  // Clears a field with keystrokes (React ignores a DOM-level clear) and types the value.
  async type(name, value) {
    const el = await this.driver.findElement(By.css(`[name="${name}"]`));
    const current = await el.getAttribute("value");
    await el.click();
    if (current) await el.sendKeys(...Array(current.length).fill("\uE003")); // backspace
    if (value) await el.sendKeys(value);
  }

  async click(testId) {
    await (await this.waitFor(testId)).click();
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
