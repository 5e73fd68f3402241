import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import Desk from "./Desk.jsx";
import { api } from "../api.js";
import { pageOf, settle, TOKEN } from "../testing.js";

// The `navigate` handler the desk registered, to play Rust's part.
let navigateHandler = null;
vi.mock("../events.js", async (importOriginal) => ({
  ...(await importOriginal()),
  onDbStatus: () => () => {},
  onRobotStatus: () => () => {},
  onModelChanged: () => () => {},
  onNavigate: (handler) => {
    navigateHandler = handler;
    return () => {
      if (navigateHandler === handler) navigateHandler = null;
    };
  },
}));

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

beforeEach(() => {
  vi.spyOn(api, "databaseStatus").mockResolvedValue({ state: "ok", message: null, retry_in_secs: 0 });
  vi.spyOn(api, "listOperators").mockResolvedValue(pageOf([]));
  vi.spyOn(api, "listProcesses").mockResolvedValue(pageOf([]));
  vi.spyOn(api, "listClients").mockResolvedValue(pageOf([]));
  vi.spyOn(api, "listExecutions").mockResolvedValue(pageOf([]));
  vi.spyOn(api, "dashboard").mockResolvedValue(DASH);
  vi.spyOn(api, "robotStatus").mockResolvedValue({ state: "indisponivel", message: "Conexão recusada", checked_at: null, jobs_pending: 0, jobs_active: 0 });
  vi.spyOn(api, "takePendingNavigation").mockResolvedValue(null);
  vi.spyOn(api, "getProcess").mockReturnValue(new Promise(() => {}));
  vi.spyOn(api, "listApprovalQueue").mockResolvedValue({ items: [], total: 0 });
  vi.spyOn(api, "getDesktopPreferences").mockResolvedValue({
    preferences: { notify_waiting: true, notify_attention: true, quiet_hours: false, quiet_start: "19:00", quiet_end: "08:00", close_to_tray: true },
    notifications: { actions: true, server: null },
  });
});

const DASH = {
  month: "2026-11",
  months: ["2026-11"],
  counts: { aguardando_download: 0, aguardando_aprovacao: 2, aguardando_envio_sat: 0, upload_realizado: 0, cancelado: 0, needs_attention: 0, total: 2 },
  by_operator: [],
  attention: [],
  recent_executions: [],
};

const session = (role) => ({ token: TOKEN, user: { id: "u-1", full_name: "Ana", email: "ana@beg.com.br", role } });
const tabs = () => screen.getAllByRole("button").filter((b) => b.dataset.testid?.startsWith("nav-")).map((b) => b.dataset.testid);

describe("Desk", () => {
  it("opens on the Painel and shows an administrator every tab", async () => {
    render(<Desk session={session("ADMINISTRADOR")} onLogout={() => {}} />);
    expect(await screen.findByTestId("dashboard")).toBeTruthy();
    expect(tabs()).toEqual([
      "nav-painel",
      "nav-aprovacao",
      "nav-processos",
      "nav-execucoes",
      "nav-clientes",
      "nav-importar",
      "nav-operadoras",
      "nav-usuarios",
      "nav-config",
    ]);
    expect(screen.getByTestId("nav-painel").getAttribute("aria-current")).toBe("page");
    expect(screen.getByTestId("theme-toggle").closest("header")).toBeTruthy();
    expect(screen.getByTestId("who").textContent).toBe("Ana · Administrador");
    expect(api.databaseStatus).toHaveBeenCalledWith(TOKEN);
  });

  it("hides users and settings from an operator", async () => {
    render(<Desk session={session("OPERADOR")} onLogout={() => {}} />);
    await screen.findByTestId("dashboard");
    expect(tabs()).toEqual(["nav-painel", "nav-aprovacao", "nav-processos", "nav-execucoes", "nav-clientes", "nav-importar", "nav-operadoras"]);
  });

  it("opens Processos filtered from a number on the Painel", async () => {
    render(<Desk session={session("APROVADOR")} onLogout={() => {}} />);
    fireEvent.click(await screen.findByTestId("dash-count-AGUARDANDO_APROVACAO"));
    expect(await screen.findByTestId("processes")).toBeTruthy();
    expect(screen.getByTestId("nav-processos").getAttribute("aria-current")).toBe("page");
    expect(screen.getByTestId("processes-status").value).toBe("AGUARDANDO_APROVACAO");
    expect(screen.getByTestId("processes-month").dataset.value).toBe("2026-11");
    await waitFor(() =>
      expect(api.listProcesses).toHaveBeenLastCalledWith(TOKEN, expect.objectContaining({ month: "2026-11", status: "AGUARDANDO_APROVACAO", page: 0 })),
    );
    // The tab itself opens the list unfiltered.
    fireEvent.click(screen.getByTestId("nav-painel"));
    await screen.findByTestId("dashboard");
    fireEvent.click(screen.getByTestId("nav-processos"));
    await waitFor(() => expect(screen.getByTestId("processes-status").value).toBe(""));
  });

  it("switches screens from the tabs", async () => {
    render(<Desk session={session("APROVADOR")} onLogout={() => {}} />);
    fireEvent.click(await screen.findByTestId("nav-clientes"));
    expect(await screen.findByTestId("clients")).toBeTruthy();
    fireEvent.click(screen.getByTestId("nav-importar"));
    expect(await screen.findByTestId("import")).toBeTruthy();
    fireEvent.click(screen.getByTestId("nav-operadoras"));
    expect(await screen.findByTestId("operators")).toBeTruthy();
    expect(screen.queryByTestId("new-operator")).toBeNull();
  });

  it("opens Execuções for every role, by its element id too", async () => {
    for (const role of ["OPERADOR", "APROVADOR", "ADMINISTRADOR"]) {
      const { container, unmount } = render(<Desk session={session(role)} onLogout={() => {}} />);
      const tab = container.querySelector("#nav-execucoes");
      expect(tab.textContent).toBe("Execuções");
      fireEvent.click(tab);
      expect(await screen.findByTestId("executions")).toBeTruthy();
      expect(tab.getAttribute("aria-current")).toBe("page");
      unmount();
    }
    expect(api.listExecutions).toHaveBeenCalledWith(TOKEN, expect.objectContaining({ page: 0, page_size: 20 }));
  });

  it("shows the robot's health in the header", async () => {
    render(<Desk session={session("OPERADOR")} onLogout={() => {}} />);
    const robot = screen.getByTestId("robot-status");
    expect(robot.closest("header")).toBeTruthy();
    await waitFor(() => expect(robot.dataset.state).toBe("indisponivel"));
    expect(robot.textContent).toBe("Robô: indisponível");
    expect(robot.getAttribute("title")).toBe("Conexão recusada\nTarefas na fila: 0 · em andamento: 0");
    expect(api.robotStatus).toHaveBeenCalledWith(TOKEN);
  });

  it("opens the preferences from the header for every role and closes them with Esc", async () => {
    for (const role of ["OPERADOR", "APROVADOR", "ADMINISTRADOR"]) {
      const { unmount } = render(<Desk session={session(role)} onLogout={() => {}} />);
      const button = screen.getByTestId("open-preferences");
      expect(button.closest("header")).toBeTruthy();
      expect(button.textContent).toBe("Preferências");
      fireEvent.click(button);
      expect(button.getAttribute("aria-expanded")).toBe("true");
      await screen.findByTestId("pref-notify-waiting");
      expect(screen.getByRole("dialog").getAttribute("aria-labelledby")).toBe("prefs-title");
      fireEvent.keyDown(screen.getByRole("dialog"), { key: "Escape" });
      expect(screen.queryByRole("dialog")).toBeNull();
      expect(document.activeElement).toBe(button);
      unmount();
    }
    expect(api.getDesktopPreferences).toHaveBeenCalledWith(TOKEN);
  });
});

