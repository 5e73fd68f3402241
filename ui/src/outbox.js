// The e-mail outbox (issue 21) as the desk shows it. Each row arrives with Rust's own
// pt-BR labels (rule_label, state_label); the tables below only name the filter's choices,
// which exist before any row does. Wire values as OutboxRow carries them.
import { formatDateTime, formatTime } from "./format.js";

export const OUTBOX_STATE_LABEL = {
  PENDENTE: "Na fila",
  ENVIANDO: "Enviando",
  ENVIADO: "Enviado",
  FALHOU: "Falhou",
  CANCELADO: "Cancelado",
};

export const OUTBOX_RULE_LABEL = {
  RESUMO: "Resumo",
  LEMBRETE: "Lembrete",
  ESCALONAMENTO: "Escalonamento",
  TESTE: "Teste",
};

// States after which a message never changes again: waiting for it ends there.
export const OUTBOX_FINAL = new Set(["ENVIADO", "FALHOU", "CANCELADO"]);

// What happened to one message, as a sentence: the test button's answer.
export function outboxStateText(row) {
  if (!row) return "";
  switch (row.state) {
    case "PENDENTE":
      return row.last_error
        ? `Na fila — a última tentativa falhou (${row.last_error}); nova tentativa ${row.next_attempt_at ? `às ${formatTime(row.next_attempt_at)}` : "em breve"}`
        : "Na fila — aguardando uma máquina robô";
    case "ENVIANDO":
      return "Enviando — uma máquina robô está entregando a mensagem";
    case "ENVIADO":
      return `Enviado às ${formatTime(row.sent_at)}`;
    case "FALHOU":
      return `Falhou: ${row.last_error || row.state_label || "sem mensagem do servidor"}`;
    default:
      return row.state_label || OUTBOX_STATE_LABEL[row.state] || String(row.state ?? "");
  }
}

// When a message was sent, or else since when it waits (or when it was queued, for one
// that failed or was cancelled): the one instant a short list shows.
export function outboxWhen(row) {
  if (row.sent_at) return `enviado em ${formatDateTime(row.sent_at)}`;
  if (row.state === "PENDENTE" || row.state === "ENVIANDO") return `na fila desde ${formatDateTime(row.created_at)}`;
  return `criado em ${formatDateTime(row.created_at)}`;
}
