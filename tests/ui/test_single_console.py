"""One console per user and room (ui/single_console.py), with real processes: a second
``livedesk`` for the room a console has open brings that console forward and exits 0 without
starting a second sandbox or recorder; a console that hangs makes the second launch say why it
cannot open (exit 1); a crashed console's claim is taken over by the next launch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.support.polling import patience
from tests.support.processes import processes_with, spawn, stop
from ui.single_console import instance_key

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform != "linux", reason="/proc")]

REPO = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path) -> dict[str, str]:
    return dict(
        os.environ,
        LIVEDESK_CONFIG_DIR=str(tmp_path / "config"),
        LIVEDESK_DATA_DIR=str(tmp_path / "data"),
        QT_QPA_PLATFORM="offscreen",
        PYTHONUNBUFFERED="1",
    )


def _launch(tmp_path: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.main", *args],
        cwd=REPO,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=patience(timeout),
    )


def test_a_second_launch_for_the_room_brings_the_first_forward(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    first = spawn(
        [
            sys.executable,
            "-m",
            "app.main",
            "--screenshot",
            str(tmp_path / "a.png"),
            "--wait",
            "300",
        ],
        cwd=REPO,
        env=_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    request.addfinalizer(lambda: stop(first, signal.SIGKILL))
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(first.stderr or []), daemon=True).start()
    db = str(tmp_path / "data" / "sandbox.db")
    deadline = time.monotonic() + patience(90)
    while not (any("answers for its room" in x for x in lines) and processes_with(db)):
        assert first.poll() is None, "".join(lines)
        assert time.monotonic() < deadline, "the first console did not start"
        time.sleep(0.2)

    second = _launch(tmp_path)
    assert second.returncode == 0, second.stderr
    assert f"already open (process {first.pid})" in second.stderr
    assert "starting the sandbox platform" not in second.stderr  # it started nothing
    deadline = time.monotonic() + patience(10)
    while not any("bringing the console forward" in x for x in lines):
        assert time.monotonic() < deadline, "".join(lines)
        time.sleep(0.1)
    assert len(processes_with(db)) == 1, "one sandbox platform for the room"

    # a console that does not answer (stopped): the second launch says why it cannot open
    first.send_signal(signal.SIGSTOP)
    hung = _launch(tmp_path)
    assert hung.returncode == 1
    assert f"（进程 {first.pid}），但没有响应" in hung.stderr, hung.stderr

    # the first crashes: its claim is stale, the next launch opens the console
    first.kill()
    first.wait(patience(10))
    deadline = time.monotonic() + patience(30)
    while processes_with(db):  # its sandbox child notices the closed pipe and stops
        assert time.monotonic() < deadline, "the crashed console's sandbox stayed"
        time.sleep(0.2)
    again = _launch(tmp_path, "--screenshot", str(tmp_path / "c.png"), "--wait", "0", timeout=90)
    assert again.returncode == 0, again.stderr
    assert "answers for its room" in again.stderr and (tmp_path / "c.png").exists()


def test_the_room_is_the_data_dir_platform_url_and_room(tmp_path: Path) -> None:
    base = instance_key(tmp_path, "sandbox", None, None)
    assert base == instance_key(tmp_path / ".", "sandbox", None, None)
    others = {
        instance_key(tmp_path / "other", "sandbox", None, None),
        instance_key(tmp_path, "bilibili", None, None),
        instance_key(tmp_path, "sandbox", "http://127.0.0.1:8765", "r1"),
        instance_key(tmp_path, "sandbox", "http://127.0.0.1:8765", "r2"),
    }
    assert base not in others and len(others) == 4
