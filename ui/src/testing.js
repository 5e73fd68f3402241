// Shared by the screen tests (never imported by the app): answers shaped as Rust sends
// them, and a way to let pending promises settle.
import { CommandError } from "./api.js";

export const TOKEN = "token-de-teste";

export function pageOf(items, { total = items.length, page = 0, page_size = 20 } = {}) {
  return { items, total, page, page_size };
}

export const OPERATORS = [
  { id: "op-vivo", name: "Vivo", code: "VIVO", active: true },
  { id: "op-oi", name: "Oi", code: "OI", active: false },
];

export function client(over = {}) {
  return {
    id: "c-1",
    hash: "exemplo0030",
    legal_name: "PÃO E TAL TRANSPORTES S/A",
    sat_name: "PÃO E TAL TRANSPORTES S/A",
    cnpj: "13878375000109",
    operator_id: "op-vivo",
    operator_name: "Vivo",
    operator_code: "VIVO",
    account_filter: "0301",
    service: "Voz originado",
    sat_data: "Internet",
    unit: "Dourados-MS",
    sat_category: null,
    issue_site_url: "https://portal.exemplo-operadora.com.br",
    portal_login: "login30@exemplo.com.br",
    portal_password_set: true,
    cpf: null,
    notes: null,
    active: true,
    version: 4,
    created_at: "2026-11-01T12:00:00Z",
    updated_at: "2026-11-01T12:00:00Z",
    ...over,
  };
}

export function processRow(over = {}) {
  return {
    id: "p-1",
    client_id: "c-1",
    client_name: "PÃO E TAL TRANSPORTES S/A",
    client_hash: "exemplo0030",
    cnpj: "13878375000109",
    operator_id: "op-vivo",
    operator_name: "Vivo",
    reference_month: "2026-11",
    status: "AGUARDANDO_APROVACAO",
    amount: "1234.56",
    due_date: "2026-12-10",
    download_attempts: 1,
    sat_attempts: 0,
    needs_attention: false,
    version: 7,
    updated_at: "2026-11-05T17:03:00Z",
    ...over,
  };
}

export function executionRow(over = {}) {
  return {
    id: "e-1",
    process_id: "p-1",
    kind: "DOWNLOAD_FATURA",
    status: "EXECUTANDO",
    job_id: "job-42",
    endpoint: "https://robo.exemplo.com.br/executar/vivo",
    request: { hash: "exemplo0030", login: "login30@exemplo.com.br", senha: "***" },
    result: null,
    progress: 40,
    attempt: 2,
    started_at: "2026-11-05T17:00:00Z",
    finished_at: null,
    error: null,
    error_class: null,
    triggered_by: "Ana",
    created_at: "2026-11-05T16:59:30Z",
    updated_at: "2026-11-05T17:00:30Z",
    client_name: "PÃO E TAL TRANSPORTES S/A",
    operator_id: "op-vivo",
    operator_name: "Vivo",
    reference_month: "2026-11",
    process_status: "AGUARDANDO_DOWNLOAD",
    ...over,
  };
}

export function conflict(message) {
  return new CommandError({ code: "CONFLICT", message });
}

export function invalid(field, message) {
  return new CommandError({ code: "VALIDATION", message, fields: [{ field, message }] });
}

export const settle = () => new Promise((r) => setTimeout(r, 0));
