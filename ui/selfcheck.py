"""``livedesk selfcheck``: does this installation have what LiveDesk needs? Meant for the
PyInstaller bundle (``make bundle-smoke``, packaging/smoke_test.py; support asks a streamer to
run ``livedesk-console.exe selfcheck``), and equally true of a venv or a wheel install.

Prints one JSON object (``{"ok": bool, "checks": {name: {"ok": bool, "detail": str}}}``) and
exits 0 when every check passed, 1 otherwise. The checks:

- ``multimedia``: a QMediaPlayer has a backend (replay video; Qt says "No QtMultimedia backends
  found" when the ffmpeg plugin or one of its libraries is missing);
- ``imports``: cv2 (camera), jieba (report keywords), keyring with this OS's backend module
  (:data:`KEYRING_BACKEND`, present even where it cannot run now) and the backend in use,
  certifi's CA bundle (HTTPS to platforms);
- ``qt_plugins``: every Qt plugin in the installation loads (QPluginLoader: its libraries
  resolve), except the platform/integration plugins whose host libraries a desktop may lack
  (wayland, eglfs, vnc, …: :data:`HOST_DEPENDENT`), which are listed, not failed;
- ``resources``: the language catalog, the theme, the word list and the demo catalogue are found
  through app.resources;
- ``entry_points``: the ``livedesk.commands`` and ``livedesk.platforms`` groups are complete
  (a bundle without LiveDesk's dist-info has none);
- ``child_env``: an external program started from here (as the browser or OBS would be) does not
  get the bundle's library directory in its ``LD_LIBRARY_PATH`` (app/self_command.py
  ``restore_library_path``); a real child (``env``) is asked. Where there is no ``env`` program
  (Windows) it says so and passes.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

COMMANDS = {"console", "events", "join", "sandbox", "selfcheck"}
PLATFORMS = {"sandbox", "bilibili", "bilibili-web"}
# plugins that need a host library a desktop may not have (a Wayland compositor's, EGL devices',
# a database client's): reported, never a failure
HOST_DEPENDENT = (
    "wayland",
    "egldeviceintegrations",
    "eglfs",
    "vnc",
    "linuxfb",
    "vkkhrdisplay",
    "minimalegl",
    "xcbglintegrations",
    "designer",
    "qmltooling",
    "sqldrivers",  # database clients (LiveDesk uses Python's sqlite3)
    "texttospeech",  # speech-dispatcher
)

#: the keyring backend of each OS and what it imports (keyring finds them by entry point)
KEYRING_BACKEND = {
    "linux": ("keyring.backends.SecretService", "secretstorage", "jeepney"),
    "win32": ("keyring.backends.Windows", "win32ctypes.pywin32"),
    "darwin": ("keyring.backends.macOS",),
}

Check = dict[str, Any]


def _check(fn: Callable[[], str]) -> Check:
    try:
        return {"ok": True, "detail": fn()}
    except Exception as exc:  # a check that raises has failed: say how
        return {"ok": False, "detail": f"{type(exc).__name__}: {exc}"}


def multimedia() -> str:
    from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

    player = QMediaPlayer()
    player.setAudioOutput(QAudioOutput())
    if not player.isAvailable():
        raise RuntimeError("QMediaPlayer has no backend (No QtMultimedia backends found)")
    return "QMediaPlayer available"


def imports() -> str:
    found = []
    for name in ("cv2", "jieba", "keyring", "certifi", "numpy", "pyqtgraph", "uvicorn"):
        mod = importlib.import_module(name)
        found.append(f"{name} {getattr(mod, '__version__', '')}".strip())
    import certifi
    import keyring

    if not Path(certifi.where()).is_file():
        raise FileNotFoundError(certifi.where())
    # the OS's own backend must be in the installation even where it cannot run now (no D-Bus
    # session on a server): a bundle without it keeps tokens in memory only on every desktop
    for name in KEYRING_BACKEND.get(sys.platform, ()):
        importlib.import_module(name)
    backend = type(keyring.get_keyring())  # several are called Keyring: name the module too
    found.append(f"keyring backend {backend.__module__}.{backend.__name__}")
    return ", ".join(found)


def qt_plugins() -> str:
    from PySide6.QtCore import QLibraryInfo, QPluginLoader

    root = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    suffix = {"win32": ".dll", "darwin": ".dylib"}.get(sys.platform, ".so")
    files = sorted(p for p in root.rglob(f"*{suffix}") if p.is_file())
    if not files:
        raise FileNotFoundError(f"no Qt plugins under {root}")
    failed, skipped = [], []
    for path in files:
        rel = path.relative_to(root).as_posix()
        loader = QPluginLoader(str(path))
        if loader.load():
            loader.unload()
        elif any(h in rel for h in HOST_DEPENDENT):
            skipped.append(rel)
        else:
            failed.append(f"{rel}: {loader.errorString()}")
    if failed:
        raise RuntimeError("; ".join(failed))
    return f"{len(files) - len(skipped)} of {len(files)} loaded ({root}); host-dependent: " + (
        ", ".join(skipped) or "none"
    )


def resources() -> str:
    from app.resources import resource

    wanted = [
        resource("i18n", "en.json"),
        resource("theme", "light.qss"),
        resource("compliance", "words.txt"),
        resource("catalog", "catalog.json"),
        resource("icons", "livedesk.svg"),
    ]
    missing = [str(p) for p in wanted if not p.is_file()]
    images = list(resource("catalog", "products").glob("*.png"))
    if missing or not images:
        raise FileNotFoundError(", ".join(missing) or "no catalogue images")
    return f"{len(wanted)} files and {len(images)} catalogue images under {resource()}"


def entry_point_groups() -> str:
    commands = {ep.name for ep in entry_points(group="livedesk.commands")}
    platforms = {ep.name for ep in entry_points(group="livedesk.platforms")}
    missing = sorted((COMMANDS - commands) | (PLATFORMS - platforms))
    if missing:
        raise LookupError(f"missing entry points: {missing}")
    return f"commands {sorted(commands)}; platforms {sorted(platforms)}"


def child_env() -> str:
    import shutil
    import subprocess

    program = shutil.which("env")
    if program is None:
        return "no env program here (Windows): nothing to check"
    out = subprocess.run([program], capture_output=True, text=True, timeout=30, check=True)
    seen = dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)
    paths = [p for p in seen.get("LD_LIBRARY_PATH", "").split(os.pathsep) if p]
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is None:
        return f"not frozen; a child's LD_LIBRARY_PATH: {paths or 'unset'}"
    # the installation: _internal and beside it (cv2's import adds its own <cv2>/../../lib64,
    # which does not exist in the bundle: only directories that hold something count)
    root = Path(bundle).resolve().parent
    inside = [p for p in paths if Path(p).is_dir() and Path(p).resolve().is_relative_to(root)]
    if inside:
        raise RuntimeError(f"external programs would load the bundle's libraries: {inside}")
    return f"a child's LD_LIBRARY_PATH holds nothing of the bundle ({paths or 'unset'})"


def run(argv: list[str]) -> int:
    argparse.ArgumentParser(
        prog="livedesk selfcheck", description="check this installation (JSON report)"
    ).parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no window: works on a server too
    from PySide6.QtWidgets import QApplication

    _app = QApplication.instance() or QApplication(sys.argv[:1])
    checks = {
        "multimedia": _check(multimedia),
        "imports": _check(imports),
        "qt_plugins": _check(qt_plugins),
        "resources": _check(resources),
        "entry_points": _check(entry_point_groups),
        "child_env": _check(child_env),
    }
    ok = all(c["ok"] for c in checks.values())
    print(json.dumps({"ok": ok, "checks": checks}, ensure_ascii=False, indent=1))
    return 0 if ok else 1
