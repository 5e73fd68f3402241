// A month chooser of our own: `<input type="month">` is a plain text box in Safari and
// WKWebView (macOS), where one would have to type "2026-11". This one is the same in every
// engine: previous/next month buttons around a select of the month (janeiro…dezembro) and
// a select of the year, all native controls (labelled, reachable with Tab, operated with
// the arrow keys); PageUp / PageDown anywhere in it go to the previous / next month.
//
// value: "YYYY-MM", or "" for no month when `allowEmpty` (the month select then offers
// `emptyLabel`, "Todos os meses", to clear it). onChange gets a "YYYY-MM" string (or "").
// `name` puts the value in a hidden input of that name (forms and `[name=…]` find it);
// `testId` is on the group (with the value in data-value) and, suffixed with -prev,
// -month, -year and -next, on its controls. `id` goes to the month select, so a
// `<label for>` elsewhere may point at it; `showLabel` draws `label` above the controls
// instead (the group is named by it either way).
import { monthOf } from "../format.js";

export const MONTH_NAMES = [
  "janeiro",
  "fevereiro",
  "março",
  "abril",
  "maio",
  "junho",
  "julho",
  "agosto",
  "setembro",
  "outubro",
  "novembro",
  "dezembro",
];

const MONTH_RE = /^(\d{4})-(\d{2})$/;

// "2026-11" -> [2026, 11]; anything else -> null.
export function parseMonth(value) {
  const m = MONTH_RE.exec(String(value ?? ""));
  if (!m) return null;
  const month = Number(m[2]);
  return month >= 1 && month <= 12 ? [Number(m[1]), month] : null;
}

const pad2 = (n) => String(n).padStart(2, "0");
const toValue = (year, month) => `${year}-${pad2(month)}`;

// "2026-12" + 1 -> "2027-01"; "2027-01" - 1 -> "2026-12".
export function shiftMonth(value, delta) {
  const parsed = parseMonth(value);
  if (!parsed) return value;
  const index = parsed[0] * 12 + (parsed[1] - 1) + delta;
  return toValue(Math.floor(index / 12), (index % 12) + 1);
}

// "2026-11" -> "novembro de 2026".
export function monthLong(value) {
  const parsed = parseMonth(value);
  return parsed ? `${MONTH_NAMES[parsed[1] - 1]} de ${parsed[0]}` : "";
}

export function MonthPicker({
  id,
  name,
  label,
  value,
  onChange,
  allowEmpty = false,
  emptyLabel = "Todos os meses",
  disabled = false,
  showLabel = false,
  testId,
}) {
  const current = parseMonth(value);
  // This month in Brasília (the cycle's months); the machine's, should that ever fail.
  const now = new Date();
  const today = parseMonth(monthOf()) ?? [now.getFullYear(), now.getMonth() + 1];
  const [year, month] = current ?? [null, null];
  const labelId = showLabel && id ? `${id}-label` : undefined;
  const sub = (suffix) => (testId ? `${testId}-${suffix}` : undefined);

  // Several years around the shown one and this one; the buttons reach any other.
  const from = Math.min(year ?? today[0], today[0]) - 5;
  const to = Math.max(year ?? today[0], today[0]) + 1;
  const years = [];
  for (let y = to; y >= from; y--) years.push(y);

  const set = (next) => {
    if (next !== (value ?? "")) onChange(next);
  };
  // From no month, the buttons start at this month.
  const step = (delta) => set(shiftMonth(current ? value : toValue(...today), delta));
  const chooseMonth = (m) => set(m === "" ? "" : toValue(year ?? today[0], Number(m)));
  const chooseYear = (y) => set(y === "" ? (allowEmpty ? "" : value) : toValue(Number(y), month ?? today[1]));

  function onKeyDown(e) {
    if (disabled || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === "PageUp" || e.key === "PageDown") {
      e.preventDefault();
      step(e.key === "PageUp" ? -1 : 1);
    }
  }

  const shown = monthLong(value);
  return (
    <div
      role="group"
      className="month-picker"
      aria-label={labelId ? undefined : label}
      aria-labelledby={labelId}
      aria-keyshortcuts="PageUp PageDown"
      data-testid={testId}
      data-value={value ?? ""}
      onKeyDown={onKeyDown}
    >
      {showLabel && (
        <span className="month-picker__label" id={labelId}>
          {label}
        </span>
      )}
      <div className="month-picker__controls">
        <button
          type="button"
          className="month-picker__step"
          aria-label="Mês anterior"
          title="Mês anterior (PageUp)"
          disabled={disabled}
          onClick={() => step(-1)}
          data-testid={sub("prev")}
        >
          <span aria-hidden="true">‹</span>
        </button>
        <select
          id={id}
          className="month-picker__select"
          aria-label="Mês"
          value={month ? pad2(month) : ""}
          disabled={disabled}
          onChange={(e) => chooseMonth(e.currentTarget.value)}
          data-testid={sub("month")}
        >
          {(allowEmpty || !current) && <option value="">{allowEmpty ? emptyLabel : "—"}</option>}
          {MONTH_NAMES.map((n, i) => (
            <option key={n} value={pad2(i + 1)}>
              {n}
            </option>
          ))}
        </select>
        <select
          id={id ? `${id}-year` : undefined}
          className="month-picker__select"
          aria-label="Ano"
          value={year ? String(year) : ""}
          disabled={disabled}
          onChange={(e) => chooseYear(e.currentTarget.value)}
          data-testid={sub("year")}
        >
          {!current && <option value="">—</option>}
          {years.map((y) => (
            <option key={y} value={String(y)}>
              {y}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="month-picker__step"
          aria-label="Próximo mês"
          title="Próximo mês (PageDown)"
          disabled={disabled}
          onClick={() => step(1)}
          data-testid={sub("next")}
        >
          <span aria-hidden="true">›</span>
        </button>
      </div>
      {/* What a screen reader says after a button or PageUp/PageDown moved the month. */}
      <span className="visually-hidden" aria-live="polite" data-testid={sub("text")}>
        {shown || (allowEmpty ? emptyLabel : "")}
      </span>
      {name && <input type="hidden" name={name} value={value ?? ""} />}
    </div>
  );
}
