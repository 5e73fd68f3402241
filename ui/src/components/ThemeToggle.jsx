// Light and dark themes. The person's choice ("auto" | "light" | "dark") is kept in
// localStorage; the theme in force is written as `data-theme` on <html> ("light" or
// "dark"), which styles.css keys its colour variables on. "auto" follows the operating
// system (prefers-color-scheme) and keeps following it while the window is open.
// `applyStoredTheme()` runs at the top of main.jsx, before the first render (an inline
// script in index.html would be blocked by the CSP). Logged in, the choice is also kept
// with this computer's preferences (save_theme), which the toggle applies when it appears.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.js";

export const THEME_KEY = "brm-theme";
const CHOICES = [
  ["auto", "Automático"],
  ["light", "Claro"],
  ["dark", "Escuro"],
];
const DARK_QUERY = "(prefers-color-scheme: dark)";

export function storedChoice() {
  try {
    const v = globalThis.localStorage?.getItem(THEME_KEY);
    return v === "light" || v === "dark" ? v : "auto";
  } catch {
    return "auto";
  }
}

function systemIsDark() {
  return !!globalThis.matchMedia?.(DARK_QUERY)?.matches;
}

export function resolveTheme(choice) {
  if (choice === "light" || choice === "dark") return choice;
  return systemIsDark() ? "dark" : "light";
}

export function applyTheme(choice, root = globalThis.document?.documentElement) {
  const theme = resolveTheme(choice);
  if (root) {
    root.dataset.theme = theme;
    root.dataset.themeChoice = choice;
  }
  return theme;
}

export function applyStoredTheme() {
  return applyTheme(storedChoice());
}

// Stores and applies a choice.
export function chooseTheme(choice) {
  try {
    if (choice === "auto") globalThis.localStorage?.removeItem(THEME_KEY);
    else globalThis.localStorage?.setItem(THEME_KEY, choice);
  } catch {
    // Private mode or a full disk: the choice holds for this window only.
  }
  return applyTheme(choice);
}

// The theme in force ("light" | "dark"), re-rendering when it changes (the toggle, the
// OS while on "auto"). Charts use it to read their colours again.
export function useTheme() {
  const root = globalThis.document?.documentElement;
  const [theme, setTheme] = useState(() => root?.dataset.theme || resolveTheme(storedChoice()));
  useEffect(() => {
    if (!root || typeof MutationObserver === "undefined") return undefined;
    const observer = new MutationObserver(() => setTheme(root.dataset.theme || "light"));
    observer.observe(root, { attributes: true, attributeFilter: ["data-theme"] });
    return () => observer.disconnect();
  }, [root]);
  return theme;
}

// With a `token` (someone is logged in), the choice is also saved with this computer's
// preferences (audited by Rust), and the saved one wins over the localStorage cache when
// the toggle appears. Every toggle on screen follows the choice in force.
export function ThemeToggle({ token, testid = "theme-toggle" } = {}) {
  const [choice, setChoice] = useState(storedChoice);

  useEffect(() => {
    if (!token) return undefined;
    let live = true;
    api
      .getDesktopPreferences(token)
      .then((r) => {
        const saved = r?.preferences?.theme;
        if (!live || !CHOICES.some(([v]) => v === saved) || saved === storedChoice()) return;
        chooseTheme(saved);
        setChoice(saved);
      })
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [token]);

  useEffect(() => {
    const root = globalThis.document?.documentElement;
    if (!root || typeof MutationObserver === "undefined") return undefined;
    const observer = new MutationObserver(() => setChoice(root.dataset.themeChoice || "auto"));
    observer.observe(root, { attributes: true, attributeFilter: ["data-theme-choice"] });
    return () => observer.disconnect();
  }, []);

  // While on "auto", follow the OS switching between light and dark.
  useEffect(() => {
    if (choice !== "auto") return undefined;
    const mq = globalThis.matchMedia?.(DARK_QUERY);
    if (!mq) return undefined;
    const follow = () => applyTheme("auto");
    mq.addEventListener?.("change", follow);
    return () => mq.removeEventListener?.("change", follow);
  }, [choice]);

  return (
    <label className="theme-toggle">
      <span className="visually-hidden">Tema</span>
      <select
        data-testid={testid}
        aria-label="Tema"
        value={choice}
        onChange={(e) => {
          const next = e.currentTarget.value;
          chooseTheme(next);
          setChoice(next);
          if (token) api.saveTheme(token, next).catch(() => {});
        }}
      >
        {CHOICES.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
    </label>
  );
}

export default ThemeToggle;
