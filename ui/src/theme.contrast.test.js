// @vitest-environment node
// WCAG 2.x contrast of every text/background pair styles.css actually uses, in the light
// theme, the chosen dark theme ([data-theme="dark"]) and the OS dark theme before any script
// ran (@media prefers-color-scheme: dark). Text needs 4.5:1 (AA); the focus ring and other
// graphics that carry meaning need 3:1 (WCAG 1.4.11). Colours are read from the file itself.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const CSS = readFileSync(new URL("./styles.css", import.meta.url), "utf8").replace(/\/\*[\s\S]*?\*\//g, "");

// --- parsing -------------------------------------------------------------------------------

function declarations(body) {
  const vars = {};
  for (const m of body.matchAll(/(--[\w-]+)\s*:\s*([^;}]+)/g)) vars[m[1]] = m[2].trim();
  return vars;
}

// The body of the first block opened by `selector` (braces balanced).
function blockBody(source, selector) {
  const at = source.indexOf(selector);
  if (at < 0) throw new Error(`styles.css: no block ${selector}`);
  const open = source.indexOf("{", at);
  let depth = 0;
  for (let i = open; i < source.length; i += 1) {
    if (source[i] === "{") depth += 1;
    if (source[i] === "}") {
      depth -= 1;
      if (depth === 0) return source.slice(open + 1, i);
    }
  }
  throw new Error(`styles.css: block ${selector} not closed`);
}

export const LIGHT = declarations(blockBody(CSS, ":root {"));
const DARK_OWN = declarations(blockBody(CSS, ':root[data-theme="dark"] {'));
const OS_DARK_OWN = declarations(blockBody(blockBody(CSS, "@media (prefers-color-scheme: dark)"), ":root:not([data-theme]) {"));
export const THEMES = {
  light: LIGHT,
  dark: { ...LIGHT, ...DARK_OWN },
  "dark (OS, before the script)": { ...LIGHT, ...OS_DARK_OWN },
};

