"""LiveDesk starting itself (app/self_command.py) the way a frozen app must: the built-in
sandbox's child comes up through ``livedesk --run-module …`` when ``sys.executable`` is LiveDesk
itself, not a Python. The frozen app is played by a small launcher script that behaves like the
bundle's executable (its own path as ``sys.executable``, no ``-m``); the PyInstaller bundle itself
is checked by ``make bundle-smoke`` (packaging/smoke_test.py)."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import app.self_command as self_command
from plugins.sandbox.adapter import SandboxProcess
from tests.support.polling import patience

REPO = Path(__file__).resolve().parents[2]

LAUNCHER = """#!{python}
import os, sys
if sys.argv[1:2] == ["-m"]:
    sys.exit("a frozen app knows no -m")  # what the PyInstaller bootloader's argparse did
import app.self_command
app.self_command.FROZEN = True
sys.executable = os.path.abspath(__file__)
from app.main import main
sys.exit(main())
"""


@pytest.fixture
def frozen_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    exe = tmp_path / "livedesk"
    exe.write_text(LAUNCHER.format(python=sys.executable))
    exe.chmod(0o755)
    monkeypatch.setattr(self_command, "FROZEN", True)
    monkeypatch.setattr(sys, "executable", str(exe))
    return exe


def test_only_self_command_spawns_sys_executable() -> None:
    users = [
        f"{p.relative_to(REPO)}:{n}"
        for d in ("app", "ui", "plugins")
        for p in sorted((REPO / d).rglob("*.py"))
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bsys\.executable\b", line)
    ]
    assert users and all(u.startswith("app/self_command.py:") for u in users), users


def test_commands_from_source_and_frozen(frozen_app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    exe = str(frozen_app)
    assert self_command.self_command("app.main", "--lang", "en") == [exe, "--lang", "en"]
    assert self_command.self_command("plugins.sandbox.adapter", "--db", "x") == [
        *(exe, "--run-module", "plugins.sandbox.adapter", "--db", "x")
    ]
    monkeypatch.setattr(self_command, "FROZEN", False)
    assert self_command.self_command("ui.replay.pdf_print", "a") == [
        *(exe, "-m", "ui.replay.pdf_print", "a")
    ]
    with pytest.raises(ValueError):
        self_command.self_command("os")


def test_a_frozen_app_runs_only_its_own_modules(frozen_app: Path) -> None:
    out = subprocess.run(
        [str(frozen_app), "--run-module", "http.server"],
        capture_output=True,
        text=True,
        timeout=patience(60),
    )
    assert out.returncode == 2
    assert "--run-module takes one of" in out.stderr


async def test_the_sandbox_child_starts_in_a_frozen_app(frozen_app: Path, tmp_path: Path) -> None:
    child = await SandboxProcess.start(tmp_path / "sandbox.db", ["--viewers", "0"])
    try:
        cmdline = await asyncio.to_thread(Path(f"/proc/{child.proc.pid}/cmdline").read_bytes)
        # [the launcher's interpreter,] the launcher, then what the bundle's executable is given
        launched = cmdline.split(b"\0")[1:4]
        assert launched == [str(frozen_app).encode(), b"--run-module", b"plugins.sandbox.adapter"]
        async with httpx.AsyncClient(timeout=patience(10)) as http:
            assert (await http.get(f"{child.url}/openapi.json")).status_code == 200
    finally:
        await child.stop()
    assert child.proc.returncode is not None


def test_the_users_library_path_comes_back_in_a_frozen_linux_app(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PyInstaller's bootloader sets LD_LIBRARY_PATH to the bundle (keeping the user's value in
    LD_LIBRARY_PATH_ORIG when there was one); external programs must get the user's back."""
    monkeypatch.setattr(sys, "platform", "linux")
    env = {"LD_LIBRARY_PATH": "/b/_internal", "LD_LIBRARY_PATH_ORIG": "/u/lib", "HOME": "/h"}
    monkeypatch.setattr(self_command, "FROZEN", False)
    assert not self_command.restore_library_path(env)  # from source: not ours to touch
    assert env["LD_LIBRARY_PATH"] == "/b/_internal"
    monkeypatch.setattr(self_command, "FROZEN", True)
    assert self_command.restore_library_path(env)
    assert env == {"LD_LIBRARY_PATH": "/u/lib", "HOME": "/h"}
    env = {"LD_LIBRARY_PATH": "/b/_internal", "HOME": "/h"}  # the user had none
    assert self_command.restore_library_path(env)
    assert env == {"HOME": "/h"}
    monkeypatch.setattr(sys, "platform", "win32")
    env = {"LD_LIBRARY_PATH": "/x"}
    assert not self_command.restore_library_path(env) and env == {"LD_LIBRARY_PATH": "/x"}
