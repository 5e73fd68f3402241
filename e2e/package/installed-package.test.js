// The binary as the .deb installs it (scripts/check-bundles.sh extracts the package and
// scripts/test.sh runs every end-to-end file with BRM_APP_BINARY pointing at its
// usr/bin/brm-desk): it starts and shows the first-run screen from the interface embedded
// in it (the custom-protocol build; no Vite server runs here). Not under e2e/tests/: those
// files also run on a debug build (scripts/e2e.sh's default), where this one would fail.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { execFileSync } from "node:child_process";
import { APP, startApp } from "../lib/app.js";

test("the packaged binary starts and renders the first-run screen from its embedded assets", async (t) => {
  assert.ok(APP, "BRM_APP_BINARY is not set");
  assert.match(APP, /\/usr\/bin\/brm-desk$/, `expected the binary extracted from the package, got ${APP}`);
  // Stripped by the release profile: no symbol table left.
  const sections = execFileSync("readelf", ["-S", "-W", APP], { encoding: "utf8" });
  assert.doesNotMatch(sections, /\.symtab/, "the packaged binary still has its symbol table");
  assert.ok(fs.statSync(APP).mode & 0o111, "the packaged binary is not executable");

  const app = await startApp();
  t.after(() => app.quit().catch(() => {}));
  const form = await app.waitFor("first-run");
  assert.match(await form.getText(), /Criar administrador/);
  // The page came from the embedded assets through Tauri's own scheme, not a dev server.
  const url = await app.driver.getCurrentUrl();
  assert.match(url, /^tauri:\/\/localhost/, `unexpected origin ${url}`);
  assert.equal(await app.driver.getTitle(), "BRM RPA Desk");
  await app.screenshot("01-pacote-primeiro-acesso");
});