describe("Desk: where Rust sends the window", () => {
  const go = (target) => act(() => navigateHandler(target));

  it("opens a process's detail from a notification click", async () => {
    render(<Desk session={session("APROVADOR")} onLogout={() => {}} />);
    await screen.findByTestId("dashboard");
    await waitFor(() => expect(navigateHandler).toBeTypeOf("function"));
    await go({ to: "processo", id: "p-42", version: 7 });
    const detail = await screen.findByTestId("process-detail");
    expect(detail.dataset.processId).toBe("p-42");
    expect(screen.getByTestId("nav-processos").getAttribute("aria-current")).toBe("page");
    expect(api.getProcess).toHaveBeenCalledWith(TOKEN, "p-42");
    // Another click while a detail is open opens the other process.
    await go({ to: "processo", id: "p-43", version: 1 });
    await waitFor(() => expect(screen.getByTestId("process-detail").dataset.processId).toBe("p-43"));
    // Back from it: the list.
    fireEvent.click(screen.getByTestId("process-back"));
    expect(await screen.findByTestId("processes")).toBeTruthy();
  });

  it("opens the approval desk from a summary", async () => {
    render(<Desk session={session("APROVADOR")} onLogout={() => {}} />);
    await screen.findByTestId("dashboard");
    await go({ to: "aprovacao" });
    expect(await screen.findByTestId("approvals")).toBeTruthy();
    expect(screen.getByTestId("nav-aprovacao").getAttribute("aria-current")).toBe("page");
  });

  it("opens Processos filtered by the ones that need attention", async () => {
    render(<Desk session={session("OPERADOR")} onLogout={() => {}} />);
    await screen.findByTestId("dashboard");
    await go({ to: "atencao" });
    expect(await screen.findByTestId("processes")).toBeTruthy();
    expect(screen.getByTestId("processes-attention").checked).toBe(true);
    await waitFor(() => expect(api.listProcesses).toHaveBeenLastCalledWith(TOKEN, expect.objectContaining({ needs_attention: true, page: 0 })));
  });

  it("asks once, on mount, for a target kept from before login", async () => {
    api.takePendingNavigation.mockResolvedValue({ to: "processo", id: "p-7", version: 3 });
    render(<Desk session={session("APROVADOR")} onLogout={() => {}} />);
    const detail = await screen.findByTestId("process-detail");
    expect(detail.dataset.processId).toBe("p-7");
    expect(api.takePendingNavigation).toHaveBeenCalledTimes(1);
    expect(api.takePendingNavigation).toHaveBeenCalledWith(TOKEN);
  });

  it("stays on the Painel when nothing was kept, and ignores an unknown target", async () => {
    render(<Desk session={session("APROVADOR")} onLogout={() => {}} />);
    await screen.findByTestId("dashboard");
    await act(settle);
    await go({ to: "usuarios" });
    expect(screen.getByTestId("dashboard")).toBeTruthy();
    expect(screen.getByTestId("nav-painel").getAttribute("aria-current")).toBe("page");
  });

  it("closes the preferences dialog so the place Rust opened is in front", async () => {
    render(<Desk session={session("APROVADOR")} onLogout={() => {}} />);
    fireEvent.click(screen.getByTestId("open-preferences"));
    await screen.findByRole("dialog");
    await go({ to: "aprovacao" });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(await screen.findByTestId("approvals")).toBeTruthy();
  });
});
