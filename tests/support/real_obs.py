"""Start and stop an isolated, real OBS Studio under Xvfb (see shared/recipes/real-obs.md).

Used by the integration tests' fixture and by tests/bench/obs_actions.py. Each instance has its own
XDG_CONFIG_HOME, display, random port and password; ``stop()`` kills exactly the processes it started
(with their process groups). Xvfb and OBS are started through tests/support/processes.py ``spawn()``: they die
with the process that started them even when it is SIGKILLed, OBS's own children included.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import select
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.ports import free_port, port_open
from tests.support.processes import spawn, stop


def tools_present() -> bool:
    return shutil.which("obs") is not None and shutil.which("Xvfb") is not None


def start_xvfb(screen: str, within: float = 60.0) -> tuple[subprocess.Popen[bytes], int]:
    """An Xvfb on a display it picks itself (``-displayfd``: no race with another run or xdist
    worker choosing the same number), and that number once it accepts connections."""
    read, write = os.pipe()
    try:
        xvfb = spawn(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", screen, "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(write,),
        )
        os.close(write)
        write = -1
        got = b""
        deadline = time.monotonic() + within
        while not got.endswith(b"\n"):
            ready, _, _ = select.select([read], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(read, 16) if ready else b""
            if not chunk:
                stop(xvfb)
                raise RuntimeError("Xvfb did not start")
            got += chunk
        return xvfb, int(got)
    finally:
        os.close(read)
        if write >= 0:
            os.close(write)


@dataclass
class RealObs:
    """One OBS process (restartable: ``kill_obs()`` then ``start_obs()`` keeps config, port, password)."""

    port: int = field(default_factory=free_port)
    password: str = field(default_factory=lambda: "t-" + secrets.token_hex(8))
    websocket: bool = True
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="livedesk-obs-")))
    display: int = 0
    xvfb: subprocess.Popen[bytes] | None = None
    obs: subprocess.Popen[bytes] | None = None
    baseline: Any = None  # obs_baseline.Baseline, captured by tests/support/obs_fixtures.py

    def start(self, timeout: float = 120.0) -> RealObs:
        self._write_config()
        self.xvfb, self.display = start_xvfb("1920x1080x24")
        try:
            self.start_obs(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _write_config(self) -> None:
        cfg = self.root / "obs-studio"
        (cfg / "plugin_config" / "obs-websocket").mkdir(parents=True, exist_ok=True)
        (cfg / "global.ini").write_text(
            "[General]\nFirstRun=true\nLastVersion=486539266\n\n"
            "[OBSWebSocket]\nFirstLoad=false\n"
            f"ServerEnabled={'true' if self.websocket else 'false'}\n"
            f"ServerPort={self.port}\nAlertsEnabled=false\nAuthRequired=true\n"
            f"ServerPassword={self.password}\n",
            encoding="utf-8",
        )
        (cfg / "plugin_config" / "obs-websocket" / "config.json").write_text(
            json.dumps(
                {
                    "first_load": False,
                    "server_enabled": self.websocket,
                    "server_port": self.port,
                    "alerts_enabled": False,
                    "auth_required": True,
                    "server_password": self.password,
                }
            ),
            encoding="utf-8",
        )

    def start_obs(self, timeout: float = 120.0) -> None:
        env = dict(os.environ)
        env.update(
            XDG_CONFIG_HOME=str(self.root),
            DISPLAY=f":{self.display}",
            LIBGL_ALWAYS_SOFTWARE="1",
            QT_QPA_PLATFORM="xcb",
        )
        log = open(self.root / "obs.log", "ab")
        self.obs = spawn(
            [
                "obs",
                "--multi",
                "--disable-shutdown-check",
                "--disable-updater",
                "--minimize-to-tray",
            ],
            env=env,
            stdout=log,
            stderr=log,
            cwd=str(self.root),
        )
        log.close()
        if not self.websocket:
            return  # it runs (Popen returns after the exec); there is no port to wait for
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if self.obs.poll() is not None:
                raise RuntimeError(f"OBS exited ({self.obs.returncode}); see {self.root}/obs.log")
            if time.monotonic() > deadline:
                raise RuntimeError(f"OBS did not open port {self.port} in {timeout}s")
            time.sleep(0.1)

    def saved_scene_collection(self) -> str:
        """What OBS has saved of its scene collections so far (the JSON files' text)."""
        text = []
        for path in sorted((self.root / "obs-studio" / "basic" / "scenes").glob("*.json")):
            try:
                text.append(path.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                continue
        return "\n".join(text)

    def kill_obs(self) -> None:
        stop(self.obs, signal.SIGKILL)
        self.obs = None

    def log_files(self) -> list[Path]:
        """OBS's own logs (its stdout and the session logs it writes), oldest first."""
        logs = sorted(
            (self.root / "obs-studio" / "logs").glob("*.txt"), key=lambda p: p.stat().st_mtime
        )
        return [self.root / "obs.log", *logs]

    def log_tail(self, lines: int = 60) -> str:
        """The last ``lines`` lines of OBS's newest session log (what a failing test shows)."""
        files = [p for p in self.log_files() if p.exists()]
        if not files:
            return ""
        text = files[-1].read_text(encoding="utf-8", errors="replace").splitlines()
        return f"{files[-1]}:\n" + "\n".join(text[-lines:])

    def stop(self) -> None:
        self.kill_obs()
        stop(self.xvfb)
        self.xvfb = None
        keep = os.environ.get("LIVEDESK_OBS_LOG_DIR")  # a developer keeping the logs of a run
        if keep:
            dest = Path(keep) / self.root.name
            dest.mkdir(parents=True, exist_ok=True)
            for path in self.log_files():
                with contextlib.suppress(OSError):
                    shutil.copy2(path, dest / path.name)
        shutil.rmtree(self.root, ignore_errors=True)


def bench_main(
    name: str, run: Callable[[RealObs, Path], Coroutine[Any, Any, dict[str, Any]]]
) -> int:
    """A benchmark against a real OBS: ``run(obs, tmp)`` on a fresh OBS (a Qt GUI application
    exists for rendering), its result printed as one JSON line; a ``skipped`` line when OBS or
    Xvfb is not installed."""
    import asyncio

    from PySide6.QtGui import QGuiApplication

    if not tools_present():
        print(json.dumps({"bench": name, "skipped": "obs/Xvfb not installed"}))
        return 0
    _app = QGuiApplication([])
    obs = RealObs().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            result = asyncio.run(run(obs, Path(tmp)))
    finally:
        obs.stop()
    print(json.dumps(result, ensure_ascii=False))
    return 0
