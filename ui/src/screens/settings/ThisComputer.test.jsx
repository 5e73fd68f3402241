import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { ThisComputer } from "./ThisComputer.jsx";
import { api } from "../../api.js";
import { TOKEN } from "../../testing.js";
import { THEME_KEY } from "../../components/ThemeToggle.jsx";

const PREFS = {
  notify_waiting: true,
  notify_attention: true,
  quiet_hours: false,
  quiet_start: "19:00",
  quiet_end: "08:00",
  close_to_tray: true,
  start_with_system: false,
  theme: "dark",
};

beforeEach(() => {
  localStorage.clear();
  document.documentElement.removeAttribute("data-theme");
  document.documentElement.removeAttribute("data-theme-choice");
  window.matchMedia = vi.fn(() => ({ matches: false, addEventListener() {}, removeEventListener() {} }));
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  delete window.matchMedia;
});

describe("ThisComputer", () => {
  it("applies the theme saved with this computer's preferences, and saves a new choice", async () => {
    vi.spyOn(api, "getDesktopPreferences").mockResolvedValue({ preferences: PREFS, notifications: { actions: true, server: null } });
    const save = vi.spyOn(api, "saveTheme").mockResolvedValue({ ...PREFS, theme: "light" });
    render(<ThisComputer token={TOKEN} role="ADMINISTRADOR" />);
    const select = screen.getByTestId("settings-theme");
    await waitFor(() => expect(select.value).toBe("dark"));
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(localStorage.getItem(THEME_KEY)).toBe("dark");

    fireEvent.change(select, { target: { value: "light" } });
    expect(document.documentElement.dataset.theme).toBe("light");
    expect(save).toHaveBeenCalledWith(TOKEN, "light");
  });

  it("opens the notification preferences", async () => {
    vi.spyOn(api, "getDesktopPreferences").mockResolvedValue({ preferences: PREFS, notifications: { actions: true, server: null } });
    render(<ThisComputer token={TOKEN} role="ADMINISTRADOR" />);
    fireEvent.click(screen.getByTestId("open-notification-preferences"));
    expect(await screen.findByTestId("preferences-dialog")).toBeTruthy();
  });
});
