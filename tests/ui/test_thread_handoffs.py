"""Worker threads that outlive their widget (docs/architecture.md, "Threads"): each scenario runs in
a child process on a qasync loop (tests/ui/handoff_child.py), because the defect — a thread
emitting on a deleted QObject — is a segfault that would take pytest down with it. The child
exits 0 only when nothing crashed, nothing was logged as an error and no worker was left
running."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("handoff_child.py")


def run_child(scenario: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "QT_QPA_PLATFORM": "offscreen",
        "LIVEDESK_CONFIG_DIR": str(tmp_path / "config"),
        "LIVEDESK_DATA_DIR": str(tmp_path / "data"),
    }
    proc = subprocess.run(
        [sys.executable, str(CHILD), scenario, str(tmp_path)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{scenario}: exit code {proc.returncode}\n{out[-4000:]}"
    assert "already deleted" not in out, out[-4000:]
    assert "Traceback" not in out, out[-4000:]


def test_cameras_listed_after_the_dialog_is_deleted_touch_nothing(tmp_path: Path) -> None:
    run_child("camera-lister", tmp_path)


def test_cameras_listed_after_the_dialog_is_closed_open_no_camera(tmp_path: Path) -> None:
    run_child("camera-closed", tmp_path)


def test_the_camera_reader_stops_when_the_window_holding_the_dialog_is_deleted(
    tmp_path: Path,
) -> None:
    run_child("camera-window-deleted", tmp_path)


def test_comment_analysis_finished_after_the_replay_window_is_deleted_touches_nothing(
    tmp_path: Path,
) -> None:
    run_child("replay-analysis", tmp_path)
