import { describe, expect, it, vi } from "vitest";
import {
  auditActionLabel,
  clientFieldLabel,
  errorClassLabel,
  executionKindLabel,
  executionStatusLabel,
  formatBytes,
  formatCnpj,
  formatCpf,
  formatDate,
  formatDateTime,
  formatMoney,
  formatMegabytes,
  formatMonth,
  formatTime,
  formatHour,
  formatProgress,
  monthOf,
  plural,
  roleLabel,
  statusLabel,
} from "./format.js";

// vite.config.js pins the tests' time zone to Brasília (UTC-3).
describe("documents", () => {
  it("formats a 14-digit CNPJ and leaves anything else as it came", () => {
    expect(formatCnpj("12345678000195")).toBe("12.345.678/0001-95");
    expect(formatCnpj("12.345.678/0001-95")).toBe("12.345.678/0001-95");
    expect(formatCnpj("123")).toBe("123");
    expect(formatCnpj(null)).toBe("—");
  });

  it("formats an 11-digit CPF", () => {
    expect(formatCpf("12345678909")).toBe("123.456.789-09");
    expect(formatCpf("")).toBe("—");
  });
});

describe("money", () => {
  it("formats the exact decimal string in reais without a float", () => {
    expect(formatMoney("1234.56")).toBe("R$ 1.234,56");
    expect(formatMoney("0.05")).toBe("R$ 0,05");
    expect(formatMoney("1234567.8")).toBe("R$ 1.234.567,80");
    expect(formatMoney("100")).toBe("R$ 100,00");
    expect(formatMoney("-10.00")).toBe("-R$ 10,00");
    // 2^53 + 1 is not representable as a float: text keeps every digit.
    expect(formatMoney("9007199254740993.01")).toBe("R$ 9.007.199.254.740.993,01");
  });

  it("shows a dash for no amount and unknown text as it came", () => {
    expect(formatMoney(null)).toBe("—");
    expect(formatMoney("abc")).toBe("abc");
  });
});

describe("dates", () => {
  it("formats a calendar date without touching time zones", () => {
    expect(formatDate("2026-12-10")).toBe("10/12/2026");
    expect(formatDate(null)).toBe("—");
  });

  it("formats a UTC instant in local time as dd/mm/aaaa hh:mm", () => {
    expect(formatDateTime("2026-11-05T17:03:00Z")).toBe("05/11/2026 14:03");
    expect(formatDateTime("2026-11-05T17:03:09.123456Z")).toBe("05/11/2026 14:03");
    expect(formatDateTime("2026-01-01T01:30:00+00:00")).toBe("31/12/2025 22:30");
    expect(formatDateTime("2026-11-05T17:03:09Z", { seconds: true })).toBe("05/11/2026 14:03:09");
  });

  it("takes a zone-less timestamp as UTC and accepts a space before the time", () => {
    expect(formatDateTime("2026-11-05 17:03:00")).toBe("05/11/2026 14:03");
    expect(formatDateTime("ontem")).toBe("ontem");
    expect(formatDateTime(null)).toBe("—");
  });

  it("shows only the local time of an instant, and an hour of the day", () => {
    expect(formatTime("2026-11-05T17:03:09Z")).toBe("14:03");
    expect(formatTime("2026-11-05 01:30:00")).toBe("22:30");
    expect(formatTime(null)).toBe("—");
    expect(formatTime("logo")).toBe("logo");
    expect(formatHour(8)).toBe("08:00");
    expect(formatHour(0)).toBe("00:00");
    expect(formatHour(null)).toBe("—");
  });

  it("shows a reference month as MM/AAAA", () => {
    expect(formatMonth("2026-11")).toBe("11/2026");
    expect(formatMonth("")).toBe("—");
    expect(monthOf(new Date(2026, 0, 15))).toBe("2026-01");
  });

  it("takes the month of an instant in Brasília, whatever the machine's zone", () => {
    // 02:00 UTC on New Year's Day is still 23:00 of 31 December in Brasília.
    expect(monthOf(new Date("2027-01-01T02:00:00Z"))).toBe("2026-12");
    expect(monthOf(new Date("2027-01-01T03:00:00Z"))).toBe("2027-01");
    expect(monthOf(new Date("2028-03-01T02:59:59Z"))).toBe("2028-02");
  });

  it("does not depend on how the engine writes en-CA's year and month (WebKitGTK: not 2026-11)", () => {
    // Seen in the real window: a month chooser that got "11/2026" had no month and the
    // Painel did not render. The parts are the same in every engine.
    const spy = vi.spyOn(Intl.DateTimeFormat.prototype, "format", "get").mockReturnValue(() => "11/2026");
    try {
      expect(monthOf(new Date("2026-11-15T12:00:00Z"))).toBe("2026-11");
    } finally {
      spy.mockRestore();
    }
  });
});

