#!/usr/bin/env python3
"""List the processes a test run left behind (Linux /proc); fail if there are any.

    .ci/leftover_processes.py snapshot FILE   # before the suite: remember what already runs
    .ci/leftover_processes.py check FILE      # after it: print `ps` of what the suite left; exit 1

A process counts as the suite's when it carries the test run's mark in its environment
(``LIVEDESK_TEST_RUN``, tests/support/processes.py) or is one of the programs the suite starts (obs, Xvfb,
nginx, chromium, a livedesk console or sandbox) — unless it already ran before the suite (its pid
and start time are in FILE). ``check`` gives the suite's own clean-up (and its guard) up to
``--grace`` seconds before it judges.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.processes import MARK

NAMES = {"obs", "obs64", "Xvfb", "nginx", "chromium", "chrome", "chrome_crashpad"}
CMDLINE_HINTS = ("plugins.sandbox", "app.main", "bin/livedesk", "livedesk test guard")


def _read(pid: int, name: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/{name}").read_bytes()
    except OSError:
        return b""


def _stat(pid: int) -> list[str]:
    text = _read(pid, "stat").decode(errors="replace")
    head, _, tail = text.rpartition(")")
    return [head.partition("(")[2], *tail.split()] if head else []


def processes() -> dict[str, dict[str, str]]:
    """``{"pid:starttime": {...}}`` of every live process (the key survives pid reuse)."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        st = _stat(pid)
        if len(st) < 21 or st[1] == "Z":
            continue
        out[f"{pid}:{st[20]}"] = {
            "pid": str(pid),
            "ppid": st[2],
            "comm": st[0],
            "cmd": " ".join(
                _read(pid, "cmdline").replace(b"\0", b" ").decode(errors="replace").split()
            ),
            "marked": str((MARK + "=").encode() in _read(pid, "environ")),
        }
    return out


def suites(procs: dict[str, dict[str, str]], before: set[str]) -> dict[str, dict[str, str]]:
    me = {str(os.getpid()), str(os.getppid())}
    return {
        key: p
        for key, p in procs.items()
        if key not in before
        and p["pid"] not in me
        and (
            p["marked"] == "True" or p["comm"] in NAMES or any(h in p["cmd"] for h in CMDLINE_HINTS)
        )
    }


def ps(procs: dict[str, dict[str, str]]) -> str:
    lines = [f"{'PID':>7} {'PPID':>7} COMMAND"]
    lines += [f"{p['pid']:>7} {p['ppid']:>7} {p['cmd'][:160]}" for p in procs.values()]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["snapshot", "check"])
    ap.add_argument("file", type=Path)
    ap.add_argument("--grace", type=float, default=30.0)
    args = ap.parse_args(argv)
    if args.mode == "snapshot":
        procs = processes()
        args.file.write_text(json.dumps(sorted(procs)), encoding="utf-8")
        print(f"before the suite: {len(procs)} processes; of the suite's kinds:")
        print(ps(suites(procs, set())))
        return 0
    before = set(json.loads(args.file.read_text(encoding="utf-8")))
    deadline = time.monotonic() + args.grace
    left = suites(processes(), before)
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = suites(processes(), before)
    if left:
        print(f"FAIL: {len(left)} process(es) of the test suite still running:")
        print(ps(left))
        return 1
    print("after the suite: no process of the suite left running")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
