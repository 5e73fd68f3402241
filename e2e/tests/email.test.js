// E-mail (issue 21) through the real window and a real SMTP server: an administrator
// fills Configurações → E-mail (server on loopback, STARTTLS, login, sender), saves (the
// password is write-only: the field stays empty and says a password is stored, the
// database keeps it sealed), and presses "Enviar e-mail de teste". The desk only queues
// the message; the worker running inside the app (embedded default) sends it through the
// server with the saved settings, and the window follows it until "Enviado". The message
// is then read back from the server's folder (subject, sender name, text and HTML parts)
// and Diagnóstico lists it as a TESTE row "Enviado". A setting Rust would refuse
// ("Nenhuma" for a server elsewhere) gets its pt-BR message under its field and leaves the
// saved settings as they were.
//
// The server is scripts/smtp-test-server.sh's (Debian's python3-aiosmtpd): the one
// scripts/test.sh exported (BRM_SMTP_*) or, when run alone, one this file starts and stops.
// Its certificate is signed by a throw-away authority that the app trusts only through
// BRM_SMTP_CA_FILE, read when the app starts: the app inherits tauri-driver's environment,
// fixed before this file runs, so the session runs a small script that sets that variable
// and execs the real binary (WebDriver's arguments and environment pass through as they are).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";
import { Builder, By } from "selenium-webdriver";
import { APP, DRIVER_URL, Page, sql } from "../lib/app.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SMTP_SCRIPT = path.join(ROOT, "scripts", "smtp-test-server.sh");
const ADMIN = { name: "Ana Administradora", email: "ana@beg.com.br", password: "senha-muito-segura-1" };
const SENDER_NAME = "Robô de Faturas BRM";
const SENDER_ADDRESS = "robo@brm-teste.localhost";
// Unique per run: in CI the server is shared with the Rust tests, which also leave mail.
const RECIPIENT = `aprovador-e2e-${process.pid}-${Date.now()}@brm-teste.localhost`;
const SUBJECT = "Teste de e-mail do BRM RPA Desk";
const SEND_WAIT_MS = 60_000;

// --- the SMTP test server -------------------------------------------------------------

