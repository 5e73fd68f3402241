import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { RobotSettings, robotInput, validateRobot } from "./RobotSettings.jsx";
import { api } from "../../api.js";
import { invalid, TOKEN } from "../../testing.js";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const SECRET = "tok-SECRETO-do-robo";
const SET = { url: "https://robos.beg.com.br", using_simulator: false, token_set: true };
const SIM = { url: "", using_simulator: true, token_set: false };

describe("validateRobot", () => {
  it("takes blank (simulator) and http(s) addresses and refuses the rest in pt-BR", () => {
    expect(validateRobot({ url: "", token: "" })).toEqual({});
    expect(validateRobot({ url: " https://robos.beg.com.br/rpa ", token: "abc" })).toEqual({});
    expect(validateRobot({ url: "robos.beg.com.br", token: "" }).url).toMatch(/http:\/\/ ou https:\/\//);
    expect(validateRobot({ url: "ftp://x", token: "" }).url).toMatch(/http:\/\/ ou https:\/\//);
    expect(validateRobot({ url: "https://ana:senha@robos", token: "" }).url).toMatch(/usuário ou senha/);
    expect(validateRobot({ url: "", token: "dois pedaços" }).token).toMatch(/espaços/);
    expect(validateRobot({ url: "", token: "x", clear_token: true }).token).toMatch(/não os dois/);
  });

  it("sends a blank token as null (keep) and trims", () => {
    expect(robotInput({ url: " https://r.beg ", token: "  ", clear_token: false })).toEqual({ url: "https://r.beg", token: null, clear_token: false });
    expect(robotInput({ url: "", token: " abc ", clear_token: false })).toEqual({ url: "", token: "abc", clear_token: false });
  });
});

describe("RobotSettings", () => {
  it("never shows the token: the field starts empty with 'definido'", async () => {
    vi.spyOn(api, "getRobotSettings").mockResolvedValue(SET);
    render(<RobotSettings token={TOKEN} />);
    const field = await screen.findByTestId("robot-token");
    expect(field.value).toBe("");
    expect(field.type).toBe("password");
    expect(screen.getByTestId("robot-token-state").textContent).toContain("definido (guardado no chaveiro");
    expect(screen.getByTestId("robot-url").value).toBe(SET.url);
    expect(screen.getByTestId("robot-settings").textContent).not.toContain(SECRET);
  });

  it("saves address and token, then clears the field and offers Reiniciar agora", async () => {
    vi.spyOn(api, "getRobotSettings").mockResolvedValue(SIM);
    const save = vi.spyOn(api, "saveRobotSettings").mockResolvedValue({ settings: SET, changed: true, message: "As alterações valem a partir da próxima abertura do aplicativo." });
    const restart = vi.spyOn(api, "restartApp").mockResolvedValue(null);
    render(<RobotSettings token={TOKEN} />);
    expect((await screen.findByTestId("robot-token-state")).textContent).toContain("não definido");
    expect(screen.getByTestId("robot-mode").textContent).toContain("simulador");
    fireEvent.input(screen.getByTestId("robot-url"), { target: { value: "https://robos.beg.com.br" } });
    fireEvent.input(screen.getByTestId("robot-token"), { target: { value: SECRET } });
    fireEvent.click(screen.getByTestId("robot-save"));
    await waitFor(() => expect(screen.getByTestId("robot-restart")).toBeTruthy());
    expect(save).toHaveBeenCalledWith(TOKEN, { url: "https://robos.beg.com.br", token: SECRET, clear_token: false });
    expect(screen.getByTestId("robot-token").value).toBe("");
    expect(screen.getByTestId("robot-token-state").textContent).toContain("definido");
    expect(screen.getByTestId("robot-restart").textContent).toContain("próxima abertura");
    fireEvent.click(screen.getByTestId("robot-restart-restart"));
    await waitFor(() => expect(screen.getByTestId("robot-restart").textContent).toContain("vai reiniciar"));
    expect(restart).toHaveBeenCalledWith(TOKEN);
  });

  it("refuses a bad address before calling Rust, and shows Rust's field errors", async () => {
    vi.spyOn(api, "getRobotSettings").mockResolvedValue(SIM);
    const save = vi
      .spyOn(api, "saveRobotSettings")
      .mockRejectedValue(invalid("url", "O endereço não pode conter usuário ou senha: as credenciais ficam no chaveiro do sistema."));
    render(<RobotSettings token={TOKEN} />);
    fireEvent.input(await screen.findByTestId("robot-url"), { target: { value: "robos.beg.com.br" } });
    fireEvent.click(screen.getByTestId("robot-save"));
    expect((await screen.findByTestId("error-robot_url")).textContent).toMatch(/http:\/\/ ou https:\/\//);
    expect(save).not.toHaveBeenCalled();
    // Passes the screen's check, refused by Rust: its words under the field.
    fireEvent.input(screen.getByTestId("robot-url"), { target: { value: "https://robos.beg.com.br" } });
    fireEvent.click(screen.getByTestId("robot-save"));
    await waitFor(() => expect(screen.getByTestId("error-robot_url").textContent).toMatch(/usuário ou senha/));
  });

  it("tests the connection with the typed token and shows the answer", async () => {
    vi.spyOn(api, "getRobotSettings").mockResolvedValue(SET);
    const test = vi.spyOn(api, "testRobotConnection").mockResolvedValue({ ok: false, message: "O serviço de robôs respondeu, mas recusou o token." });
    render(<RobotSettings token={TOKEN} />);
    fireEvent.input(await screen.findByTestId("robot-token"), { target: { value: "outro" } });
    fireEvent.click(screen.getByTestId("robot-test"));
    const result = await screen.findByTestId("robot-result");
    expect(result.dataset.ok).toBe("false");
    expect(result.textContent).toContain("recusou o token");
    expect(test).toHaveBeenCalledWith(TOKEN, { url: SET.url, token: "outro", clear_token: false });
  });
});
