// The app's processes seen from outside, through /proc: this test file's app (by its
// data folder) and the WebKit web processes below it. Used to crash the page on purpose.
import fs from "node:fs";
import { APP } from "./app.js";

// pid → {ppid, comm} of every process readable now.
export function processes() {
  const out = new Map();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      out.set(Number(entry), { ppid, comm });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

// This file's app process (the binary WebDriver runs, with this test's data folder).
export function appPid() {
  const exe = fs.realpathSync(APP);
  const mine = `XDG_DATA_HOME=${process.env.XDG_DATA_HOME}`;
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readlinkSync(`/proc/${entry}/exe`) !== exe) continue;
      if (fs.readFileSync(`/proc/${entry}/environ`, "utf8").split("\0").includes(mine)) return Number(entry);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return null;
}

// The WebKit web processes below `root` (directly, or under a sandbox launcher).
export function webProcessesOf(root) {
  const all = processes();
  const below = (pid) => {
    for (let p = all.get(pid)?.ppid; p; p = all.get(p)?.ppid) if (p === root) return true;
    return false;
  };
  return [...all].filter(([pid, p]) => p.comm.startsWith("WebKitWebProces") && below(pid)).map(([pid]) => pid);
}

