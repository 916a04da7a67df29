"""`livedesk` as a user starts it: the real console process on a fresh machine (empty settings and
data folders) starts the built-in sandbox platform, goes live with it, and quits cleanly when the
OS asks it to (SIGTERM at logout, Ctrl+C in a terminal): exit code 0, the session file complete
and closed, and no sandbox process left behind."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.support.polling import patience
from tests.support.processes import processes_with, spawn, stop

REPO = Path(__file__).resolve().parents[2]


def assert_tokens_private(db: Path) -> None:
    """The sandbox database holds the room's tokens: owner-only files, and no token in any
    process's command line (``ps`` shows it to every user)."""
    for p in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        if p.exists():
            assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tokens = json.loads(conn.execute("SELECT value FROM meta WHERE key='tokens'").fetchone()[0])
    finally:
        conn.close()
    for pid in processes_with(str(db)):
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        assert not any(t.encode() in cmdline for t in tokens.values()), "a token in ps"


def _recorded(data: Path) -> int:
    """Events in the console's session file so far (0 before it exists)."""
    for session in (data / "sessions").glob("*.livedesk"):
        try:
            conn = sqlite3.connect(f"file:{session}?mode=ro", uri=True, timeout=5)
            try:
                return int(
                    conn.execute("SELECT coalesce(sum(n), 0) FROM event_blocks").fetchone()[0]
                )
            finally:
                conn.close()
        except sqlite3.Error:
            return 0
    return 0


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_console_quits_cleanly_when_the_os_asks(
    tmp_path: Path, sig: signal.Signals, request: pytest.FixtureRequest
) -> None:
    env = dict(
        os.environ,
        LIVEDESK_CONFIG_DIR=str(tmp_path / "config"),
        LIVEDESK_DATA_DIR=str(tmp_path / "data"),
        QT_QPA_PLATFORM="offscreen",
        PYTHONUNBUFFERED="1",
    )
    proc = spawn(
        [sys.executable, "-m", "app.main", "--sandbox-arg=--live", "--sandbox-arg=--rate=200"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    # whatever the outcome, nothing of its process group outlives the test (after the checks)
    request.addfinalizer(lambda: stop(proc, signal.SIGKILL))
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(proc.stderr or []), daemon=True).start()
    try:
        deadline = time.monotonic() + patience(90)
        while not any("recording session" in line for line in lines):
            assert proc.poll() is None, "".join(lines[-20:])
            assert time.monotonic() < deadline, "the console did not start recording"
            time.sleep(0.2)
        db = str(tmp_path / "data" / "sandbox.db")
        assert processes_with(db), "the built-in sandbox platform runs as a child"
        assert_tokens_private(Path(db))
        # some live traffic into the recording (counted in the file, not assumed from the clock)
        deadline = time.monotonic() + patience(60)
        while _recorded(tmp_path / "data") <= 100:
            assert proc.poll() is None, "".join(lines[-20:])
            assert time.monotonic() < deadline, "the console recorded no live traffic"
            time.sleep(0.2)

        proc.send_signal(sig)
        assert proc.wait(patience(30)) == 0, "".join(lines[-20:])
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)

    deadline = time.monotonic() + patience(10)
    while processes_with(db) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not processes_with(db), "the sandbox platform outlived the console"
    [session] = list((tmp_path / "data" / "sessions").glob("*.livedesk"))
    assert not Path(f"{session}-wal").exists() or Path(f"{session}-wal").stat().st_size == 0
    conn = sqlite3.connect(session)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT coalesce(sum(n), 0) FROM event_blocks").fetchone()[0] > 100
    finally:
        conn.close()
    assert not any("Traceback" in line for line in lines), "".join(lines)


def test_the_platform_token_can_stay_off_the_command_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``ps`` shows every process's arguments to every user: the console takes its platform
    token from ``LIVEDESK_TOKEN`` and does not pass it on to its children."""
    from types import SimpleNamespace

    import app.secrets
    from ui.launch import adapter_settings, parse_args

    monkeypatch.setattr(
        app.secrets, "_keyring_usable", lambda **_: False
    )  # never the user's keyring
    monkeypatch.setattr(app.secrets, "_memory", {})
    monkeypatch.setenv("LIVEDESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LIVEDESK_TOKEN", "as_from-the-environment")
    args = parse_args(["--url", "http://127.0.0.1:9", "--room", "r1", "--role", "assistant"])
    plat = SimpleNamespace(url=None, room=None, role="host")
    out = adapter_settings(args, SimpleNamespace(platform=plat))
    assert out["token"] == "as_from-the-environment"
    assert "LIVEDESK_TOKEN" not in os.environ  # not inherited by child processes
    # remembered (keyring) for the next start without it
    assert adapter_settings(args, SimpleNamespace(platform=plat))["token"] == out["token"]
