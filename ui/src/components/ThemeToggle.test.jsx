import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/preact";
import { applyStoredTheme, THEME_KEY, ThemeToggle } from "./ThemeToggle.jsx";

// A controllable prefers-color-scheme.
let osDark = false;
const mqListeners = new Set();
beforeEach(() => {
  osDark = false;
  mqListeners.clear();
  localStorage.clear();
  document.documentElement.removeAttribute("data-theme");
  window.matchMedia = vi.fn((query) => ({
    get matches() {
      return query === "(prefers-color-scheme: dark)" && osDark;
    },
    media: query,
    addEventListener: (_e, f) => mqListeners.add(f),
    removeEventListener: (_e, f) => mqListeners.delete(f),
  }));
});
afterEach(() => {
  cleanup();
  delete window.matchMedia;
});

const root = () => document.documentElement;

describe("ThemeToggle", () => {
  it("offers Automático / Claro / Escuro and stores and applies the choice", () => {
    render(<ThemeToggle />);
    const select = screen.getByTestId("theme-toggle");
    expect(screen.getByLabelText("Tema")).toBe(select);
    expect(Array.from(select.options).map((o) => o.textContent)).toEqual(["Automático", "Claro", "Escuro"]);
    expect(select.value).toBe("auto");

    fireEvent.change(select, { target: { value: "dark" } });
    expect(localStorage.getItem(THEME_KEY)).toBe("dark");
    expect(root().dataset.theme).toBe("dark");

    fireEvent.change(select, { target: { value: "light" } });
    expect(localStorage.getItem(THEME_KEY)).toBe("light");
    expect(root().dataset.theme).toBe("light");

    fireEvent.change(select, { target: { value: "auto" } });
    expect(localStorage.getItem(THEME_KEY)).toBeNull();
    expect(root().dataset.theme).toBe("light");
  });

  it("on Automático follows the OS, also when it switches while the window is open", () => {
    osDark = true;
    expect(applyStoredTheme()).toBe("dark");
    expect(root().dataset.theme).toBe("dark");
    render(<ThemeToggle />);
    osDark = false;
    mqListeners.forEach((f) => f());
    expect(root().dataset.theme).toBe("light");
    // An explicit choice no longer follows the OS.
    fireEvent.change(screen.getByTestId("theme-toggle"), { target: { value: "dark" } });
    osDark = false;
    mqListeners.forEach((f) => f());
    expect(root().dataset.theme).toBe("dark");
  });

  it("applies the stored choice before the first render and shows it selected", () => {
    localStorage.setItem(THEME_KEY, "dark");
    expect(applyStoredTheme()).toBe("dark");
    expect(root().dataset.theme).toBe("dark");
    render(<ThemeToggle />);
    expect(screen.getByTestId("theme-toggle").value).toBe("dark");
    localStorage.setItem(THEME_KEY, "nonsense");
    expect(applyStoredTheme()).toBe("light");
  });
});