// [r, g, b, a] with r, g, b in 0..255 and a in 0..1.
export function parseColour(text) {
  const t = text.trim().toLowerCase();
  let m = t.match(/^#([0-9a-f]{3})$/);
  if (m) return [...m[1]].map((c) => parseInt(c + c, 16)).concat(1);
  m = t.match(/^#([0-9a-f]{6})$/);
  if (m) return [0, 2, 4].map((i) => parseInt(m[1].slice(i, i + 2), 16)).concat(1);
  m = t.match(/^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/);
  if (m) {
    let a = 1;
    if (m[4] !== undefined) a = m[4].endsWith("%") ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
    return [+m[1], +m[2], +m[3], a];
  }
  if (t === "white") return [255, 255, 255, 1];
  if (t === "black") return [0, 0, 0, 1];
  throw new Error(`colour not understood: ${text}`);
}

// A colour over an opaque background (alpha compositing).
export function over([r, g, b, a], [br, bg, bb]) {
  return [r * a + br * (1 - a), g * a + bg * (1 - a), b * a + bb * (1 - a), 1];
}

function luminance([r, g, b]) {
  const lin = (c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

export function ratio(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

// A value (`#fff`, `var(--x)`, `--x`) resolved in a theme. Translucent colours sit on `under`.
function resolve(theme, value, under) {
  let v = value.trim();
  const m = v.match(/^var\((--[\w-]+)\)$/);
  if (m) v = m[1];
  if (v.startsWith("--")) {
    if (!(v in theme)) throw new Error(`variable ${v} is not defined`);
    return resolve(theme, theme[v], under);
  }
  const c = parseColour(v);
  if (c[3] < 1) {
    if (!under) throw new Error(`translucent ${value} needs a background`);
    return over(c, under);
  }
  return c;
}

// --- the pairs ------------------------------------------------------------------------------
// [text, background, where it is used]; a background written "A over B" is the translucent A
// laid on B. Text with opacity is written {colour, opacity} and blended over its background.
export const TEXT_PAIRS = [
  // Page, panels, table headers, notes, pre.json, kbd, .first-approval, .approval-badge,
  // selected/hovered queue rows and table rows (body text is --fg everywhere).
  ["--fg", "--bg", "body"],
  ["--fg", "--surface", ".panel, table, inputs, buttons, .modal, .queue-row"],
  ["--fg", "--surface-2", "th, .note, pre.json, kbd, .approval-badge, .first-approval, .queue-row--selected, .values-panel"],
  ["--fg", "--hover", "tr.clickable:hover td"],
  ["--fg", "--selected", "tr.selected td"],
  ["--fg", "--neutral-bg", ".badge (default)"],
  ["--fg", "--info-bg", ".badge--AGUARDANDO_ENVIO_SAT"],
  ["--fg", "--danger-bg", ".needs-attention p"],
  // Secondary text.
  ["--muted", "--bg", ".muted on the page"],
  ["--muted", "--surface", ".muted, .facts dt, .count-card__label, tr.inactive td, .busy"],
  ["--muted", "--surface-2", ".queue-row__meta on a selected row, .source-label in .values-panel, .pdf-page__caption"],
  ["--muted", "--hover", "tr.inactive td on hover"],
  ["--muted", "--selected", "tr.inactive td when selected"],
  ["--muted", "--neutral-bg", ".badge--CANCELADO, .run-badge--PENDENTE, .check-badge--SEM_DADOS"],
  // Links and link-looking buttons.
  ["--accent", "--bg", "a on the page"],
  ["--accent", "--surface", "a, button.link, .link-button, .count-card__value"],
  ["--accent", "--surface-2", ".link-button inside .values-panel"],
  ["--accent", "--selected", "a/button.link in a selected table row"],
  ["--accent", "--info-bg", ".badge--AGUARDANDO_DOWNLOAD, .run-badge--EXECUTANDO"],
  // Filled buttons and banners.
  ["--accent-fg", "--accent", "button.primary"],
  ["--accent-fg", "--danger", "button.danger, .db-banner"],
  [{ colour: "--accent-fg", opacity: 0.9 }, "--danger", ".db-banner__detail (opacity 0.9)"],
  // Status colours as text.
  ["--danger", "--surface", ".field__error, .run-status--FALHOU, .blocked-reason, .queue-row__checks--fail"],
  ["--danger", "--surface-2", ".queue-row__checks--fail on a selected row"],
  ["--danger", "--bg", ".export-status--error on the page"],
  ["--danger", "--danger-bg", ".banner--error, .attention, .needs-attention, .run-badge--FALHOU, .error-class--NEGOCIO, .check-badge--FALHOU, .connection-result--fail"],
  ["--warn", "--surface", ".approval-checks__summary--attention, .missing-note, .queue-row__checks--warn"],
  ["--warn", "--surface-2", ".queue-row__checks--warn on a selected row"],
  ["--warn", "--warn-bg", ".badge--AGUARDANDO_APROVACAO, .warning, .error-class--TRANSITORIO, .check-badge--ATENCAO, td.cell-missing"],
  ["--ok", "--surface", ".run-status--CONCLUIDO, .done-note, .approval-message--ok, .queue-row__checks--ok"],
  ["--ok", "--surface-2", ".queue-row__checks--ok on a selected row"],
  ["--ok", "--bg", ".export-status on the page"],
  ["--ok", "--ok-bg", ".banner--info, .badge--UPLOAD_REALIZADO, .run-badge--CONCLUIDO, .check-badge--OK, .connection-result--ok"],
  // The header.
  ["--topbar-fg", "--topbar", ".topbar, .topbar button, .topbar select, .tab.current"],
  ["--topbar-muted", "--topbar", ".topbar .tab"],
  ["--topbar-muted", "--topbar-chip over --topbar", ".robot-status (unknown)"],
  ["--robot-fg", "--robot-ok", ".robot-status--ok"],
  ["--robot-fg", "--robot-bad", ".robot-status--indisponivel"],
  ["--robot-warn-fg", "--robot-warn", ".robot-status--token_invalido"],
  // Execution logs.
  ["--log-fg", "--log-bg", ".log"],
  ["--log-muted", "--log-bg", ".log time"],
  ["--log-error", "--log-bg", ".log--error .log__level"],
  ["--log-warn", "--log-bg", ".log--warn .log__level"],
];

// Graphics that carry meaning: 3:1 against what is next to them (WCAG 1.4.11).
export const GRAPHIC_PAIRS = [
  ["--focus", "--bg", "focus ring on the page"],
  ["--focus", "--surface", "focus ring on panels, tables, the queue"],
  ["--focus", "--surface-2", "focus ring inside .values-panel and on selected rows"],
  ["--topbar-focus", "--topbar", "focus ring in the header"],
  ["--accent", "--surface-2", "selected queue row's left bar"],
  ["--accent", "--selected", "selected table row's left bar"],
  ["--topbar-fg", "--topbar", "current tab underline"],
  ["--danger", "--surface", "input border with an error"],
  // Chart segments and the status stripe of the dashboard's count cards.
  ["--st-sem", "--surface", "chart: Sem processo"],
  ["--st-download", "--surface", "chart: Aguardando download"],
  ["--st-approval", "--surface", "chart: Aguardando aprovação"],
  ["--st-sat", "--surface", "chart: Aguardando envio ao SAT"],
  ["--st-done", "--surface", "chart: Enviado ao SAT"],
  ["--st-cancelled", "--surface", "chart: Cancelado"],
];

export function pairRatio(theme, [fg, bg]) {
  const bgParts = bg.split(" over ");
  const base = resolve(theme, bgParts.at(-1));
  const back = bgParts.length === 2 ? resolve(theme, bgParts[0], base) : base;
  const text = typeof fg === "string" ? resolve(theme, fg, back) : over([...resolve(theme, fg.colour, back).slice(0, 3), fg.opacity], back);
  return ratio(text, back);
}

const label = (fg) => (typeof fg === "string" ? fg : `${fg.colour} @${fg.opacity}`);

describe("colour maths", () => {
  it("matches the WCAG reference values", () => {
    expect(ratio(parseColour("#000"), parseColour("#fff"))).toBeCloseTo(21, 5);
    expect(ratio(parseColour("#ffffff"), parseColour("#ffffff"))).toBeCloseTo(1, 5);
    // #767676 on white is the well-known 4.54:1.
    expect(ratio(parseColour("#767676"), parseColour("#fff"))).toBeCloseTo(4.54, 2);
    expect(over(parseColour("rgba(0, 0, 0, 0.5)"), parseColour("#ffffff"))[0]).toBeCloseTo(127.5, 5);
    expect(parseColour("rgb(0 0 0 / 55%)")).toEqual([0, 0, 0, 0.55]);
    expect(() => parseColour("tomato")).toThrow();
  });
});

describe.each(Object.entries(THEMES))("%s theme", (_name, theme) => {
  it.each(TEXT_PAIRS.map(([fg, bg, where]) => [label(fg), bg, where, fg]))("text %s on %s (%s) is at least 4.5:1", (_l, bg, _w, fg) => {
    expect(pairRatio(theme, [fg, bg])).toBeGreaterThanOrEqual(4.5);
  });

  it.each(GRAPHIC_PAIRS)("%s against %s (%s) is at least 3:1", (fg, bg) => {
    expect(pairRatio(theme, [fg, bg])).toBeGreaterThanOrEqual(3);
  });
});

describe("the OS dark block", () => {
  // Before main.jsx sets data-theme, the OS dark block alone paints the window: it must
  // give the same colours as the chosen dark theme, or the first frame differs.
  it("resolves every variable exactly as the chosen dark theme does", () => {
    expect(THEMES["dark (OS, before the script)"]).toEqual(THEMES.dark);
  });
});

describe("every colour-on-background rule", () => {
  // A rule that sets both its text colour and its background from the theme must be one of
  // the pairs above, so a new badge or banner cannot slip past this file unchecked.
  it("is among the checked pairs", () => {
    const checked = new Set(TEXT_PAIRS.map(([fg, bg]) => `${label(fg)} on ${bg.split(" over ")[0]}`));
    const missing = [];
    for (const m of CSS.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
      const body = m[2];
      const fg = body.match(/(?:^|;)\s*color\s*:\s*var\((--[\w-]+)\)/);
      const bg = body.match(/background(?:-color)?\s*:\s*var\((--[\w-]+)\)/);
      if (fg && bg) {
        const key = `${fg[1]} on ${bg[1]}`;
        if (!checked.has(key)) missing.push(`${m[1].trim()}: ${key}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe("keyboard focus", () => {
  const focusRules = [...CSS.matchAll(/([^{}]+)\{([^{}]*)\}/g)].filter(([, sel, body]) => sel.includes(":focus-visible") && /outline\s*:\s*\d/.test(body));
  const selectors = focusRules.flatMap(([, sel]) => sel.split(",").map((s) => s.trim()));

  it.each(["button", "a", "input", "select", "textarea", "summary", "[tabindex]"])("%s:focus-visible draws an outline", (element) => {
    expect(selectors).toContain(`${element}:focus-visible`);
  });

  it("uses the theme's focus colour, offset so it shows on filled buttons", () => {
    const general = focusRules.find(([, sel]) => sel.includes("button:focus-visible"));
    expect(general[2]).toMatch(/outline\s*:\s*2px solid var\(--focus\)/);
    expect(general[2]).toMatch(/outline-offset\s*:\s*2px/);
  });

  it("never removes or hides an outline", () => {
    const removed = [...CSS.matchAll(/([^{}]+)\{([^{}]*)\}/g)]
      .filter(([, , body]) => /outline(?:-style)?\s*:\s*(none|0)\b|outline-width\s*:\s*0\b|outline-color\s*:\s*transparent/.test(body))
      .map(([, sel]) => sel.trim());
    expect(removed).toEqual([]);
  });

  it("draws the header's ring in the header's own focus colour", () => {
    const header = focusRules.concat([...CSS.matchAll(/([^{}]+)\{([^{}]*)\}/g)].filter(([, sel]) => sel.includes(".topbar button:focus-visible")));
    const rule = header.find(([, sel]) => sel.includes(".topbar button:focus-visible"));
    expect(rule[2]).toMatch(/outline-color\s*:\s*var\(--topbar-focus\)/);
    expect(rule[1]).toContain(".topbar select:focus-visible");
  });
  // Every focusable element each screen renders (the approval queue's rows included) is
  // matched against these rules in a11y.test.jsx.
});
