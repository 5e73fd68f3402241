// The walking skeleton, through the real window: first run, login, operators, restart.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { DB_FILE, startApp } from "../lib/app.js";

const ADMIN = { name: "Ana Administradora", email: "ana@beg.com.br", password: "senha-muito-segura-1" };

test("first run, login, operators, and the data survives a restart", async (t) => {
  let app = await startApp();
  t.after(() => app?.quit().catch(() => {}));

  await t.test("first run shows Criar administrador and refuses a short password", async () => {
    const form = await app.waitFor("first-run");
    assert.match(await form.getText(), /Criar administrador/);
    await app.screenshot("01-primeiro-acesso");
    await app.type("full_name", ADMIN.name);
    await app.type("email", ADMIN.email);
    await app.type("password", "curta123");
    await app.type("password_confirmation", "curta123");
    await app.click("create-admin");
    await app.waitForText("error-password", "A senha deve ter pelo menos 12 caracteres.");
    assert.ok(await app.has("first-run"), "still on the first-run form");
    await app.screenshot("02-primeiro-acesso-senha-curta");
  });

  await t.test("creating the administrator leads to the login", async () => {
    await app.type("password", ADMIN.password);
    await app.type("password_confirmation", ADMIN.password);
    await app.click("create-admin");
    await app.waitForText("login", "Administrador criado");
    await app.screenshot("03-login");
  });

  await t.test("a wrong password is refused with a message", async () => {
    await app.type("email", ADMIN.email);
    await app.type("password", "senha-errada-123");
    await app.click("login-submit");
    await app.waitForText("banner-error", "E-mail ou senha inválidos.");
    assert.ok(await app.has("login"));
    await app.screenshot("04-login-senha-errada");
  });

  await t.test("the right password opens the desk; the Operadoras tab lists none yet", async () => {
    await app.type("password", ADMIN.password);
    await app.click("login-submit");
    await app.waitForText("who", ADMIN.name);
    await app.waitFor("dashboard"); // the desk opens on the dashboard (Painel)
    await app.nav("operadoras", "operators");
    await app.waitForText("pager", "0 operadoras");
    await app.screenshot("05-operadoras-vazia");
  });

  await t.test("a valid operator is created and listed", async () => {
    await app.click("new-operator");
    await app.type("name", "Vivo");
    await app.type("code", "VIVO");
    await app.type("portal_url", "https://portal.vivo.exemplo.com.br");
    await app.click("save-operator");
    await app.waitForText("pager", "1 operadora");
    assert.deepEqual(await app.operatorCodes(), ["VIVO"]);
  });

  await t.test("a blank name and a duplicate code are refused and nothing is stored", async () => {
    await app.click("new-operator");
    await app.type("name", "   ");
    await app.type("code", "OI");
    await app.click("save-operator");
    await app.waitForText("error-name", "Informe o nome da operadora.");
    await app.screenshot("06-operadora-nome-em-branco");

    await app.type("name", "Vivo Móvel");
    await app.type("code", "VIVO");
    await app.click("save-operator");
    await app.waitForText("error-code", 'Já existe uma operadora com o código "VIVO".');
    await app.screenshot("07-operadora-codigo-duplicado");

    await app.type("code", "vivo movel");
    await app.click("save-operator");
    await app.waitForText("error-code", "apenas letras maiúsculas");
    assert.deepEqual(await app.operatorCodes(), ["VIVO"], "nothing new was stored");
  });

  await t.test("more valid operators, one with an outsourced robot, are listed", async () => {
    // The form is still open from the refused attempts: correct it and save.
    await app.type("name", "Oi");
    await app.type("code", "OI");
    await app.click("save-operator");
    await app.waitForText("pager", "2 operadoras");

    await app.click("new-operator");
    await app.type("name", "Embratel");
    await app.type("code", "EMBRATEL");
    await app.setCheckbox("rpa_outsourced", true);
    await app.type("rpa_endpoint_url", "ftp://robo.embratel.exemplo");
    await app.click("save-operator");
    await app.waitForText("error-rpa_endpoint_url", "http:// ou https://");
    await app.type("rpa_endpoint_url", "https://robo.embratel.exemplo:8000");
    await app.type("timeout_secs", "600");
    await app.click("save-operator");
    await app.waitForText("pager", "3 operadoras");
    assert.deepEqual(await app.operatorCodes(), ["EMBRATEL", "OI", "VIVO"]);
    const table = await app.waitFor("operators-table");
    assert.match(await table.getText(), /Terceirizado/);
    assert.match(await table.getText(), /600 s/);
    await app.screenshot("08-operadoras-cadastradas");
  });

  await t.test("an operator is edited and another deactivated", async () => {
    await app.click("edit-VIVO");
    await app.type("max_attempts", "11");
    await app.click("save-operator");
    await app.waitForText("error-max_attempts", "entre 1 e 10");
    await app.type("max_attempts", "5");
    await app.click("save-operator");
    await app.waitForText("banner-info", "Operadora Vivo salva.");
    await app.click("toggle-OI");
    await app.waitForText("banner-info", "Operadora Oi desativada.");
    const table = await app.waitFor("operators-table");
    assert.match(await table.getText(), /Oi\s*OI\s*Sim\s*300 s\s*3\s*Inativa/);
    assert.match(await table.getText(), /Vivo\s*VIVO\s*Sim\s*300 s\s*5\s*Ativa/);
  });

  await t.test("after quitting and starting again: login screen, operators still listed", async () => {
    await app.quit();
    app = null;
    assert.ok(fs.existsSync(DB_FILE), `database in the OS app-data folder: ${DB_FILE}`);

    app = await startApp();
    const login = await app.waitFor("login");
    assert.ok(!(await app.has("first-run")), "the first-run screen does not come back");
    assert.match(await login.getText(), /Entrar/);
    await app.screenshot("09-login-apos-reinicio");
    await app.login(ADMIN.email, ADMIN.password);
    await app.nav("operadoras", "operators");
    await app.waitForText("pager", "3 operadoras");
    assert.deepEqual(await app.operatorCodes(), ["EMBRATEL", "OI", "VIVO"]);
    assert.match(await (await app.waitFor("operators-table")).getText(), /Inativa/);
    await app.screenshot("10-operadoras-apos-reinicio");
  });

  await t.test("logout returns to the login and the session is gone", async () => {
    await app.click("logout");
    await app.waitFor("login");
    assert.ok(!(await app.has("operators")));
  });
});
