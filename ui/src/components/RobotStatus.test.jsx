import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, render, screen, waitFor } from "@testing-library/preact";
import { RobotStatus, robotTooltip } from "./RobotStatus.jsx";
import { api, CommandError } from "../api.js";
import { onRobotStatus } from "../events.js";
import { TOKEN } from "../testing.js";

// Stands in for Tauri's event bus, which only exists inside the application.
vi.mock("../events.js", () => ({ onRobotStatus: vi.fn() }));

let push;
let stop;
beforeEach(() => {
  stop = vi.fn();
  onRobotStatus.mockImplementation((handler) => {
    push = (payload) => act(() => handler(payload));
    return stop;
  });
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const OK = { state: "ok", message: "Serviço respondeu em 120 ms", checked_at: "2026-11-05T17:03:09Z", jobs_pending: 3, jobs_active: 1 };
const badge = () => screen.getByTestId("robot-status");

describe("RobotStatus", () => {
  it("says it is checking until robot_status answers, then shows the state with the details in the tooltip", async () => {
    let answer;
    vi.spyOn(api, "robotStatus").mockReturnValue(new Promise((r) => (answer = r)));
    render(<RobotStatus token={TOKEN} />);
    expect(badge().textContent).toBe("Robô: verificando…");
    expect(badge().dataset.state).toBe("desconhecido");
    expect(api.robotStatus).toHaveBeenCalledWith(TOKEN);

    await act(async () => answer(OK));
    expect(badge().textContent).toBe("Robô: disponível");
    expect(badge().dataset.state).toBe("ok");
    expect(badge().getAttribute("title")).toBe(
      "Serviço respondeu em 120 ms\nVerificado em 05/11/2026 14:03:09\nTarefas na fila: 3 · em andamento: 1",
    );
  });

  it("follows robot-status events: unavailable in red, invalid token asks for an administrator", async () => {
    vi.spyOn(api, "robotStatus").mockResolvedValue(OK);
    render(<RobotStatus token={TOKEN} />);
    await waitFor(() => expect(badge().dataset.state).toBe("ok"));

    push({ state: "indisponivel", message: "Conexão recusada", checked_at: null, jobs_pending: null, jobs_active: null });
    expect(badge().textContent).toBe("Robô: indisponível");
    expect(badge().className).toContain("robot-status--indisponivel");
    expect(badge().getAttribute("title")).toBe("Conexão recusada");

    push({ state: "token_invalido", message: "HTTP 401", checked_at: null });
    expect(badge().textContent).toBe("Robô: token inválido — avise um administrador");
    expect(badge().dataset.state).toBe("token_invalido");
  });

  it("on personal logins, says the robot runs on the robot machines, neither red nor checking", async () => {
    const msg = "Nesta configuração o robô roda nas máquinas robô (brm-desk worker); este computador não baixa nem envia faturas.";
    vi.spyOn(api, "robotStatus").mockResolvedValue({ state: "nas_maquinas_robo", message: msg, checked_at: null });
    render(<RobotStatus token={TOKEN} />);
    await waitFor(() => expect(badge().textContent).toBe("Robô: nas máquinas robô"));
    expect(badge().className).not.toContain("indisponivel");
    expect(badge().getAttribute("title")).toBe(msg);
  });

  it("lets a newer event win over a late answer, and stops listening when closed", async () => {
    let answer;
    vi.spyOn(api, "robotStatus").mockReturnValue(new Promise((r) => (answer = r)));
    const { unmount } = render(<RobotStatus token={TOKEN} />);
    push({ state: "indisponivel", message: "HTTP 503" });
    await act(async () => answer(OK));
    expect(badge().dataset.state).toBe("indisponivel");
    unmount();
    await waitFor(() => expect(stop).toHaveBeenCalled());
  });

  it("keeps checking, with the reason in the tooltip, when robot_status fails", async () => {
    vi.spyOn(api, "robotStatus").mockRejectedValue(new CommandError({ code: "INTERNAL", message: "Erro inesperado: x" }));
    render(<RobotStatus token={TOKEN} />);
    await waitFor(() => expect(badge().getAttribute("title")).toBe("Erro inesperado: x"));
    expect(badge().textContent).toBe("Robô: verificando…");
  });

  it("words the tooltip before any answer", () => {
    expect(robotTooltip(null)).toBe("Consultando o serviço do robô…");
  });
});
