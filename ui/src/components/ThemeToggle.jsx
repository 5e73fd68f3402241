// Light and dark themes. The person's choice ("auto" | "light" | "dark") is kept in
// localStorage; the theme in force is written as `data-theme` on <html> ("light" or
// "dark"), which styles.css keys its colour variables on. "auto" follows the operating
// system (prefers-color-scheme) and keeps following it while the window is open.
// `applyStoredTheme()` runs at the top of main.jsx, before the first render (an inline
// script in index.html would be blocked by the CSP).
import { useEffect, useState } from "preact/hooks";

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

export function ThemeToggle() {
  const [choice, setChoice] = useState(storedChoice);

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
        data-testid="theme-toggle"
        aria-label="Tema"
        value={choice}
        onChange={(e) => {
          const next = e.currentTarget.value;
          chooseTheme(next);
          setChoice(next);
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
