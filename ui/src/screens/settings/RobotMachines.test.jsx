import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { RobotMachines, validatePassphrase } from "./RobotMachines.jsx";
import { api } from "../../api.js";
import { invalid, TOKEN } from "../../testing.js";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const machine = (over = {}) => ({
  id: "m-1",
  name: "robo-01",
  host: "robo-01.escritorio",
  fingerprint: "0123 4567 89ab cdef 0123 4567 89ab cdef",
  status: "PENDENTE",
  status_label: "Aguardando aprovação",
  first_seen_at: "2026-11-02T12:00:00Z",
  last_seen_at: "2026-11-02T12:05:00Z",
  this_computer: false,
  ...over,
});

const VIEW = {
  machines: [machine(), machine({ id: "m-2", name: "robo-02", status: "APROVADA", status_label: "Aprovada", this_computer: true })],
  this_computer: "aaaa bbbb",
  waiting_reseal: 2,
  to_retype: [{ client_id: "c-1", client_name: "PÃO E TAL", reason: "Nenhuma máquina robô aprovada consegue abrir esta senha: digite-a de novo no cadastro do cliente." }],
};

describe("validatePassphrase", () => {
  it("speaks pt-BR like Rust's rules", () => {
    expect(validatePassphrase("curta")).toMatch(/pelo menos 12/);
    expect(validatePassphrase("123456789012345")).toMatch(/só números/);
    expect(validatePassphrase("uma frase longa", "outra frase longa")).toMatch(/não são iguais/);
    expect(validatePassphrase("uma frase longa", "uma frase longa")).toBeNull();
  });
});

describe("RobotMachines", () => {
  it("lists machines with fingerprints, what waits and the clients to type again", async () => {
    vi.spyOn(api, "listRobotMachines").mockResolvedValue(VIEW);
    render(<RobotMachines token={TOKEN} />);
    const rows = await screen.findAllByTestId("robot-machine");
    expect(rows).toHaveLength(2);
    expect(rows[0].textContent).toContain("0123 4567 89ab cdef");
    expect(rows[0].textContent).toContain("Aguardando aprovação");
    expect(rows[1].textContent).toContain("(este computador)");
    expect(screen.getByTestId("robot-machines-waiting").textContent).toContain("2 senha(s)");
    expect(screen.getByTestId("retype-client").textContent).toContain("PÃO E TAL");
    // Only a pending machine can be approved.
    expect(screen.getAllByTestId("robot-machine-approve")).toHaveLength(1);
  });

  it("approves after confirmation and shows the new list", async () => {
    vi.spyOn(api, "listRobotMachines").mockResolvedValue(VIEW);
    vi.spyOn(window, "confirm").mockReturnValue(true);
    const approved = { ...VIEW, machines: [machine({ status: "APROVADA", status_label: "Aprovada" })] };
    const decide = vi.spyOn(api, "decideRobotMachine").mockResolvedValue(approved);
    render(<RobotMachines token={TOKEN} />);
    fireEvent.click(await screen.findByTestId("robot-machine-approve"));
    await waitFor(() => expect(screen.getByTestId("robot-machines-notice").textContent).toContain("robo-01 aprovada"));
    expect(decide).toHaveBeenCalledWith(TOKEN, "m-1", true);
    expect(window.confirm.mock.calls[0][0]).toContain("0123 4567");
  });

  it("shows Rust's refusal in pt-BR", async () => {
    vi.spyOn(api, "listRobotMachines").mockResolvedValue(VIEW);
    vi.spyOn(window, "confirm").mockReturnValue(true);
    vi.spyOn(api, "decideRobotMachine").mockRejectedValue(invalid({}, "Seu perfil não permite administrar as máquinas robô."));
    render(<RobotMachines token={TOKEN} />);
    fireEvent.click((await screen.findAllByTestId("robot-machine-remove"))[0]);
    await waitFor(() => expect(screen.getByTestId("robot-machines-error").textContent).toContain("não permite"));
  });

  it("checks the export passphrase before calling Rust and never keeps it", async () => {
    vi.spyOn(api, "listRobotMachines").mockResolvedValue(VIEW);
    const exp = vi.spyOn(api, "exportRobotIdentity").mockResolvedValue({ path: "/home/ana/Downloads/identidade-maquina-robo.age", file_name: "identidade-maquina-robo.age" });
    render(<RobotMachines token={TOKEN} />);
    fireEvent.input(await screen.findByTestId("export-passphrase"), { target: { value: "curta" } });
    fireEvent.click(screen.getByTestId("export-identity"));
    await waitFor(() => expect(screen.getByTestId("robot-machines-error").textContent).toMatch(/pelo menos 12/));
    expect(exp).not.toHaveBeenCalled();
    fireEvent.input(screen.getByTestId("export-passphrase"), { target: { value: "cavalo correto bateria" } });
    fireEvent.input(screen.getByTestId("export-passphrase-again"), { target: { value: "cavalo correto bateria" } });
    fireEvent.click(screen.getByTestId("export-identity"));
    await waitFor(() => expect(screen.getByTestId("robot-machines-notice").textContent).toContain("/home/ana/Downloads"));
    expect(exp).toHaveBeenCalledWith(TOKEN, "cavalo correto bateria");
    expect(screen.getByTestId("export-passphrase").value).toBe("");
  });
});
