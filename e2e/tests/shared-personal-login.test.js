// The shared database with personal logins, through the real window (issue 17): the
// office's database is prepared by `brm-desk preparar-banco` with the owner of the TLS
// test cluster; this desktop's database.json says "each person logs in as themselves"
// (the entry login, verify-full with the test CA, no password kept). Ana logs in with her
// own PostgreSQL role and creates Dani in Usuários (a database login of her own, made from
// a SCRAM verifier). Dani logs in on this desktop; Ana, from another computer (psql as her
// own role), deactivates her; within 5 s this window shows the login screen with no click,
// and Dani's password no longer opens anything.
import { test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { By } from "selenium-webdriver";
import { APP, startApp } from "../lib/app.js";

const OWNER_URL = process.env.BRM_TEST_PG_OWNER_URL;
const CA = process.env.BRM_TEST_PG_CA;
const ANA = { name: "Ana Administradora", email: "ana@beg.com.br", password: "senha-muito-segura-1" };
const DANI = { name: "Dani Aprovadora", email: "dani@beg.com.br", password: "senha-da-dani-123" };
const CONFIG_DIR = path.join(process.env.XDG_CONFIG_HOME ?? "", "br.com.brmsolutions.rpadesk");

function psql(url, query) {
  const r = spawnSync("psql", [url, "-At", "-v", "ON_ERROR_STOP=1", "-c", query], { encoding: "utf8" });
  assert.equal(r.status, 0, `psql: ${r.stderr}`);
  return r.stdout.trim();
}

const roleOf = (db, email) => `brm_u_${crypto.createHash("md5").update(`${db}:${email}`).digest("hex").slice(0, 20)}`;

test(
  "personal logins: each person enters as their own database role; deactivated elsewhere, the window logs out within 5 s",
  { skip: !OWNER_URL && !process.env.CI && "BRM_TEST_PG_OWNER_URL is not set" },
  async (t) => {
    assert.ok(OWNER_URL && CA, "BRM_TEST_PG_OWNER_URL / BRM_TEST_PG_CA: run through scripts/test.sh");
    const port = new URL(OWNER_URL).port;
    const db = `brm_e2e_${crypto.randomBytes(6).toString("hex")}`;
    const tls = `sslmode=verify-full&sslrootcert=${encodeURIComponent(CA)}`;
    psql(`${OWNER_URL}?${tls}`, `CREATE DATABASE ${db}`);
    const prepared = spawnSync(
      APP,
      ["preparar-banco", "--servidor", "localhost", "--porta", port, "--banco", db, "--dono", "brm_dono",
        "--tls", "verify-full", "--ac", CA, "--admin-nome", ANA.name, "--admin-email", ANA.email],
      { encoding: "utf8", env: { ...process.env, BRM_SENHA_DONO: "senha-dono-de-teste", BRM_SENHA_ADMIN: ANA.password }, timeout: 60_000 },
    );
    assert.equal(prepared.status, 0, prepared.stdout + prepared.stderr);

    // What Configurações → Banco de dados saves with "Cada pessoa entra com o próprio login".
    fs.mkdirSync(CONFIG_DIR, { recursive: true });
    fs.writeFileSync(
      path.join(CONFIG_DIR, "database.json"),
      JSON.stringify({
        kind: "postgres",
        postgres: { host: "localhost", port: Number(port), database: db, username: "brm_entrada", sslmode: "verify-full", ca_file: CA },
      }),
    );

    const app = await startApp();
    t.after(() => app.quit());

    await t.test("no first-run screen and one answer for a wrong password and an unknown e-mail", async () => {
      await app.waitFor("login");
      assert.equal(await app.has("first-run"), false);
      for (const email of [ANA.email, "ninguem@beg.com.br"]) {
        await app.type("email", email);
        await app.type("password", "senha-errada-1");
        await app.click("login-submit");
        await app.waitForText("banner-error", "E-mail ou senha inválidos.");
      }
      await app.screenshot("01-login-pessoal");
    });

    await t.test("Ana logs in as her own role and creates Dani, a login of her own", async () => {
      await app.login(ANA.email, ANA.password);
      await app.waitForText("who", "Ana Administradora");
      // Her own connection, as the server reports it (pg_stat_ssl), in the header and in
      // Diagnóstico (which also reads the database's version under her login).
      await app.waitForText("db-security", "Banco: conexão criptografada");
      // No robot on this desktop: the robot machines do the downloads and SAT uploads.
      await app.waitForText("robot-status", "Robô: nas máquinas robô");
      await app.click("open-diagnostics");
      await app.waitFor("diagnostics");
      await app.waitForText("diag-db-backend", "PostgreSQL");
      assert.match(await (await app.waitFor("diag-db-version")).getText(), /PostgreSQL 1\d/);
      await app.screenshot("02-diagnostico-login-proprio");
      await app.nav("usuarios", "users");
      await app.click("new-user");
      await app.waitFor("user-form");
      await app.type("full_name", DANI.name);
      await app.type("email", DANI.email);
      await (await app.driver.findElement(By.css('[name="role"] option[value="APROVADOR"]'))).click();
      await app.type("password", DANI.password);
      await app.type("password_confirmation", DANI.password);
      await app.click("save-user");
      await app.waitForText("banner-info", `Usuário ${DANI.name} criado.`);
      await app.screenshot("03-dani-criada");
      // Her role exists, a member of the approvers' profile, and the audit names Ana.
      const ownerDb = `${OWNER_URL.replace(/\/[^/?]*(\?|$)/, `/${db}$1`)}?${tls}`;
      assert.equal(
        psql(ownerDb, `SELECT pg_has_role('${roleOf(db, DANI.email)}', 'brm_aprovador', 'MEMBER')`),
        "t",
      );
      assert.equal(psql(ownerDb, "SELECT actor_name FROM audit_events WHERE action = 'CRIAR_USUARIO' ORDER BY seq DESC LIMIT 1"), ANA.name);
      await app.click("logout");
      await app.waitFor("login");
    });

    await t.test("Dani logs in; deactivated from another computer, this window shows the login within 5 s", async () => {
      await app.login(DANI.email, DANI.password);
      await app.waitForText("who", "Dani Aprovadora");
      const anaUrl = `postgres://${roleOf(db, ANA.email)}:${ANA.password}@localhost:${port}/${db}?${tls}`;
      const started = Date.now();
      // Her connections on this desktop (the pool and the live feed's listener) end now.
      const ended = Number(psql(anaUrl, `SELECT brm_set_active(id, false) FROM users WHERE email = '${DANI.email}'`));
      assert.ok(ended >= 1, `conexões encerradas: ${ended}`);
      await app.waitForText("login", "este usuário foi desativado");
      const took = Date.now() - started;
      console.log(`# deactivated by psql, the window showed the login after ${took} ms`);
      assert.ok(took < 5000, `${took} ms`);
      await app.screenshot("04-desativada");
      await app.type("email", DANI.email);
      await app.type("password", DANI.password);
      await app.click("login-submit");
      await app.waitForText("banner-error", "E-mail ou senha inválidos.");
    });
  },
);
