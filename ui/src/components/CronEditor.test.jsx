import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { useState } from "preact/hooks";
import CronEditor, { cronToPreset, presetToCron, PREVIEW_DELAY_MS } from "./CronEditor.jsx";
import { api, CommandError } from "../api.js";
import { TOKEN } from "../testing.js";

vi.mock("@tauri-apps/api/core", () => ({ invoke: async () => null }));

// Five runs one day apart at 02:30 Brasília time, as Rust answers.
function daily(hh, mm) {
  const runs = [1, 2, 3, 4, 5].map((d) => ({
    at: `2026-12-0${d}T${hh}:${mm}:00-03:00`,
    display: `0${d}/12/2026 ${hh}:${mm}`,
    weekday: "terça-feira",
  }));
  return { cron: `${Number(mm)} ${Number(hh)} * * *`, description: `Todo dia às ${hh}:${mm}`, runs };
}

const HOUR_ERROR = 'O campo hora aceita de 0 a 23; "25" está fora desse intervalo.';

let preview;
beforeEach(() => {
  preview = vi.spyOn(api, "previewSchedule").mockImplementation(async (_token, cron) => {
    if (cron.split(" ")[1] === "25") {
      throw new CommandError({ code: "VALIDATION", message: HOUR_ERROR, fields: [{ field: "cron", message: HOUR_ERROR }] });
    }
    return daily("02", "30");
  });
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

// The editor inside a form that keeps the expression, as the schedule form does.
function Host({ initial = "", onValue = () => {} }) {
  const [cron, setCron] = useState(initial);
  return (
    <>
      <CronEditor
        token={TOKEN}
        value={cron}
        onChange={(v) => {
          setCron(v);
          onValue(v);
        }}
      />
      <output data-testid="value">{cron}</output>
    </>
  );
}

describe("presets", () => {
  it("write the expression", () => {
    expect(presetToCron({ mode: "diario", hour: 2, minute: 30 })).toBe("30 2 * * *");
    expect(presetToCron({ mode: "semanal", hour: 3, minute: 0, weekday: 0 })).toBe("0 3 * * 0");
    expect(presetToCron({ mode: "mensal", hour: 6, minute: 0, day: 1 })).toBe("0 6 1 * *");
    expect(presetToCron({ mode: "avancado", fields: { minute: "*/15", hour: "8-18", day: "*", month: "*", weekday: "1-5" } })).toBe("*/15 8-18 * * 1-5");
  });

  it("are recognised again from an expression", () => {
    expect(cronToPreset("30 2 * * *")).toMatchObject({ mode: "diario", hour: 2, minute: 30 });
    expect(cronToPreset("0 3 * * 0")).toMatchObject({ mode: "semanal", hour: 3, minute: 0, weekday: 0 });
    expect(cronToPreset("0 6 1 * *")).toMatchObject({ mode: "mensal", hour: 6, minute: 0, day: 1 });
    expect(cronToPreset("*/15 8-18 * * 1-5")).toMatchObject({ mode: "avancado", fields: { minute: "*/15", hour: "8-18", weekday: "1-5" } });
    expect(cronToPreset("0 6 1 1 *").mode).toBe("avancado");
    expect(cronToPreset("").mode).toBe("diario");
  });
});

describe("CronEditor", () => {
  it("turns the chosen preset into the expression and previews five runs", async () => {
    const seen = [];
    render(<Host initial="0 6 1 * *" onValue={(v) => seen.push(v)} />);
    expect(screen.getByTestId("cron-mode-mensal").checked).toBe(true);
    fireEvent.click(screen.getByTestId("cron-mode-diario"));
    fireEvent.change(screen.getByTestId("cron-hour"), { target: { value: "2" } });
    fireEvent.change(screen.getByTestId("cron-minute"), { target: { value: "30" } });
    expect(screen.getByTestId("cron-expression").textContent).toBe("30 2 * * *");
    await waitFor(() => expect(screen.getByTestId("value").textContent).toBe("30 2 * * *"));
    const runs = await screen.findAllByTestId("cron-preview-run");
    expect(runs.map((r) => r.textContent)).toEqual([1, 2, 3, 4, 5].map((d) => `0${d}/12/2026 02:30 (terça-feira)`));
    expect(screen.getByTestId("cron-description").textContent).toBe("Todo dia às 02:30");
    expect(screen.getByTestId("cron-preview").getAttribute("aria-live")).toBe("polite");
    expect(preview).toHaveBeenLastCalledWith(TOKEN, "30 2 * * *");
    expect(seen.at(-1)).toBe("30 2 * * *");

    fireEvent.click(screen.getByTestId("cron-mode-semanal"));
    fireEvent.change(screen.getByTestId("cron-weekday"), { target: { value: "0" } });
    expect(screen.getByTestId("cron-expression").textContent).toBe("30 2 * * 0");
  });

  it("asks for the preview once the typing stops", async () => {
    vi.useFakeTimers();
    render(<Host initial="0 6 * * *" />);
    fireEvent.click(screen.getByTestId("cron-mode-avancado"));
    for (const v of ["1", "12", "*/1"]) fireEvent.input(screen.getByTestId("cron-field-minute"), { target: { value: v } });
    await act(async () => {
      vi.advanceTimersByTime(PREVIEW_DELAY_MS + 10);
    });
    expect(preview).toHaveBeenCalledTimes(1);
    expect(preview).toHaveBeenCalledWith(TOKEN, "*/1 6 * * *");
  });

  it("shows Rust's pt-BR error for an invalid advanced expression", async () => {
    render(<Host initial="0 6 * * *" />);
    fireEvent.click(screen.getByTestId("cron-mode-avancado"));
    expect(screen.getByTestId("cron-field-hour").value).toBe("6");
    fireEvent.input(screen.getByTestId("cron-field-hour"), { target: { value: "25" } });
    const error = await screen.findByTestId("cron-error");
    expect(error.textContent).toBe(HOUR_ERROR);
    expect(error.getAttribute("role")).toBe("alert");
    expect(screen.queryAllByTestId("cron-preview-run")).toHaveLength(0);
    expect(screen.getByTestId("value").textContent).toBe("0 25 * * *");
  });
});
