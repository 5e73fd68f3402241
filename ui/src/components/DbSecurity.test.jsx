import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, render, screen, waitFor } from "@testing-library/preact";
import { DbSecurity, securityLabel, securityTooltip } from "./DbSecurity.jsx";
import { api, CommandError } from "../api.js";
import { TOKEN } from "../testing.js";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const TLS = { encrypted: true, protocol: "TLSv1.3", cipher: "TLS_AES_256_GCM_SHA384" };
const PLAIN = { encrypted: false, protocol: null, cipher: null };

describe("DbSecurity", () => {
  it("says the shared connection is encrypted, with the protocol in the tooltip", async () => {
    const ask = vi.spyOn(api, "databaseSecurity").mockResolvedValue(TLS);
    render(<DbSecurity token={TOKEN} />);
    const badge = await screen.findByTestId("db-security");
    expect(ask).toHaveBeenCalledWith(TOKEN);
    expect(badge.textContent).toBe("Banco: conexão criptografada");
    expect(badge.title).toBe("TLSv1.3 · TLS_AES_256_GCM_SHA384");
    expect(badge.className).toContain("db-security--ok");
  });

  it("never shows a plain connection as encrypted", async () => {
    vi.spyOn(api, "databaseSecurity").mockResolvedValue(PLAIN);
    render(<DbSecurity token={TOKEN} />);
    const badge = await screen.findByTestId("db-security");
    expect(badge.textContent).toBe("Banco: conexão SEM criptografia");
    expect(badge.getAttribute("role")).toBe("status");
    expect(badge.title).toContain("sem proteção");
  });

  it("shows nothing for the embedded database or when the server does not answer", async () => {
    const ask = vi.spyOn(api, "databaseSecurity").mockResolvedValueOnce(null);
    const { unmount } = render(<DbSecurity token={TOKEN} />);
    await waitFor(() => expect(ask).toHaveBeenCalledTimes(1));
    expect(screen.queryByTestId("db-security")).toBeNull();
    unmount();
    ask.mockRejectedValueOnce(new CommandError({ code: "DATABASE", message: "Sem conexão" }));
    render(<DbSecurity token={TOKEN} />);
    await waitFor(() => expect(ask).toHaveBeenCalledTimes(2));
    expect(screen.queryByTestId("db-security")).toBeNull();
  });

  it("labels and tooltips", () => {
    expect(securityLabel(null)).toBeNull();
    expect(securityTooltip({ encrypted: true, protocol: "TLSv1.2", cipher: null })).toBe("TLSv1.2");
  });
});
