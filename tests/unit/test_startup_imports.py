"""What the console loads before its first window: not OpenCV (with numpy, a quarter of a second
of a ~2.5 s start on this machine, tests/bench/startup.py; numpy alone now comes with the 复盘
panel's replay module). The OBS failover loads OpenCV with its first camera sample, in a worker
thread; the camera views with their first frame. A module-level ``import cv2`` in something the
main window imports brings the cost back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("cv2",)

PROBE = f"""
import importlib, json, sys
import ui.launch
for name in ui.launch.WINDOW_MODULES:  # what the console loads for its window
    importlib.import_module(name)
print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))
"""


def test_the_console_window_does_not_load_opencv() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
