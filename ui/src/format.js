// How the desk shows what Rust sends: documents, money, dates and the wire values of
// statuses and roles, in pt-BR. Pure functions; anything they do not recognise is shown
// as it came rather than hidden.

const EMPTY = "—";
const pad2 = (n) => String(n).padStart(2, "0");

// "12345678000195" -> "12.345.678/0001-95"; anything that is not 14 digits as it came.
export function formatCnpj(value) {
  if (!value) return EMPTY;
  const d = String(value).replace(/\D/g, "");
  if (d.length !== 14) return String(value);
  return `${d.slice(0, 2)}.${d.slice(2, 5)}.${d.slice(5, 8)}/${d.slice(8, 12)}-${d.slice(12)}`;
}

// "12345678909" -> "123.456.789-09".
export function formatCpf(value) {
  if (!value) return EMPTY;
  const d = String(value).replace(/\D/g, "");
  if (d.length !== 11) return String(value);
  return `${d.slice(0, 3)}.${d.slice(3, 6)}.${d.slice(6, 9)}-${d.slice(9)}`;
}

// Money arrives as an exact decimal string ("1234.56"); it is formatted as text, never
// through a float, so no centavo is ever rounded away.
export function formatMoney(value) {
  if (value === null || value === undefined || value === "") return EMPTY;
  const m = /^(-)?(\d+)(?:\.(\d*))?$/.exec(String(value).trim());
  if (!m) return String(value);
  const [, neg, int, frac = ""] = m;
  const whole = int.replace(/^0+(?=\d)/, "").replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  const cents = frac.padEnd(2, "0");
  return `${neg ? "-" : ""}R$ ${whole},${cents}`;
}

// "2026-12-10" -> "10/12/2026". A calendar date: no time zone involved.
export function formatDate(value) {
  if (!value) return EMPTY;
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(value));
  return m ? `${m[3]}/${m[2]}/${m[1]}` : String(value);
}

// Instants are UTC on the wire (RFC 3339). Shown in the desktop's own time zone as
// "dd/mm/aaaa hh:mm". A timestamp without a zone is taken as UTC, and a space between
// date and time is accepted: WebKit refuses to parse that form by itself.
export function parseInstant(value) {
  if (!value) return null;
  let s = String(value).trim().replace(" ", "T");
  if (/T\d{2}:\d{2}/.test(s) && !/(Z|[+-]\d{2}:?\d{2})$/i.test(s)) s += "Z";
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function formatDateTime(value, { seconds = false } = {}) {
  if (!value) return EMPTY;
  const d = parseInstant(value);
  if (!d) return String(value);
  const time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}${seconds ? `:${pad2(d.getSeconds())}` : ""}`;
  return `${pad2(d.getDate())}/${pad2(d.getMonth() + 1)}/${d.getFullYear()} ${time}`;
}

// Only the time of an instant, "hh:mm", in the desktop's own zone (as formatDateTime).
export function formatTime(value) {
  if (!value) return EMPTY;
  const d = parseInstant(value);
  if (!d) return String(value);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

// An hour of the day (0-23) as "08:00".
export function formatHour(hour) {
  if (hour === null || hour === undefined || hour === "") return EMPTY;
  return `${pad2(hour)}:00`;
}

// "2026-11" -> "11/2026".
export function formatMonth(value) {
  if (!value) return EMPTY;
  const m = /^(\d{4})-(\d{2})$/.exec(String(value));
  return m ? `${m[2]}/${m[1]}` : String(value);
}

// The month a `<input type="month">` understands ("2026-11") of an instant, in Brasília:
// the cycle's months are Brasília's everywhere (the Painel's current month comes from
// brm-service in Brasília time), so a desktop set to another zone does not open Processos
// on another month than the Painel in the hours around a month's turn.
// Read from the parts, not from the formatted text: engines disagree on how en-CA writes
// a year and month alone (WebKitGTK does not give "2026-11"), and a month chooser that
// gets anything else has no month to start from.
const BRASILIA_MONTH = new Intl.DateTimeFormat("en-CA", { timeZone: "America/Sao_Paulo", year: "numeric", month: "2-digit" });
export function monthOf(date = new Date()) {
  const part = (type) => BRASILIA_MONTH.formatToParts(date).find((p) => p.type === type)?.value ?? "";
  return `${part("year").padStart(4, "0")}-${part("month").padStart(2, "0")}`;
}

export function formatBytes(size) {
  if (size === null || size === undefined) return EMPTY;
  if (size < 1024) return `${size} B`;
  const units = ["KB", "MB", "GB"];
  let v = size / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(1).replace(".", ",")} ${units[i]}`;
}

