// `brm-desk preparar-banco` from the packaged binary, as the office's administrator runs
// it once per version: the owner role of the TLS test cluster (scripts/pg-test-cluster.sh
// start-tls made brm_dono as the README has a database administrator make it), verify-full
// with the test CA, the first administrator created as a person with their own login.
// Then psql logs in as that person (SCRAM over TLS) and asks who they are. Run again it
// changes nothing; a wrong owner password is refused in pt-BR with exit code 1.
import { test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { spawnSync } from "node:child_process";
import { APP } from "../lib/app.js";

const OWNER_URL = process.env.BRM_TEST_PG_OWNER_URL;
const CA = process.env.BRM_TEST_PG_CA;

function psql(url, sql) {
  const r = spawnSync("psql", [url, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql], { encoding: "utf8" });
  assert.equal(r.status, 0, `psql: ${r.stderr}`);
  return r.stdout.trim();
}

function prepare(db, ownerPassword) {
  const port = new URL(OWNER_URL).port;
  return spawnSync(
    APP,
    ["preparar-banco", "--servidor", "localhost", "--porta", port, "--banco", db, "--dono", "brm_dono",
      "--tls", "verify-full", "--ac", CA, "--admin-nome", "Ana Administradora", "--admin-email", "ana@beg.com.br"],
    {
      encoding: "utf8",
      env: { ...process.env, BRM_SENHA_DONO: ownerPassword, BRM_SENHA_ADMIN: "senha-muito-segura-1" },
      timeout: 60_000,
    },
  );
}

test("preparar-banco: the owner prepares, the first administrator logs in as herself", { skip: !OWNER_URL && !process.env.BRM_REQUIRE_POSTGRES && "BRM_TEST_PG_OWNER_URL is not set" }, () => {
  assert.ok(APP, "BRM_APP_BINARY is not set");
  const db = `brm_cli_${crypto.randomBytes(6).toString("hex")}`;
  const tls = `sslmode=verify-full&sslrootcert=${encodeURIComponent(CA)}`;
  psql(`${OWNER_URL}?${tls}`, `CREATE DATABASE ${db}`);

  const wrong = prepare(db, "senha-errada");
  assert.equal(wrong.status, 1, wrong.stdout + wrong.stderr);
  assert.match(wrong.stderr, /confira a senha do dono do banco/);

  const first = prepare(db, "senha-dono-de-teste");
  assert.equal(first.status, 0, first.stdout + first.stderr);
  assert.match(first.stdout, /Versão 1 das regras do banco compartilhado aplicada/);
  assert.match(first.stdout, /Primeiro administrador criado: Ana Administradora <ana@beg.com.br>/);

  // Her login role: brm_u_ + md5("database:e-mail"), 20 hex digits (brm_person_role).
  const role = `brm_u_${crypto.createHash("md5").update(`${db}:ana@beg.com.br`).digest("hex").slice(0, 20)}`;
  const port = new URL(OWNER_URL).port;
  const hers = `postgres://${role}:senha-muito-segura-1@localhost:${port}/${db}?${tls}`;
  assert.equal(psql(hers, "SELECT full_name || '|' || role FROM brm_whoami()"), "Ana Administradora|ADMINISTRADOR");
  assert.equal(psql(hers, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"), "t");

  const again = prepare(db, "senha-dono-de-teste");
  assert.equal(again.status, 0, again.stdout + again.stderr);
  assert.match(again.stdout, /nada a aplicar/);
  assert.match(again.stdout, /já tem 1 pessoa/);
});
