import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import ExecutionDetail, { jsonText, POLL_MS } from "./ExecutionDetail.jsx";
import { api, CommandError } from "../api.js";
import { onModelChanged } from "../events.js";
import { executionRow, settle, TOKEN } from "../testing.js";

// Stands in for Tauri's event bus: `changed(payload)` delivers a model-changed event.
vi.mock("../events.js", async (importOriginal) => ({ ...(await importOriginal()), onModelChanged: vi.fn() }));

let changed;
beforeEach(() => {
  onModelChanged.mockImplementation((handler) => {
    changed = (payload) => act(() => handler(payload));
    return () => {};
  });
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

const line = (seq, message, level = "INFO") => ({ seq, at: `2026-11-05T17:00:${String(seq).padStart(2, "0")}Z`, level, message });
const answer = (over = {}, logs = [line(1, "Abrindo o portal"), line(2, "Login aceito")]) => ({ execution: executionRow(over), logs });

function open(get) {
  const spy = vi.spyOn(api, "getExecution");
  if (typeof get === "function") spy.mockImplementation(get);
  else spy.mockResolvedValue(get);
  const onBack = vi.fn();
  const onOpenProcess = vi.fn();
  render(<ExecutionDetail token={TOKEN} id="e-1" onBack={onBack} onOpenProcess={onOpenProcess} />);
  return { get: spy, onBack, onOpenProcess };
}

describe("ExecutionDetail", () => {
  it("shows every field, the redacted request, the result and the log lines in pt-BR", async () => {
    const { get } = open(
      answer({
        status: "FALHOU",
        progress: 60,
        finished_at: "2026-11-05T17:01:00Z",
        error: "Senha do portal recusada",
        error_class: "NEGOCIO",
        result: { status: "erro", codigo: 422 },
      }),
    );
    expect((await screen.findByTestId("execution-status")).textContent).toBe("Falhou");
    expect(get).toHaveBeenCalledWith(TOKEN, "e-1");
    const page = screen.getByTestId("execution-detail").textContent;
    expect(page).toContain("Download da fatura · tentativa 2");
    expect(page).toContain("PÃO E TAL TRANSPORTES S/A · Vivo · referência 11/2026 · processo aguardando download");
    expect(screen.getByTestId("execution-job-id").textContent).toBe("job-42");
    expect(screen.getByTestId("execution-endpoint").textContent).toBe("https://robo.exemplo.com.br/executar/vivo");
    const facts = screen.getByTestId("execution-facts").textContent;
    expect(facts).toContain("Acionada porAna");
    expect(facts).toContain("Criada em05/11/2026 13:59");
    expect(facts).toContain("Início05/11/2026 14:00");
    expect(facts).toContain("Fim05/11/2026 14:01");
    expect(facts).toContain("Classe do errode negócio");
    expect(screen.getByTestId("execution-error").textContent).toBe("Erro de negócio: Senha do portal recusada");
    expect(screen.getByTestId("execution-progress").textContent).toContain("60%");
    expect(screen.getByTestId("execution-progress").querySelector("progress").value).toBe(60);
    expect(JSON.parse(screen.getByTestId("execution-request").textContent)).toEqual({
      hash: "exemplo0030",
      login: "login30@exemplo.com.br",
      senha: "***",
    });
    expect(screen.getByTestId("execution-request").textContent).toContain('\n  "senha": "***"');
    expect(JSON.parse(screen.getByTestId("execution-result").textContent)).toEqual({ status: "erro", codigo: 422 });
    expect(screen.getAllByTestId("log-line").map((l) => l.textContent)).toEqual([
      "05/11/2026 14:00:01 INFO Abrindo o portal",
      "05/11/2026 14:00:02 INFO Login aceito",
    ]);
  });

  it("shows a dash for what is not there yet and says there are no log lines", async () => {
    open(answer({ status: "PENDENTE", job_id: null, endpoint: null, request: null, progress: 0, started_at: null }, []));
    expect((await screen.findByTestId("execution-status")).textContent).toBe("Pendente");
    expect(screen.getByTestId("execution-job-id").textContent).toBe("—");
    expect(screen.getByTestId("execution-request").textContent).toBe("—");
    expect(screen.getByTestId("execution-detail").textContent).toContain("Nenhuma linha de registro ainda.");
    expect(screen.queryByTestId("execution-error")).toBeNull();
  });

  it("reads the execution again when a model-changed event names it", async () => {
    let calls = 0;
    const { get } = open(async () =>
      ++calls === 1 ? answer() : answer({ progress: 80 }, [line(1, "Abrindo o portal"), line(2, "Login aceito"), line(3, "Baixando a fatura")]),
    );
    await screen.findByTestId("execution-status");
    changed({ processes: ["p-1"], executions: ["e-2"] });
    await settle();
    expect(get).toHaveBeenCalledTimes(1);
    changed({ processes: [], executions: ["e-1"] });
    await waitFor(() => expect(screen.getAllByTestId("log-line")).toHaveLength(3));
    expect(screen.getByTestId("execution-progress").textContent).toContain("80%");
  });

  it("polls every 3 s while the robot owns it and stops once it finished", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    let calls = 0;
    const { get } = open(async () => (++calls < 3 ? answer({ status: "EXECUTANDO" }) : answer({ status: "CONCLUIDO", progress: 100 })));
    await screen.findByTestId("execution-status");
    expect(get).toHaveBeenCalledTimes(1);
    await act(async () => vi.advanceTimersByTime(POLL_MS - 1));
    expect(get).toHaveBeenCalledTimes(1);
    await act(async () => vi.advanceTimersByTime(1));
    expect(get).toHaveBeenCalledTimes(2);
    await act(async () => vi.advanceTimersByTime(POLL_MS));
    await waitFor(() => expect(screen.getByTestId("execution-status").textContent).toBe("Concluída"));
    expect(get).toHaveBeenCalledTimes(3);
    await act(async () => vi.advanceTimersByTime(POLL_MS * 5));
    expect(get).toHaveBeenCalledTimes(3);
  });

  it("follows new log lines at the bottom of the box and keeps the place the person scrolled to", async () => {
    let logs = [line(1, "um"), line(2, "dois")];
    open(async () => answer({}, logs));
    const box = await screen.findByTestId("execution-log");
    let height = 500;
    Object.defineProperty(box, "scrollHeight", { configurable: true, get: () => height });
    Object.defineProperty(box, "clientHeight", { configurable: true, value: 200 });
    const grow = async (n) => {
      logs = [...logs, line(n, `linha ${n}`)];
      changed({ processes: [], executions: ["e-1"] });
      await waitFor(() => expect(screen.getAllByTestId("log-line")).toHaveLength(logs.length));
    };

    await grow(3);
    expect(box.scrollTop).toBe(500); // was at the bottom: follows

    box.scrollTop = 100; // the person scrolls up to read
    fireEvent.scroll(box);
    height = 700;
    await grow(4);
    expect(box.scrollTop).toBe(100);

    box.scrollTop = 500; // back at the bottom (700 - 500 - 200 = 0)
    fireEvent.scroll(box);
    height = 900;
    await grow(5);
    expect(box.scrollTop).toBe(900);
    expect(screen.getByTestId("execution-log")).toBe(box);
  });

  it("opens the process and goes back", async () => {
    const { onBack, onOpenProcess } = open(answer({ process_id: "p-77" }));
    fireEvent.click(await screen.findByTestId("btn-abrir-processo"));
    expect(onOpenProcess).toHaveBeenCalledWith("p-77");
    fireEvent.click(screen.getByTestId("execution-back"));
    expect(onBack).toHaveBeenCalled();
  });

  it("shows why the execution could not be read", async () => {
    open(() => Promise.reject(new CommandError({ code: "NOT_FOUND", message: "Execução não encontrada." })));
    expect((await screen.findByTestId("banner-error")).textContent).toBe("Execução não encontrada.");
    expect(screen.queryByTestId("btn-abrir-processo")).toBeNull();
  });
});

describe("jsonText", () => {
  it("indents objects and JSON strings, keeps other text, dashes nothing", () => {
    expect(jsonText({ a: 1 })).toBe('{\n  "a": 1\n}');
    expect(jsonText('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(jsonText("texto livre")).toBe("texto livre");
    expect(jsonText(null)).toBe("—");
  });
});
