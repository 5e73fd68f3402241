#!/usr/bin/env python3
"""Start-up benchmark (prints figures; it is not a test and never fails on slowness).

Starts BRM RPA Desk and a bare Tauri window (examples/bare-window, same Tauri) N times
each under Xvfb, alternating, and prints for both:
  - time from spawn to the first painted screen (the page reports it through the
    `ui_ready` command, which prints "BRM_READY <ms>" on stdout);
  - resident memory (VmRSS, and PSS) summed over the whole process tree 5 s after spawn
    (the UI process plus WebKit's web and network processes);
and the ratio app / bare window. Target: both ratios at most 1.3.

By default the application opens on the login, the screen people see at every start: a
fixture user is added to its throw-away database after the warm-up run (its password hash
is not a valid hash, so nobody can log in with it). `--screen first-run` measures the
one-time "Criar administrador" screen instead.

Usage: scripts/bench-startup.py [--runs 10] [--profile release|debug] [--screen login|first-run] [--no-build]
"""
import argparse
import os
import sqlite3
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sh(cmd, **kw):
    """Runs `cmd` from the repository's root unless the caller names another folder
    (the UI build runs in ui/: passing cwd twice was a TypeError at once)."""
    print("$", " ".join(cmd), flush=True)
    kw.setdefault("cwd", ROOT)
    subprocess.run(cmd, check=True, **kw)


def children_map():
    kids = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        except (OSError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(pid))
    return kids


def tree(root):
    kids, out, todo = children_map(), [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def memory_kib(pids):
    rss = pss = 0
    names = []
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Name:"):
                        names.append(line.split()[1])
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            pass
    return rss, pss, names


def one_run(binary, home, settle):
    env = dict(os.environ)
    env.update(
        HOME=f"{home}/home",
        XDG_DATA_HOME=f"{home}/data",
        XDG_CONFIG_HOME=f"{home}/config",
        XDG_CACHE_HOME=f"{home}/cache",
        BRM_LOG="warn",
    )
    env.pop("BRM_DATABASE_URL", None)
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [binary], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, start_new_session=True, text=True
    )
    ready_ms = None
    try:
        for line in proc.stdout:
            if line.startswith("BRM_READY"):
                ready_ms = (time.monotonic() - t0) * 1000
                break
        if ready_ms is None:
            raise RuntimeError(f"{binary} exited before painting (code {proc.wait()})")
        time.sleep(max(0.0, settle - (time.monotonic() - t0)))
        rss, pss, names = memory_kib(tree(proc.pid))
        return ready_ms, rss, pss, names
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def add_fixture_user(home):
    db = os.path.join(home, "data", "br.com.brmsolutions.rpadesk", "brm-desk.sqlite3")
    con = sqlite3.connect(db)
    with con:
        con.execute(
            "INSERT INTO users (id, full_name, email, role, password_hash, created_at, updated_at) "
            "VALUES ('00000000-0000-4000-8000-000000000001', 'Benchmark', 'bench@exemplo.invalid', "
            "'ADMINISTRADOR', 'not-a-hash: nobody logs in', "
            "'2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')"
        )
    con.close()


def start_display_and_bus(stack):
    if not os.environ.get("DISPLAY"):
        n = 99
        while os.path.exists(f"/tmp/.X11-unix/X{n}") or os.path.exists(f"/tmp/.X{n}-lock"):
            n += 1
        xvfb = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
                                stderr=subprocess.DEVNULL)
        stack.append(lambda: xvfb.terminate())
        os.environ["DISPLAY"] = f":{n}"
        for _ in range(50):
            if os.path.exists(f"/tmp/.X11-unix/X{n}"):
                break
            time.sleep(0.1)
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        out = subprocess.run(["dbus-launch", "--sh-syntax"], capture_output=True, text=True, check=True).stdout
        for part in out.split(";"):
            part = part.strip()
            if part.startswith("DBUS_SESSION_BUS_ADDRESS=") or part.startswith("DBUS_SESSION_BUS_PID="):
                k, v = part.split("=", 1)
                os.environ[k] = v.strip("'")
        pid = int(os.environ["DBUS_SESSION_BUS_PID"])
        stack.append(lambda: os.kill(pid, signal.SIGTERM))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--profile", choices=["release", "debug"], default="release")
    ap.add_argument("--settle", type=float, default=5.0, help="seconds after spawn before reading memory")
    ap.add_argument("--screen", choices=["login", "first-run"], default="login")
    ap.add_argument("--no-build", action="store_true")
    a = ap.parse_args()

    if not a.no_build:
        sh(["npm", "run", "--silent", "build", "--", "--logLevel", "warn"], cwd=os.path.join(ROOT, "ui"))
        flags = ["--release"] if a.profile == "release" else []
        sh(["cargo", "build", "--quiet", *flags, "-p", "brm-desk", "-p", "bare-window"])
    target = os.path.join(ROOT, "target", a.profile)
    bins = {"brm-desk": os.path.join(target, "brm-desk"), "bare-window": os.path.join(target, "bare-window")}

    cleanup = []
    start_display_and_bus(cleanup)
    homes = {k: tempfile.mkdtemp(prefix=f"bench-{k}-") for k in bins}
    results = {k: [] for k in bins}
    try:
        # One discarded warm-up each: it creates the data folder, the database and
        # WebKit's caches, as the first start on a new machine does.
        for k, b in bins.items():
            one_run(b, homes[k], a.settle)
        if a.screen == "login":
            add_fixture_user(homes["brm-desk"])
        for i in range(a.runs):
            for k, b in bins.items():
                ready, rss, pss, names = one_run(b, homes[k], a.settle)
                results[k].append((ready, rss, pss))
                print(f"run {i + 1:2d} {k:12s} painted {ready:7.1f} ms   RSS {rss / 1024:7.1f} MiB   "
                      f"PSS {pss / 1024:7.1f} MiB   processes: {', '.join(names)}", flush=True)
    finally:
        for f in reversed(cleanup):
            try:
                f()
            except Exception:
                pass
        for h in homes.values():
            shutil.rmtree(h, ignore_errors=True)

    def med(k, i):
        return statistics.median(r[i] for r in results[k])

    print()
    print(f"Profile: {a.profile}; screen: {a.screen}; runs: {a.runs} each; memory read {a.settle:.0f} s after spawn")
    print(f"{'':14s}{'first paint (median)':>22s}{'min':>10s}{'max':>10s}{'RSS tree (median)':>20s}{'PSS tree':>12s}")
    for k in bins:
        rs = [r[0] for r in results[k]]
        print(f"{k:14s}{med(k, 0):19.1f} ms{min(rs):7.1f} ms{max(rs):7.1f} ms"
              f"{med(k, 1) / 1024:16.1f} MiB{med(k, 2) / 1024:8.1f} MiB")
    rt = med("brm-desk", 0) / med("bare-window", 0)
    rm = med("brm-desk", 1) / med("bare-window", 1)
    rp = med("brm-desk", 2) / med("bare-window", 2)
    print(f"ratio brm-desk / bare-window: time {rt:.2f}  RSS {rm:.2f}  PSS {rp:.2f}  (target: time and RSS <= 1.3)")


if __name__ == "__main__":
    sys.exit(main())
