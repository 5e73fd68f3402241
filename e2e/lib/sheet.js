// A small client sheet for the end-to-end files: the first `n` active VIVO rows of the
// synthetic spreadsheet (simple rows, one per CNPJ), written under the test's HOME.
// `edit(fields, i)` may change a row's fields before it is written.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const FIXTURE = fileURLToPath(new URL("../../crates/brm-core/tests/fixtures/clientes-exemplo.csv", import.meta.url));

export function vivoSheet(n, edit = (fields) => fields) {
  const lines = fs.readFileSync(FIXTURE, "utf8").split(/\r?\n/);
  const header = lines[0];
  const col = header.split(",");
  const op = col.indexOf("OPERADORA");
  const status = col.indexOf("STATUS");
  const rows = [];
  const seen = new Set();
  for (const line of lines.slice(1)) {
    const f = line.split(",");
    // Simple rows only (no quoted commas), VIVO, active, one per CNPJ.
    if (f.length !== col.length || f[op].trim().toUpperCase() !== "VIVO" || f[status].trim() !== "") continue;
    if (!/^\d{2}\.?\d{3}\.?\d{3}\/?\d{4}-?\d{2}$/.test(f[3].trim()) || seen.has(f[3])) continue;
    seen.add(f[3]);
    rows.push(edit(f, rows.length).join(","));
  }
  const dir = path.join(process.env.HOME ?? ".", "Documentos");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "clientes-vivo.csv");
  fs.writeFileSync(file, [header, ...rows.slice(0, n)].join("\n") + "\n");
  return file;
}
