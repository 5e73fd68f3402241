// Configurações (issue 7): the robot's address and token through the real app, the real
// SQLite file and the real (throw-away) GNOME Keyring of this file's D-Bus session. The
// token is write-only: after a reload its field is empty and says "definido", while the
// keyring holds it and the audit trail records the change without it. An invalid address
// gets the pt-BR message under its field. The theme chosen in "Este computador" applies
// data-theme at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { sql, startApp } from "../lib/app.js";

const ADMIN = { name: "Ana Administradora", email: "ana@beg.com.br", password: "senha-muito-segura-1" };
const TOKEN = "token-e2e-do-robo-0123456789";
const URL = "https://robos.beg.example";


// The keyring entry as the app stores it (keyring crate: service + username).
function keyring(name) {
  const r = spawnSync("secret-tool", ["lookup", "service", "br.com.brmsolutions.rpadesk", "username", name], { encoding: "utf8" });
  // A missing secret-tool is the machine's fault, not "no entry" (scripts/setup.sh
  // installs it; scripts/check-test-tools.sh names its package).
  if (r.error) throw new Error(`secret-tool não pôde ser executado (pacote Debian libsecret-tools): ${r.error.message}`);
  return r.status === 0 ? r.stdout.trim() : null;
}

test("robot settings: token write-only, in the keyring, audited; bad URL refused; theme applies", async (t) => {
  const app = await startApp();
  t.after(() => app.quit().catch(() => {}));

  await t.test("first administrator and the settings screen", async () => {
    await app.firstRun(ADMIN);
    await app.nav("config", "settings");
    await app.waitForText("robot-token-state", "não definido");
    await app.waitForText("robot-mode", "simulador");
  });

  await t.test("an invalid address gets the pt-BR message and saves nothing", async () => {
    await app.typeInto("robot-url", "robos.beg.example");
    await app.click("robot-save");
    await app.waitForText("error-robot_url", "http:// ou https://");
    const rows = sql("SELECT value_json FROM settings WHERE key = 'robo.url'");
    assert.equal(rows.length, 0);
  });

  await t.test("address and token saved: keyring has the token, the audit trail does not", async () => {
    await app.typeInto("robot-url", URL);
    await app.typeInto("robot-token", TOKEN);
    await app.click("robot-save");
    await app.waitForText("robot-restart", "próxima abertura");
    assert.ok(await app.has("robot-restart-restart"), "Reiniciar agora offered");
    assert.equal(keyring("robo-token"), TOKEN);
    const url = sql("SELECT value_json FROM settings WHERE key = 'robo.url'");
    assert.deepEqual(JSON.parse(url[0].value_json), URL);
    const audit = sql("SELECT action, detail, before_json, after_json FROM audit_events WHERE entity = 'configuracao'");
    const details = audit.map((r) => r.detail);
    assert.ok(details.includes("Token do robô definido"), JSON.stringify(details));
    assert.ok(details.includes(`Endereço do robô alterado para ${URL}`), JSON.stringify(details));
    assert.ok(!JSON.stringify(audit).includes(TOKEN), "token in the audit trail");
    await app.screenshot("robo-salvo");
  });

  await t.test("after a reload the token field is empty and says definido", async () => {
    // Leave and log in again: the screen is built anew from what Rust answers.
    await app.click("logout");
    await app.login(ADMIN.email, ADMIN.password);
    await app.nav("config", "settings");
    await app.waitForText("robot-token-state", "definido (guardado no chaveiro");
    const field = await app.waitFor("robot-token");
    assert.equal(await field.getAttribute("value"), "");
    assert.equal(await field.getAttribute("type"), "password");
    assert.equal(await (await app.waitFor("robot-url")).getAttribute("value"), URL);
    const page = await app.driver.getPageSource();
    assert.ok(!page.includes(TOKEN), "token in the page");
  });

  await t.test("Máquinas robô: this computer is the approved robot machine; its identity exports under a passphrase", async () => {
    // The embedded default: the worker made this computer's key pair in the keyring at
    // start and registered it, approved.
    await app.waitForText("robot-machine-status", "Aprovada");
    const row = await (await app.waitFor("robot-machine")).getText();
    assert.ok(row.includes("(este computador)"), row);
    const secret = keyring("robo-identidade");
    assert.ok(secret?.startsWith("AGE-SECRET-KEY-1"), "identity in the keyring");
    const [machine] = sql("SELECT status, fingerprint, public_key FROM robot_machines");
    assert.equal(machine.status, "APROVADA");
    const fp = await (await app.waitFor("robot-machine-fingerprint")).getText();
    assert.equal(fp.replaceAll(" ", ""), machine.fingerprint);
    // A short passphrase: refused in pt-BR, nothing written.
    await app.typeInto("export-passphrase", "curta");
    await app.typeInto("export-passphrase-again", "curta");
    await app.click("export-identity");
    await app.waitForText("robot-machines-error", "pelo menos 12");
    const phrase = "cavalo correto bateria grampo";
    await app.typeInto("export-passphrase", phrase);
    await app.typeInto("export-passphrase-again", phrase);
    await app.click("export-identity");
    await app.waitForText("robot-machines-notice", "Identidade exportada em");
    const notice = await (await app.waitFor("robot-machines-notice")).getText();
    const file = notice.match(/em (\/\S+\.age)/)[1];
    const text = fs.readFileSync(file, "utf8");
    assert.ok(text.startsWith("-----BEGIN AGE ENCRYPTED FILE-----"), text.slice(0, 40));
    assert.ok(!text.includes(secret) && !text.includes(phrase), "key or passphrase in the file");
    const page = await app.driver.getPageSource();
    assert.ok(!page.includes(secret) && !page.includes(phrase), "key or passphrase in the page");
    await app.screenshot("maquinas-robo");
  });

  await t.test("the theme of this computer applies data-theme and is audited", async () => {
    await app.choose("settings-theme", "dark");
    await app.waitUntil(
      async () => (await app.driver.executeScript("return document.documentElement.dataset.theme")) === "dark",
      "data-theme=dark",
    );
    await app.choose("settings-theme", "light");
    await app.waitUntil(
      async () => (await app.driver.executeScript("return document.documentElement.dataset.theme")) === "light",
      "data-theme=light",
    );
    await app.waitUntil(
      () => sql("SELECT detail FROM audit_events WHERE entity = 'preferencias_computador'").some((r) => r.detail === "Tema deste computador: claro"),
      "the theme change in the audit trail",
    );
    await app.screenshot("tema-claro");
  });
});
