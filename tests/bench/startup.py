"""Benchmark: how fast LiveDesk's console comes up, from the venv and from the PyInstaller bundle.

Measured offscreen, each run with fresh settings and data folders (a first start on a new
machine: the built-in sandbox is started as the console's child), median of ``--runs``:
- ``venv_console_s`` / ``frozen_console_s``: from the process start to its first window on
  screen — the moment ``--screenshot X --wait 0`` has written X (the window shown, connected to
  its platform and painted), not counting the shut-down that follows;
- ``bare_window_s``: the same for a bare PySide6 QMainWindow of the console's size (the floor:
  Python + Qt start-up), and ``venv_vs_bare``;
- ``venv_version_s`` / ``frozen_version_s``: ``livedesk --version`` (the bundle's bootloader and
  unpacked Python vs the venv);
- ``frozen_vs_venv``: budget ≤ 1.5 (the issue's), ``venv_vs_bare``: goal ≤ 5.

Without ``--bundle`` only the venv figures. ``--check`` exits 1 when frozen_vs_venv is over its
budget (`make bundle-smoke`). Prints ONE JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FROZEN_BUDGET = 1.5
BARE_GOAL = 5.0
BARE = """
import sys
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
w = QMainWindow()
w.resize(1600, 960)
w.show()
app.processEvents()
w.grab().save(sys.argv[1])
"""


def _env(tmp: Path, frozen: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(
        LIVEDESK_CONFIG_DIR=str(tmp / "config"),
        LIVEDESK_DATA_DIR=str(tmp / "data"),
        QT_QPA_PLATFORM="offscreen",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    if not frozen:
        env["PYTHONPATH"] = str(REPO)  # this checkout, also when run from another venv
    return env


def to_first_window(
    cmd: list[str], shot_arg: bool = True, frozen: bool = False, timeout: float = 120
) -> float:
    """Seconds from starting ``cmd`` until it has written its screenshot."""
    with tempfile.TemporaryDirectory(prefix="livedesk-startup-") as name:
        tmp = Path(name)
        shot = tmp / "first.png"
        args = [*cmd, "--screenshot", str(shot), "--wait", "0"] if shot_arg else [*cmd, str(shot)]
        start = time.perf_counter()
        proc = subprocess.Popen(
            args, env=_env(tmp, frozen), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp
        )
        try:
            while not (shot.exists() and shot.stat().st_size > 0):
                if proc.poll() is not None and not shot.exists():
                    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                    raise RuntimeError(f"{args[0]} exited {proc.returncode}: {err[-2000:]}")
                if time.perf_counter() - start > timeout:
                    raise TimeoutError(f"no window from {args[0]} in {timeout} s")
                time.sleep(0.01)
            took = time.perf_counter() - start
            proc.wait(timeout)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        return took


def version_time(cmd: list[str], frozen: bool = False) -> float:
    with tempfile.TemporaryDirectory() as name:
        env = _env(Path(name), frozen)
        start = time.perf_counter()
        subprocess.run([*cmd, "--version"], env=env, capture_output=True, check=True)
        return time.perf_counter() - start


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bundle", type=Path, help="the one-dir bundle (dist/livedesk)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--check", action="store_true", help="exit 1 if frozen > 1.5 × venv")
    args = p.parse_args()
    venv = [sys.executable, "-m", "app.main"]
    kinds: dict[str, Callable[[], float]] = {
        "bare_window_s": lambda: to_first_window([sys.executable, "-c", BARE], shot_arg=False),
        "venv_console_s": lambda: to_first_window(venv),
        "venv_version_s": lambda: version_time(venv),
    }
    if args.bundle:
        exe = str(args.bundle.resolve() / "livedesk")
        kinds["frozen_console_s"] = lambda: to_first_window([exe], frozen=True)
        kinds["frozen_version_s"] = lambda: version_time([exe], frozen=True)
    times: dict[str, list[float]] = {k: [] for k in kinds}
    for _ in range(args.runs):  # kinds interleaved: a neighbour's load hits them alike
        for kind, fn in kinds.items():
            times[kind].append(fn())
    out: dict[str, object] = {"bench": "startup", "runs": args.runs}
    med = {k: round(statistics.median(v), 3) for k, v in times.items()}
    out.update(med)
    out["venv_vs_bare"] = round(med["venv_console_s"] / med["bare_window_s"], 2)
    out["venv_vs_bare_goal"] = BARE_GOAL
    ok = True
    if args.bundle:
        out["frozen_vs_venv"] = round(med["frozen_console_s"] / med["venv_console_s"], 2)
        out["frozen_vs_venv_budget"] = FROZEN_BUDGET
        ok = med["frozen_console_s"] <= FROZEN_BUDGET * med["venv_console_s"]
    out["ok"] = ok
    print(json.dumps(out))
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
