// The cron editor of a schedule: presets that write the expression (daily at HH:MM;
// weekly: weekday + time; monthly: day of the month + time; advanced: the five raw
// fields) and a live preview of the next five runs in Brasília time. The preview asks
// Rust (debounced), so the window shows exactly what the worker will do, and Rust's pt-BR
// error when the expression is wrong. The expression is always read in Brasília time.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.js";

export const PREVIEW_DELAY_MS = 300;

export const MODES = [
  ["diario", "Diário"],
  ["semanal", "Semanal"],
  ["mensal", "Mensal"],
  ["avancado", "Avançado"],
];

export const WEEKDAYS = ["Domingo", "Segunda-feira", "Terça-feira", "Quarta-feira", "Quinta-feira", "Sexta-feira", "Sábado"];

export const ADVANCED_FIELDS = [
  ["minute", "Minuto", "0–59"],
  ["hour", "Hora", "0–23"],
  ["day", "Dia do mês", "1–31"],
  ["month", "Mês", "1–12"],
  ["weekday", "Dia da semana", "0–6 (0 = domingo)"],
];

const HOURS = Array.from({ length: 24 }, (_, h) => h);
const MINUTES = Array.from({ length: 60 }, (_, m) => m);
const DAYS = Array.from({ length: 31 }, (_, d) => d + 1);
const pad2 = (n) => String(n).padStart(2, "0");

// A plain number within [lo, hi], or null.
function plain(text, lo, hi) {
  if (!/^\d{1,2}$/.test(text)) return null;
  const n = Number(text);
  return n >= lo && n <= hi ? n : null;
}

// The editor's state -> the five-field expression.
export function presetToCron(p) {
  const m = Number(p.minute);
  const h = Number(p.hour);
  switch (p.mode) {
    case "diario":
      return `${m} ${h} * * *`;
    case "semanal":
      return `${m} ${h} * * ${Number(p.weekday)}`;
    case "mensal":
      return `${m} ${h} ${Number(p.day)} * *`;
    default:
      return ADVANCED_FIELDS.map(([key]) => String(p.fields?.[key] ?? "").trim()).join(" ");
  }
}

// An expression -> the preset that writes it, or the advanced mode with its fields.
export function cronToPreset(cron) {
  const parts = String(cron ?? "").trim().split(/\s+/).filter(Boolean);
  const fields = Object.fromEntries(ADVANCED_FIELDS.map(([key], i) => [key, parts[i] ?? ""]));
  const base = { mode: "avancado", minute: 0, hour: 6, weekday: 1, day: 1, fields };
  if (parts.length !== 5) return parts.length ? base : { ...base, mode: "diario", fields: { minute: "0", hour: "6", day: "*", month: "*", weekday: "*" } };
  const [mi, ho, dom, mon, dow] = parts;
  const minute = plain(mi, 0, 59);
  const hour = plain(ho, 0, 23);
  if (minute === null || hour === null || mon !== "*") return base;
  const at = { ...base, minute, hour };
  if (dom === "*" && dow === "*") return { ...at, mode: "diario" };
  if (dom === "*" && plain(dow, 0, 6) !== null) return { ...at, mode: "semanal", weekday: Number(dow) };
  if (dow === "*" && plain(dom, 1, 31) !== null) return { ...at, mode: "mensal", day: Number(dom) };
  return base;
}

// Debounced preview of `cron`: {runs, description} or the pt-BR error.
function usePreview(token, cron) {
  const [state, setState] = useState({ loading: true, preview: null, error: null });
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    const t = setTimeout(async () => {
      try {
        const preview = await api.previewSchedule(token, cron);
        if (live) setState({ loading: false, preview, error: null });
      } catch (err) {
        if (live) setState({ loading: false, preview: null, error: err.fieldMap?.().cron ?? err.message });
      }
    }, PREVIEW_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [token, cron]);
  return state;
}

