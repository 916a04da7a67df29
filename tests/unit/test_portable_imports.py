"""Every module of app/, ui/ and plugins/ imports on an OS without the POSIX-only standard modules
(Windows has no fcntl, termios, pwd, grp or resource). A module-level ``import fcntl`` in
app/camera/devices.py once meant that the console could not even start on Windows: the main
window imports the OBS stack, which imports the camera modes, which imported it. Linux-only code
imports such a module inside the function that needs it (packaging/README.md, "What is
Linux-only"). There is no Windows machine here: this is the part of "it starts on Windows" that
can be checked on Linux."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
POSIX_ONLY = ("fcntl", "termios", "pwd", "grp", "resource")

PROBE = f"""
import importlib, json, pkgutil, sys
for name in {POSIX_ONLY!r}:
    sys.modules[name] = None  # `import fcntl` now raises ModuleNotFoundError, as on Windows
failed, count = {{}}, 0
for pkg in ("app", "ui", "plugins"):
    for info in pkgutil.walk_packages([pkg], prefix=pkg + "."):
        count += 1
        try:
            importlib.import_module(info.name)
        except Exception as exc:
            failed[info.name] = repr(exc)
print(json.dumps({{"count": count, "failed": failed}}))
"""


def test_every_module_imports_without_posix_only_modules() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["count"] > 200  # the walk found the packages, not an empty tree
    assert report["failed"] == {}
