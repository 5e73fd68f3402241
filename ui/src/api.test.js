import { describe, expect, it } from "vitest";
import { call, CommandError, toCommandError } from "./api.js";

describe("call", () => {
  it("passes command and arguments through and returns the answer", async () => {
    const seen = [];
    const out = await call("login", { email: "a@b.com" }, async (cmd, args) => {
      seen.push([cmd, args]);
      return { token: "t" };
    });
    expect(out).toEqual({ token: "t" });
    expect(seen).toEqual([["login", { email: "a@b.com" }]]);
  });

  it("keeps {code, message, fields} from Rust and maps fields by name", async () => {
    const err = await call("create_operator", {}, async () => {
      throw { code: "CONFLICT", message: "Já existe.", fields: [{ field: "code", message: "Já existe." }] };
    }).catch((e) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect(err.code).toBe("CONFLICT");
    expect(err.fieldMap()).toEqual({ code: "Já existe." });
  });

  it("turns anything else into an INTERNAL error with a Portuguese message", () => {
    expect(toCommandError("Command foo not found").message).toBe("Erro inesperado: Command foo not found");
    expect(toCommandError(new TypeError("x")).code).toBe("INTERNAL");
    expect(toCommandError(undefined).fields).toEqual([]);
  });
});