// BRM_SMTP_* from scripts/test.sh, or a server of this file's own (ended in `after`).
function smtpServer() {
  const names = ["BRM_SMTP_DIR", "BRM_SMTP_HOST", "BRM_SMTP_PORT", "BRM_SMTP_USER", "BRM_SMTP_PASSWORD", "BRM_SMTP_CA"];
  if (names.every((n) => process.env[n])) return { ...Object.fromEntries(names.map((n) => [n, process.env[n]])), own: false };
  // BRM_SMTP_OWNER_PID: the server also ends by itself if this file dies before `after`.
  const r = spawnSync(SMTP_SCRIPT, ["start"], { encoding: "utf8", env: { ...process.env, BRM_SMTP_OWNER_PID: String(process.pid) } });
  if (r.status !== 0) throw new Error(`scripts/smtp-test-server.sh start falhou: ${r.stderr}`);
  // "export BRM_SMTP_DIR='/tmp/…' BRM_SMTP_HOST=127.0.0.1 BRM_SMTP_PORT=… …"
  const vars = Object.fromEntries([...r.stdout.matchAll(/(BRM_SMTP_\w+)=(?:'([^']*)'|(\S+))/g)].map((m) => [m[1], m[2] ?? m[3]]));
  for (const n of names) if (!vars[n]) throw new Error(`smtp-test-server.sh não exportou ${n}: ${r.stdout}`);
  return { ...vars, own: true };
}

// The messages the server accepted for `to`, parsed by Debian's python3 (email package):
// envelope, decoded headers, and the text and HTML parts.
function mailTo(dir, to) {
  const code = `
import glob, json, os, sys
from email import policy
from email.parser import BytesParser
out = []
for f in sorted(glob.glob(os.path.join(sys.argv[1], "mail", "*.eml"))):
    with open(f, "rb") as fh:
        m = BytesParser(policy=policy.default).parse(fh)
    if sys.argv[2] not in str(m["X-BRM-Envelope-To"] or "").lower().split(", "):
        continue
    sender = m["From"].addresses[0] if m["From"] else None
    text = m.get_body(preferencelist=("plain",))
    html = m.get_body(preferencelist=("html",))
    out.append({
        "file": f,
        "subject": str(m["Subject"]),
        "from_name": sender.display_name if sender else None,
        "from_address": sender.addr_spec if sender else None,
        "to": str(m["To"]),
        "envelope_from": str(m["X-BRM-Envelope-From"]),
        "message_id": str(m["Message-ID"] or ""),
        "content_type": m.get_content_type(),
        "parts": [p.get_content_type() for p in m.walk() if not p.is_multipart()],
        "text": text.get_content() if text else None,
        "html": html.get_content() if html else None,
    })
print(json.dumps(out, ensure_ascii=False))`;
  const r = spawnSync("/usr/bin/python3", ["-c", code, dir, to.toLowerCase()], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`leitura dos e-mails recebidos: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// The app, run through a script that gives it BRM_SMTP_CA_FILE (see the top).
async function startAppTrusting(caFile) {
  if (!APP) throw new Error("BRM_APP_BINARY is not set: run through scripts/e2e.sh");
  const q = (s) => `'${String(s).replaceAll("'", `'\\''`)}'`;
  const dir = path.join(process.env.HOME ?? fs.mkdtempSync("/tmp/brm-e2e-"), "bin");
  fs.mkdirSync(dir, { recursive: true });
  const wrapper = path.join(dir, "brm-desk");
  fs.writeFileSync(wrapper, `#!/bin/sh\nBRM_SMTP_CA_FILE=${q(caFile)}\nexport BRM_SMTP_CA_FILE\nexec ${q(APP)} "$@"\n`, { mode: 0o755 });
  const driver = await new Builder()
    .usingServer(DRIVER_URL)
    .withCapabilities({ browserName: "wry", "tauri:options": { application: wrapper } })
    .build();
  return new Page(driver);
}

// Chooses an option of a <select> by its value. Not Page.choose: that looks for
// option[value="…"], and Preact leaves out the value attribute of an option whose value
// equals its text (<option>STARTTLS</option>), so the CSS selector never matches it.
async function chooseValue(app, testId, wanted) {
  const select = await app.waitFor(testId);
  const option = await app.waitUntil(async () => {
    for (const o of await select.findElements(By.css("option"))) if ((await o.getAttribute("value")) === wanted) return o;
    return false;
  }, `a opção ${wanted} em ${testId}`);
  await option.click();
  await app.waitUntil(async () => (await select.getAttribute("value")) === wanted, `${testId} = ${wanted}`);
}

const attr = async (app, testId, name) => (await app.waitFor(testId)).getAttribute(name);
const value = (app, testId) => attr(app, testId, "value");

test("e-mail: settings saved with a write-only password, a test message delivered by the in-app worker, a refused field", async (t) => {
  const smtp = smtpServer();
  t.after(() => {
    if (smtp.own) spawnSync(SMTP_SCRIPT, ["stop", smtp.BRM_SMTP_DIR], { stdio: "ignore" });
  });
  const app = await startAppTrusting(smtp.BRM_SMTP_CA);
  t.after(() => app.quit().catch(() => {}));

  await t.test("first administrator; Configurações → E-mail starts unconfigured", async () => {
    await app.firstRun(ADMIN);
    await app.nav("config", "settings");
    await app.waitFor("email-settings");
    assert.equal(await attr(app, "email-configured", "data-configured"), "false");
    assert.equal(await attr(app, "email-password-state", "data-set"), "false");
    // The password is sealed to the approved robot machines: in the embedded default
    // this computer registers itself, approved, when the worker starts.
    await app.waitForText("robot-machine-status", "Aprovada");
  });

  await t.test("server, login and sender saved: the password field says stored and never shows it", async () => {
    await app.typeInto("email-host", smtp.BRM_SMTP_HOST);
    await chooseValue(app, "email-security", "STARTTLS");
    await app.typeInto("email-port", smtp.BRM_SMTP_PORT);
    await app.typeInto("email-user", smtp.BRM_SMTP_USER);
    await app.typeInto("email-password", smtp.BRM_SMTP_PASSWORD);
    await app.typeInto("email-sender-name", SENDER_NAME);
    await app.typeInto("email-sender-address", SENDER_ADDRESS);
    await app.click("email-save");
    await app.waitForText("email-saved", "Configurações de e-mail salvas.");

    const password = await app.waitFor("email-password");
    assert.equal(await password.getAttribute("value"), "");
    assert.equal(await password.getAttribute("type"), "password");
    assert.match(await password.getAttribute("placeholder"), /senha guardada/);
    assert.equal(await attr(app, "email-password-state", "data-set"), "true");
    await app.waitForText("email-password-state", "Senha: senha guardada");
    assert.equal(await attr(app, "email-configured", "data-configured"), "true");
    assert.equal(await value(app, "email-host"), smtp.BRM_SMTP_HOST);
    assert.equal(await value(app, "email-port"), String(smtp.BRM_SMTP_PORT));
    assert.equal(await value(app, "email-security"), "STARTTLS");
    assert.equal(await value(app, "email-user"), smtp.BRM_SMTP_USER);
    assert.equal(await value(app, "email-sender-name"), SENDER_NAME);
    assert.equal(await value(app, "email-sender-address"), SENDER_ADDRESS);
    assert.ok(!(await app.driver.getPageSource()).includes(smtp.BRM_SMTP_PASSWORD), "password in the page");

    // In the database: the settings as typed, the password only sealed, and an audit
    // trail that never holds it.
    const [stored] = sql("SELECT value_json FROM settings WHERE key = 'email.smtp'");
    const settings = JSON.parse(stored.value_json);
    assert.equal(settings.host, smtp.BRM_SMTP_HOST);
    assert.equal(Number(settings.port), Number(smtp.BRM_SMTP_PORT));
    assert.equal(settings.security, "STARTTLS");
    assert.equal(settings.sender_name, SENDER_NAME);
    const [sealed] = sql("SELECT value_json FROM settings WHERE key = 'email.smtp.senha'");
    assert.ok(sealed, "no sealed password stored");
    assert.ok(JSON.parse(sealed.value_json).startsWith("v2:"), sealed.value_json.slice(0, 20));
    const audit = sql("SELECT detail, before_json, after_json FROM audit_events WHERE entity = 'configuracao'");
    const details = audit.map((r) => r.detail);
    assert.ok(details.includes("Senha do e-mail alterada"), JSON.stringify(details));
    assert.ok(details.some((d) => d.startsWith(`Servidor de e-mail: ${smtp.BRM_SMTP_HOST}:${smtp.BRM_SMTP_PORT}`)), JSON.stringify(details));
    const everything = JSON.stringify(sql("SELECT key, value_json FROM settings")) + JSON.stringify(sql("SELECT * FROM audit_events"));
    assert.ok(!everything.includes(smtp.BRM_SMTP_PASSWORD), "password in plain text in the database");
    await app.screenshot("01-email-salvo");
  });

  let sentAt;
  await t.test("Enviar e-mail de teste: the worker delivers it through STARTTLS and the window says Enviado", async (st) => {
    assert.equal(await app.has("email-test-blocked"), false, "the test button is blocked with nothing to save");
    await app.typeInto("email-test-to", RECIPIENT);
    const pressed = Date.now();
    await app.click("email-test-send");
    // Queued first (the desk does not talk SMTP), then followed until a final state.
    const state = await app.waitUntil(
      async () => {
        const s = await attr(app, "email-test-result", "data-state");
        return ["ENVIADO", "FALHOU", "CANCELADO"].includes(s) ? s : false;
      },
      "o e-mail de teste enviado pela máquina robô",
      SEND_WAIT_MS,
    );
    const result = await (await app.waitFor("email-test-result")).getText();
    assert.equal(state, "ENVIADO", result);
    assert.match(result, /Enviado às \d{2}:\d{2}/);
    assert.ok(result.includes(RECIPIENT), result);
    sentAt = Date.now();
    st.diagnostic(`button to "Enviado" in the window: ${sentAt - pressed} ms`);
    await app.screenshot("02-email-teste-enviado");
  });

  await t.test("the server holds the message: subject, sender name, text and HTML parts", async () => {
    const found = mailTo(smtp.BRM_SMTP_DIR, RECIPIENT);
    assert.equal(found.length, 1, `mensagens para ${RECIPIENT}: ${JSON.stringify(found.map((m) => m.file))}`);
    const [m] = found;
    assert.equal(m.subject, SUBJECT);
    assert.equal(m.from_name, SENDER_NAME);
    assert.equal(m.from_address, SENDER_ADDRESS);
    assert.equal(m.envelope_from, SENDER_ADDRESS);
    assert.ok(m.to.toLowerCase().includes(RECIPIENT), m.to);
    assert.ok(m.message_id, "no Message-ID");
    assert.equal(m.content_type, "multipart/alternative");
    assert.deepEqual([...m.parts].sort(), ["text/html", "text/plain"]);
    assert.ok(m.text.includes(`Este é um e-mail de teste pedido por ${ADMIN.name}`), m.text);
    assert.ok(m.html.includes(`pedido por ${ADMIN.name}`), m.html);
    assert.match(m.html, /<html/i);
    assert.ok(!m.text.includes(smtp.BRM_SMTP_PASSWORD) && !m.html.includes(smtp.BRM_SMTP_PASSWORD));
  });

  await t.test("Diagnóstico lists the TESTE message as Enviado", async () => {
    await app.click("open-diagnostics");
    await app.waitFor("diagnostics");
    await app.waitFor("outbox-table");
    const row = await app.waitUntil(async () => {
      for (const r of await app.all("outbox-row")) {
        if ((await r.getAttribute("data-rule")) === "TESTE" && (await r.getText()).includes(RECIPIENT)) return r;
      }
      return false;
    }, "a linha TESTE na fila de e-mails");
    assert.equal(await row.getAttribute("data-state"), "ENVIADO");
    assert.equal(await row.findElement(By.css('[data-testid="outbox-state"]')).getText(), "Enviado");
    const text = await row.getText();
    assert.ok(text.includes("Teste"), text);
    assert.ok(text.includes(SUBJECT), text);
    assert.equal(await app.has("outbox-error"), false, "an error shown for a sent message");
    const [db] = sql("SELECT state, attempts, sent_at, last_error FROM email_outbox WHERE rule = 'TESTE' AND recipient_email = ?", RECIPIENT);
    assert.equal(db.state, "ENVIADO", JSON.stringify(db));
    assert.ok(db.sent_at, JSON.stringify(db));
    await app.screenshot("03-diagnostico-email");
  });

  await t.test("'Nenhuma' for a server elsewhere: pt-BR error under Segurança, nothing saved", async () => {
    await app.nav("config", "settings");
    await app.waitFor("email-settings");
    // The worker may reseal the password to the machines now approved: only the
    // settings a person types are compared.
    const saved = () => sql("SELECT key, value_json, updated_at FROM settings WHERE key IN ('email.smtp', 'email.regras') ORDER BY key");
    const settingsAudits = () => sql("SELECT COUNT(*) AS n FROM audit_events WHERE entity = 'configuracao'")[0].n;
    const before = saved();
    const audits = settingsAudits();
    await app.waitUntil(async () => (await value(app, "email-host")) === smtp.BRM_SMTP_HOST, "o servidor salvo no formulário");
    await app.typeInto("email-host", "smtp.exemplo.com.br");
    await chooseValue(app, "email-security", "NENHUMA");
    await app.click("email-save");
    const error = await app.waitForText("error-email_security", "só é aceita para um servidor nesta máquina (127.0.0.1)");
    assert.match(await error.getText(), /Escolha STARTTLS ou TLS direto/);
    // Under that very field: the same .field as the select, which points at it.
    const security = await app.waitFor("email-security");
    assert.equal(await security.getAttribute("aria-invalid"), "true");
    assert.ok((await security.getAttribute("aria-describedby")).includes("f-email_security-err"));
    const box = await security.findElement(By.xpath("./ancestor::div[contains(@class, 'field')][1]"));
    assert.equal((await box.findElements(By.css('[data-testid="error-email_security"]'))).length, 1);
    assert.equal(await app.has("email-saved"), false);
    await app.screenshot("04-email-erro-seguranca");
    assert.deepEqual(saved(), before);
    assert.equal(settingsAudits(), audits);

    // The screen read again from Rust: the saved values, not what was typed.
    await app.nav("painel", "dashboard");
    await app.nav("config", "settings");
    await app.waitFor("email-settings");
    await app.waitUntil(async () => (await value(app, "email-host")) === smtp.BRM_SMTP_HOST, "o servidor salvo depois de recarregar");
    assert.equal(await value(app, "email-security"), "STARTTLS");
    assert.equal(await value(app, "email-port"), String(smtp.BRM_SMTP_PORT));
    assert.equal(await value(app, "email-sender-name"), SENDER_NAME);
    assert.equal(await attr(app, "email-password-state", "data-set"), "true");
    assert.equal(await app.has("error-email_security"), false);
  });
});
