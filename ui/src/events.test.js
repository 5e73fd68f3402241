import { describe, expect, it, vi } from "vitest";

// Stands in for Tauri's event bus, which only exists inside the application.
const unlisten = vi.fn();
const listeners = {};
vi.mock("@tauri-apps/api/event", () => ({
  listen: async (name, cb) => {
    listeners[name] = cb;
    return unlisten;
  },
}));

const { names, onDbStatus, onModelChanged, onNavigate, onRobotStatus } = await import("./events.js");
const settle = () => new Promise((r) => setTimeout(r, 0));

describe("onDbStatus", () => {
  it("hands over the payload of each db-status event and stops listening", async () => {
    const seen = [];
    const stop = onDbStatus((p) => seen.push(p));
    await settle();
    listeners["db-status"]({ payload: { state: "down", message: "x", retry_in_secs: 5 } });
    expect(seen).toEqual([{ state: "down", message: "x", retry_in_secs: 5 }]);
    stop();
    expect(unlisten).toHaveBeenCalledTimes(1);
  });

  it("stops a listener that was still being registered", async () => {
    unlisten.mockClear();
    const stop = onDbStatus(() => {});
    stop();
    await settle();
    expect(unlisten).toHaveBeenCalledTimes(1);
  });
});

describe("onRobotStatus and onModelChanged", () => {
  it("listen to robot-status and model-changed by those names", async () => {
    unlisten.mockClear();
    const robot = [];
    const model = [];
    const stopRobot = onRobotStatus((p) => robot.push(p));
    const stopModel = onModelChanged((p) => model.push(p));
    await settle();
    listeners["robot-status"]({ payload: { state: "indisponivel", message: "HTTP 503", jobs_pending: 0, jobs_active: 0 } });
    listeners["model-changed"]({ payload: { processes: ["p-1"], executions: [] } });
    expect(robot).toEqual([{ state: "indisponivel", message: "HTTP 503", jobs_pending: 0, jobs_active: 0 }]);
    expect(model).toEqual([{ processes: ["p-1"], executions: [] }]);
    stopRobot();
    stopModel();
    expect(unlisten).toHaveBeenCalledTimes(2);
  });

  it("tells whether a model-changed payload names an id", () => {
    expect(names({ processes: ["p-1", "p-2"], executions: [] }, "processes", "p-2")).toBe(true);
    expect(names({ processes: ["p-1"], executions: [] }, "executions", "p-1")).toBe(false);
    expect(names({ processes: [] }, "executions", "e-1")).toBe(false);
    expect(names(null, "processes", "p-1")).toBe(false);
  });
});

describe("onNavigate", () => {
  it("hands over each navigate target by that event name and stops listening", async () => {
    unlisten.mockClear();
    const seen = [];
    const stop = onNavigate((p) => seen.push(p));
    await settle();
    listeners["navigate"]({ payload: { to: "processo", id: "p-1", version: 7 } });
    listeners["navigate"]({ payload: { to: "atencao" } });
    expect(seen).toEqual([{ to: "processo", id: "p-1", version: 7 }, { to: "atencao" }]);
    stop();
    expect(unlisten).toHaveBeenCalledTimes(1);
  });
});

describe("touches", () => {
  it("tells whether a model-changed payload concerns some kinds, or everything", async () => {
    const { touches } = await import("./events.js");
    expect(touches({ clients: ["c-1"], processes: [] }, "clients")).toBe(true);
    expect(touches({ clients: [], processes: ["p-1"] }, "clients", "operators")).toBe(false);
    expect(touches({ processes: ["p-1"] }, "clients", "processes")).toBe(true);
    expect(touches({ everything: true }, "users")).toBe(true);
    expect(touches({ everything: false, users: [] }, "users")).toBe(false);
    expect(touches(null, "users")).toBe(false);
  });
});