function TimeSelects({ preset, update }) {
  return (
    <>
      <div className="field">
        <label htmlFor="cron-hour">Hora</label>
        <select id="cron-hour" value={String(preset.hour)} onChange={(e) => update({ hour: Number(e.currentTarget.value) })} data-testid="cron-hour">
          {HOURS.map((h) => (
            <option key={h} value={String(h)}>
              {pad2(h)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="cron-minute">Minuto</label>
        <select id="cron-minute" value={String(preset.minute)} onChange={(e) => update({ minute: Number(e.currentTarget.value) })} data-testid="cron-minute">
          {MINUTES.map((m) => (
            <option key={m} value={String(m)}>
              {pad2(m)}
            </option>
          ))}
        </select>
      </div>
    </>
  );
}

// value: the expression; onChange(expression); error: the save's error on `cron`.
export default function CronEditor({ token, value, onChange, error }) {
  const [preset, setPreset] = useState(() => cronToPreset(value));
  const cron = presetToCron(preset);
  const { loading, preview, error: previewError } = usePreview(token, cron);

  useEffect(() => {
    if (cron !== value) onChange(cron);
  }, [cron]);

  const update = (change) => setPreset((p) => ({ ...p, ...change }));
  const setMode = (mode) =>
    setPreset((p) => {
      if (mode !== "avancado") return { ...p, mode };
      // Advanced starts from what the preset wrote, so it can be refined.
      const parts = presetToCron(p).split(" ");
      return { ...p, mode, fields: Object.fromEntries(ADVANCED_FIELDS.map(([key], i) => [key, parts[i] ?? ""])) };
    });
  const shownError = previewError ?? (loading ? null : error);

  return (
    <fieldset className="cron-editor" data-testid="cron-editor">
      <legend>Quando</legend>
      <div className="cron-editor__modes" role="radiogroup" aria-label="Frequência">
        {MODES.map(([mode, label]) => (
          <label key={mode}>
            <input type="radio" name="cron-mode" value={mode} checked={preset.mode === mode} onChange={() => setMode(mode)} data-testid={`cron-mode-${mode}`} /> {label}
          </label>
        ))}
      </div>
      {preset.mode === "avancado" ? (
        <div className="cron-editor__fields">
          {ADVANCED_FIELDS.map(([key, label, hint]) => (
            <div className="field" key={key}>
              <label htmlFor={`cron-${key}-raw`}>{label}</label>
              <input
                id={`cron-${key}-raw`}
                value={preset.fields?.[key] ?? ""}
                onInput={(e) => {
                  const text = e.currentTarget.value;
                  setPreset((p) => ({ ...p, fields: { ...p.fields, [key]: text } }));
                }}
                placeholder={hint}
                title={hint}
                spellcheck={false}
                autoComplete="off"
                aria-invalid={shownError ? "true" : "false"}
                data-testid={`cron-field-${key}`}
              />
            </div>
          ))}
        </div>
      ) : (
        <div className="cron-editor__fields">
          {preset.mode === "semanal" && (
            <div className="field">
              <label htmlFor="cron-weekday">Dia da semana</label>
              <select id="cron-weekday" value={String(preset.weekday)} onChange={(e) => update({ weekday: Number(e.currentTarget.value) })} data-testid="cron-weekday">
                {WEEKDAYS.map((name, i) => (
                  <option key={i} value={String(i)}>
                    {name}
                  </option>
                ))}
              </select>
            </div>
          )}
          {preset.mode === "mensal" && (
            <div className="field">
              <label htmlFor="cron-day">Dia do mês</label>
              <select id="cron-day" value={String(preset.day)} onChange={(e) => update({ day: Number(e.currentTarget.value) })} data-testid="cron-day">
                {DAYS.map((d) => (
                  <option key={d} value={String(d)}>
                    {d}
                  </option>
                ))}
              </select>
            </div>
          )}
          <TimeSelects preset={preset} update={update} />
        </div>
      )}
      <p className="muted">
        Expressão: <code data-testid="cron-expression">{cron}</code> (horário de Brasília)
        {preset.mode === "mensal" && preset.day > 28 && " — nos meses sem esse dia, não há execução."}
      </p>
      <div className="cron-preview" aria-live="polite" data-testid="cron-preview" aria-busy={loading ? "true" : "false"}>
        {shownError ? (
          <p className="field__error" role="alert" data-testid="cron-error">
            {shownError}
          </p>
        ) : preview ? (
          <>
            <p>
              <strong data-testid="cron-description">{preview.description}</strong>. Próximas execuções:
            </p>
            <ol className="cron-preview__runs">
              {preview.runs.map((r) => (
                <li key={r.at} data-testid="cron-preview-run" data-at={r.at}>
                  {r.display} ({r.weekday})
                </li>
              ))}
            </ol>
          </>
        ) : (
          <p className="muted">Calculando as próximas execuções…</p>
        )}
      </div>
    </fieldset>
  );
}
