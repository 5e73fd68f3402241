// The only door to the Rust side. Every command answers a value or an error shaped
// {code, message, fields}; anything else (a crash, a missing command) is turned into the
// same shape so screens handle one kind of error.
import { invoke } from "@tauri-apps/api/core";

export class CommandError extends Error {
  constructor({ code, message, fields }) {
    super(message);
    this.code = code;
    this.fields = fields ?? [];
  }

  // { fieldName: message } for the form that sent the command.
  fieldMap() {
    return Object.fromEntries(this.fields.map((f) => [f.field, f.message]));
  }
}

export function toCommandError(raw) {
  if (raw instanceof CommandError) return raw;
  if (raw && typeof raw === "object" && typeof raw.code === "string" && typeof raw.message === "string") {
    return new CommandError(raw);
  }
  const detail = typeof raw === "string" ? raw : raw?.message ?? String(raw);
  return new CommandError({ code: "INTERNAL", message: `Erro inesperado: ${detail}` });
}

export async function call(command, args = {}, invoker = invoke) {
  try {
    return await invoker(command, args);
  } catch (raw) {
    throw toCommandError(raw);
  }
}

export const api = {
  uiReady: (marks) => call("ui_ready", { marks }),
  setupStatus: () => call("setup_status"),
  createFirstAdmin: (input) => call("create_first_admin", { input }),
  login: (email, password) => call("login", { email, password }),
  logout: (token) => call("logout", { token }),
  listOperators: (token, filter) => call("list_operators", { token, filter }),
  createOperator: (token, input) => call("create_operator", { token, input }),
  updateOperator: (token, id, version, input) => call("update_operator", { token, id, version, input }),
  setOperatorActive: (token, id, version, active) => call("set_operator_active", { token, id, version, active }),
};