describe("labels", () => {
  it("names statuses, roles and audit actions in pt-BR", () => {
    expect(statusLabel("AGUARDANDO_DOWNLOAD")).toBe("Aguardando download");
    expect(statusLabel("AGUARDANDO_APROVACAO")).toBe("Aguardando aprovação");
    expect(statusLabel("AGUARDANDO_ENVIO_SAT")).toBe("Aguardando envio ao SAT");
    expect(statusLabel("UPLOAD_REALIZADO")).toBe("Enviado ao SAT");
    expect(statusLabel("CANCELADO")).toBe("Cancelado");
    expect(roleLabel("APROVADOR")).toBe("Aprovador");
    expect(auditActionLabel("REJEITAR")).toBe("Rejeição");
  });

  it("still reads an unknown wire value as words", () => {
    expect(statusLabel("NOVO_ESTADO")).toBe("Novo estado");
    expect(clientFieldLabel("legal_name")).toBe("Razão social");
    expect(clientFieldLabel("whatever")).toBe("whatever");
  });

  it("sizes and plurals", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1,5 KB");
    expect(formatBytes(3 * 1024 * 1024)).toBe("3,0 MB");
    expect(plural(1, "cliente", "clientes")).toBe("1 cliente");
    expect(plural(0, "cliente", "clientes")).toBe("0 clientes");
  });
});

describe("executions", () => {
  it("names kinds, statuses and error classes in pt-BR", () => {
    expect(executionKindLabel("DOWNLOAD_FATURA")).toBe("Download da fatura");
    expect(executionKindLabel("UPLOAD_SAT")).toBe("Envio ao SAT");
    expect(executionKindLabel("UPLOAD_MANUAL")).toBe("Envio manual");
    expect(executionStatusLabel("PENDENTE")).toBe("Pendente");
    expect(executionStatusLabel("EXECUTANDO")).toBe("Executando");
    expect(executionStatusLabel("CONCLUIDO")).toBe("Concluída");
    expect(executionStatusLabel("FALHOU")).toBe("Falhou");
    expect(executionStatusLabel("TIMEOUT")).toBe("Tempo esgotado");
    expect(executionStatusLabel("CANCELADO")).toBe("Cancelada");
    expect(errorClassLabel("TRANSITORIO")).toBe("transitório");
    expect(errorClassLabel("NEGOCIO")).toBe("de negócio");
    expect(errorClassLabel(null)).toBe("");
    expect(errorClassLabel("OUTRA_CLASSE")).toBe("outra classe");
  });

  it("shows progress as a clamped percentage", () => {
    expect(formatProgress(40)).toBe("40%");
    expect(formatProgress(0)).toBe("0%");
    expect(formatProgress(140)).toBe("100%");
    expect(formatProgress(-3)).toBe("0%");
    expect(formatProgress(null)).toBe("—");
  });

  it("shows megabytes with one decimal, rounded up", () => {
    const MB = 1024 * 1024;
    expect(formatMegabytes(25 * MB)).toBe("25,0");
    expect(formatMegabytes(20 * MB + 1)).toBe("20,1");
    expect(formatMegabytes(1.5 * MB)).toBe("1,5");
    expect(formatMegabytes(null)).toBe("—");
  });
});
