"""The real console killed with SIGKILL mid-session (a power cut, the OOM killer, `kill -9`): the
session file it leaves opens cleanly and holds the session up to the last second before the kill —
every platform event, the operator's actions (with the operator's role) and the 1 Hz metrics.

The console is the real one (``ui.launch.run``, the path ``livedesk`` takes) with its built-in
sandbox child, a live session and an audience, on fresh settings and data folders. An operator
works it meanwhile: the test triggers the console's own "next/previous product" shortcuts (the
actions a key press fires; the compliance prompt is answered yes), and the console prints each action it made, so the test knows what the
file must hold. The platform's side is the sandbox's own event log (its SQLite file in the data
folder), read after the kill.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.session.replay import SessionFile, list_sessions
from tests.support.polling import patience
from tests.support.processes import processes_with, spawn, stop

REPO = Path(__file__).resolve().parents[2]

# The console as `livedesk` starts it, plus an operator: every 0.4 s the product shortcuts are
# triggered (the QAction a key press fires), and each action the room reports is printed.
DRIVER = r"""
import json, sys
from ui.launch import run

async def operate(window):
    def said(rec):
        print("ACTION " + json.dumps({"ts": rec.ts, "name": rec.name, "role": rec.role,
                                      "ok": rec.ok}), flush=True)
    window.room.subscribe_actions(said)

    # a Qt timer, as a key press comes from Qt's event loop (not from inside an asyncio task)
    from PySide6.QtCore import QTimer
    from ui.products.panel import ProductQueuePanel
    for panel in window.findChildren(ProductQueuePanel):
        panel.confirm = lambda *a, **k: True  # the compliance prompt: the operator says yes
    n = [0]

    def key():
        if window.room.online and window.room.session is not None:
            name = "product.next" if n[0] % 2 == 0 else "product.prev"
            window.shortcuts.actions[name].trigger()
            n[0] += 1

    timer = QTimer(window)
    timer.timeout.connect(key)
    timer.start(400)

sys.exit(run(sys.argv[1:], operate))
"""


def _wait(
    cond: Callable[[], bool], within: float, what: str, proc: subprocess.Popen[str], log: list[str]
) -> None:
    deadline = time.monotonic() + patience(within)
    while not cond():
        assert proc.poll() is None, "the console exited:\n" + "".join(log[-30:])
        assert time.monotonic() < deadline, f"timed out waiting for {what}:\n" + "".join(log[-30:])
        time.sleep(0.1)


def _events(db: str) -> int:
    """Events in the platform's own log so far."""
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_console_killed_mid_session_keeps_everything_up_to_the_last_second(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    data = tmp_path / "data"
    env = dict(
        os.environ,
        LIVEDESK_CONFIG_DIR=str(tmp_path / "config"),
        LIVEDESK_DATA_DIR=str(data),
        QT_QPA_PLATFORM="offscreen",
        PYTHONUNBUFFERED="1",
    )
    argv = [
        "--sandbox-arg=--live",  # the built-in sandbox starts off-air unless asked
        "--sandbox-arg=--rate=300",
        "--sandbox-arg=--viewers=300",
        # the driver's hook runs where --screenshot would wait; the console is killed long before
        f"--screenshot={tmp_path / 'never.png'}",
        "--wait=600",
    ]
    proc = spawn(
        [sys.executable, "-c", DRIVER, *argv],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # whatever the outcome, nothing of its process group outlives the test (after the checks)
    request.addfinalizer(lambda: stop(proc, signal.SIGKILL))
    log: list[str] = []
    actions: list[dict[str, Any]] = []

    def read_out() -> None:
        for line in proc.stdout or []:
            if line.startswith("ACTION "):
                actions.append(json.loads(line[len("ACTION ") :]))

    threading.Thread(target=lambda: log.extend(proc.stderr or []), daemon=True).start()
    threading.Thread(target=read_out, daemon=True).start()
    db = str(data / "sandbox.db")
    try:
        _wait(lambda: any("recording session" in x for x in log), 90, "recording", proc, log)
        assert processes_with(db), "the built-in sandbox platform runs as a child"
        _wait(lambda: len(actions) >= 3, 60, "the operator's first actions", proc, log)
        # a few seconds of live traffic, actions and metrics into the recording: at least 4 s
        # and 400 platform events (a busy machine makes fewer per second)
        started = time.monotonic()
        _wait(lambda: time.monotonic() - started >= 4 and _events(db) > 400, 120,
              "live traffic", proc, log)  # fmt: skip
        kill_ts = time.time()
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)

    # the sandbox child goes with its console (its stdin closes); it must not be left running
    deadline = time.monotonic() + patience(15)
    while processes_with(db) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not processes_with(db), "the sandbox platform outlived the killed console"

    # reopen: sound file, listed with the sessions
    [path] = list((data / "sessions").glob("*.livedesk"))
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()
    [summary] = list_sessions(data / "sessions")
    assert summary.ended_ts is None  # killed: the session was never closed
    with SessionFile(path) as f:
        recorded = set(f.event_seqs())
        rec_actions = f.actions()
        metric_secs = [
            int(r[0]) for r in f.conn.execute("SELECT sec FROM metrics ORDER BY sec").fetchall()
        ]
        session_id = f.meta["session_id"]

    # the platform's own log: every event of the session up to kill − 1 s is in the file
    pconn = sqlite3.connect(db)
    try:
        rows = pconn.execute("SELECT seq, ts, type, body FROM events ORDER BY seq").fetchall()
    finally:
        pconn.close()
    first = next(
        seq
        for seq, _ts, typ, body in rows
        if typ == "session_started" and json.loads(body)["data"]["session"]["id"] == session_id
    )
    due = [seq for seq, ts, _t, _b in rows if seq >= first and ts <= kill_ts - 1.0]
    assert len(due) > 300, "the audience was live"
    missing = sorted(set(due) - recorded)
    assert not missing, f"{len(missing)} events before kill−1 s missing, first {missing[:5]}"

    # the operator's actions up to kill − 1 s, with the operator's role
    due_actions = [a for a in actions if float(a["ts"]) <= kill_ts - 1.0]
    assert len(due_actions) >= 3
    got = {(round(float(a["ts"]), 3), a["name"]) for a in rec_actions}
    lost = [a for a in due_actions if (round(float(a["ts"]), 3), a["name"]) not in got]
    assert not lost, f"actions before kill−1 s missing: {lost}"
    assert {a["role"] for a in rec_actions} == {"host"}
    assert {a["name"] for a in rec_actions} == {"explain"}

    # the 1 Hz metrics: one row a second, up to the last full second before the kill
    assert metric_secs, "no metrics snapshots"
    assert metric_secs[-1] >= int(kill_ts - 2.5)
    span = metric_secs[-1] - metric_secs[0] + 1
    assert len(metric_secs) >= 0.8 * span and span >= 4
    assert not any("Traceback" in line for line in log), "".join(log)
