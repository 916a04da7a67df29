"""LiveDesk started without a terminal, as a windowed build runs it (LiveDesk.exe, the macOS app,
a desktop entry): ``sys.stdout`` and ``sys.stderr`` are None. The sandbox server still serves
(uvicorn's default log config used to raise on the missing streams), the console still opens and
writes its log to ``<data dir>/logs/livedesk.log``, and a hard crash leaves its traceback in
``<data dir>/logs/crash.log`` (app/logs.py)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.polling import patience
from tests.support.processes import spawn, stop

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="signals and paths")

WINDOWED = "import sys; sys.stdout = sys.stderr = None\n"  # what a windowed bootloader gives


def _env(tmp_path: Path) -> dict[str, str]:
    return dict(
        os.environ,
        LIVEDESK_CONFIG_DIR=str(tmp_path / "config"),
        LIVEDESK_DATA_DIR=str(tmp_path / "data"),
        QT_QPA_PLATFORM="offscreen",
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_sandbox_server_serves_without_streams(tmp_path: Path) -> None:
    port = _free_port()
    code = WINDOWED + (
        "from app.main import main\n"
        f"sys.exit(main(['sandbox', '--port', '{port}', '--viewers', '0']))\n"
    )
    proc = spawn([sys.executable, "-c", code], env=_env(tmp_path), stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + patience(60)
        while True:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/openapi.json", timeout=2
                ) as resp:
                    assert resp.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "the sandbox never answered"
                time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(patience(30)) == 0
    finally:
        stop(proc)


def test_the_console_opens_and_logs_to_a_file_without_streams(tmp_path: Path) -> None:
    shot = tmp_path / "console.png"
    code = WINDOWED + (
        f"from app.main import main\nsys.exit(main(['--screenshot', {str(shot)!r}, '--wait', '0']))\n"
    )
    proc = spawn([sys.executable, "-c", code], env=_env(tmp_path), stderr=subprocess.PIPE)
    try:
        rc = proc.wait(patience(120))
        err = proc.stderr.read() if proc.stderr else b""
    finally:
        stop(proc)
    assert rc == 0, err
    assert err == b""  # nothing reached the (real) stderr the process did not know it had
    assert shot.exists()
    log = (tmp_path / "data" / "logs" / "livedesk.log").read_text(encoding="utf-8")
    assert "starting the sandbox platform" in log, log
    assert " qt: " in log, log  # Qt's own warnings too (offscreen's propagateSizeHints, at least)
    assert "--- livedesk started" in (tmp_path / "data" / "logs" / "crash.log").read_text()


def test_a_hard_crash_leaves_its_traceback_in_the_crash_log(tmp_path: Path) -> None:
    code = WINDOWED + (
        "from app.logs import setup_logging\nsetup_logging()\n"
        "import ctypes\ndef deep_in_the_console():\n    ctypes.string_at(0)\n"
        "deep_in_the_console()\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=_env(tmp_path), capture_output=True, timeout=patience(60)
    )
    assert out.returncode == -signal.SIGSEGV
    crash = (tmp_path / "data" / "logs" / "crash.log").read_text(encoding="utf-8")
    assert "Segmentation fault" in crash and "deep_in_the_console" in crash, crash
