import { describe, expect, it } from "vitest";
import { bytesToBase64, readFileBytes } from "./base64.js";

describe("bytesToBase64", () => {
  it("matches the standard encoding at every slice boundary", () => {
    for (const n of [0, 1, 2, 3, 4, 24575, 24576, 24577, 3 * 1024 * 1024 + 7]) {
      const bytes = new Uint8Array(n);
      for (let i = 0; i < n; i += 1) bytes[i] = (i * 31 + 7) & 0xff;
      expect(bytesToBase64(bytes)).toBe(Buffer.from(bytes).toString("base64"));
    }
  });

  it("keeps UTF-8 text of a spreadsheet byte for byte", async () => {
    const file = new File(["HASH,RAZÃO SOCIAL\nx1,PÃO E TAL\n"], "clientes.csv", { type: "text/csv" });
    const bytes = await readFileBytes(file);
    expect(Buffer.from(bytesToBase64(bytes), "base64").toString("utf8")).toBe("HASH,RAZÃO SOCIAL\nx1,PÃO E TAL\n");
  });
});