// Megabytes with one decimal, rounded up so a file just over a limit never reads as
// the limit itself: 20 MiB + 1 byte -> "20,1".
export function formatMegabytes(size) {
  if (size === null || size === undefined) return EMPTY;
  const tenths = Math.ceil((size / (1024 * 1024)) * 10) / 10;
  return tenths.toFixed(1).replace(".", ",");
}

// A robot's progress (0-100) as "40%"; out-of-range or missing values are clamped or
// shown as a dash.
export function formatProgress(value) {
  if (value === null || value === undefined || value === "") return EMPTY;
  const n = Number(value);
  if (!Number.isFinite(n)) return String(value);
  return `${Math.round(Math.min(100, Math.max(0, n)))}%`;
}

export const STATUS_LABEL = {
  AGUARDANDO_DOWNLOAD: "Aguardando download",
  AGUARDANDO_APROVACAO: "Aguardando aprovação",
  AGUARDANDO_ENVIO_SAT: "Aguardando envio ao SAT",
  UPLOAD_REALIZADO: "Enviado ao SAT",
  CANCELADO: "Cancelado",
};

export const ROLE_LABEL = { ADMINISTRADOR: "Administrador", APROVADOR: "Aprovador", OPERADOR: "Operador" };

export const EXECUTION_KIND_LABEL = {
  DOWNLOAD_FATURA: "Download da fatura",
  UPLOAD_SAT: "Envio ao SAT",
  UPLOAD_MANUAL: "Envio manual",
};

export const EXECUTION_STATUS_LABEL = {
  PENDENTE: "Pendente",
  EXECUTANDO: "Executando",
  CONCLUIDO: "Concluída",
  FALHOU: "Falhou",
  TIMEOUT: "Tempo esgotado",
  CANCELADO: "Cancelada",
};

// execution.error_class: transient failures are retried automatically, business ones
// wait for a person.
export const ERROR_CLASS_LABEL = {
  TRANSITORIO: "transitório",
  NEGOCIO: "de negócio",
};

export const AUDIT_ACTION_LABEL = {
  CRIAR: "Criação",
  ALTERAR: "Alteração",
  ATIVAR: "Ativação",
  DESATIVAR: "Desativação",
  APROVAR: "Aprovação",
  REJEITAR: "Rejeição",
  CANCELAR: "Cancelamento",
  DOWNLOAD_CONCLUIDO: "Download concluído",
  UPLOAD_MANUAL: "Envio manual da fatura",
  ENVIO_SAT_CONCLUIDO: "Envio ao SAT concluído",
  LOGIN_OK: "Entrada no sistema",
  LOGIN_FALHOU: "Tentativa de entrada recusada",
  CONTA_BLOQUEADA: "Conta bloqueada",
  LOGOUT: "Saída do sistema",
};

// The client fields an import or an audit line may name.
export const CLIENT_FIELD_LABEL = {
  hash: "Hash",
  legal_name: "Razão social",
  sat_name: "Nome no SAT",
  cnpj: "CNPJ",
  operator_id: "Operadora",
  operator_name: "Operadora",
  account_filter: "Filtro",
  service: "Serviço",
  sat_data: "Dados SAT",
  unit: "Unidade",
  sat_category: "Categoria SAT",
  issue_site_url: "Site para emissão",
  portal_login: "Login do portal",
  portal_password: "Senha do portal",
  cpf: "CPF",
  notes: "Observações",
  active: "Situação",
};

// A wire value nobody gave a label yet still reads as words: "ENVIO_SAT" -> "Envio sat".
function humanize(value) {
  const s = String(value ?? "").replace(/_/g, " ").toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const labelFrom = (table) => (value) => (value ? table[value] ?? humanize(value) : EMPTY);

export const statusLabel = labelFrom(STATUS_LABEL);
export const roleLabel = labelFrom(ROLE_LABEL);
export const executionKindLabel = labelFrom(EXECUTION_KIND_LABEL);
export const executionStatusLabel = labelFrom(EXECUTION_STATUS_LABEL);
export const auditActionLabel = labelFrom(AUDIT_ACTION_LABEL);
export const errorClassLabel = (value) => (value ? ERROR_CLASS_LABEL[value] ?? humanize(value).toLowerCase() : "");
export const clientFieldLabel = (field) => CLIENT_FIELD_LABEL[field] ?? field;

// "1 cliente" / "3 clientes".
export function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}
