"""``livedesk selfcheck`` (ui/selfcheck.py) says what is missing: each check passes here and
fails, naming the culprit, where the installation lacks it. (The whole command, with its entry
points, runs from a wheel in tests/integration/test_wheel.py and from the bundle in
packaging/smoke_test.py.)"""

from __future__ import annotations

import sys
from pathlib import Path

import keyring
import pytest

import app.resources
import app.self_command
from ui import selfcheck


# a machine without PipeWire/PulseAudio (CI): Qt says so; the player still has its backend
@pytest.mark.qt_log_ignore("pipewire", "PulseAudio", "pa_context")
def test_the_checks_pass_in_this_installation(qapp: object) -> None:
    for check in (selfcheck.multimedia, selfcheck.imports, selfcheck.qt_plugins):
        assert selfcheck._check(check)["ok"], check.__name__
    assert selfcheck._check(selfcheck.resources) == {
        "ok": True,
        "detail": f"5 files and 26 catalogue images under {app.resources.ROOT}",
    }


def test_missing_resources_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app.resources, "ROOT", tmp_path)
    result = selfcheck._check(selfcheck.resources)
    assert not result["ok"]
    assert str(tmp_path / "i18n" / "en.json") in result["detail"]


def test_a_missing_entry_point_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selfcheck, "COMMANDS", {"console", "no-such-command"})
    result = selfcheck._check(selfcheck.entry_point_groups)
    assert not result["ok"] and "no-such-command" in result["detail"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="LD_LIBRARY_PATH is Linux's")
def test_a_child_never_sees_the_bundles_library_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What PyInstaller's bootloader gives a frozen app (LD_LIBRARY_PATH=<bundle>/_internal) is
    caught by the check, and gone from what a real child sees once the entry script restored the
    user's value."""
    bundle = tmp_path / "livedesk" / "_internal"
    bundle.mkdir(parents=True)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    monkeypatch.setattr(app.self_command, "FROZEN", True)
    monkeypatch.setenv("LD_LIBRARY_PATH", str(bundle))
    monkeypatch.setenv("LD_LIBRARY_PATH_ORIG", "/opt/users-own/lib")
    result = selfcheck._check(selfcheck.child_env)
    assert not result["ok"] and str(bundle) in result["detail"]

    assert app.self_command.restore_library_path()
    result = selfcheck._check(selfcheck.child_env)
    assert result["ok"] and "/opt/users-own/lib" in result["detail"], result


def test_an_os_keyring_backend_missing_from_the_installation_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Here (no D-Bus session) keyring falls back to its fail backend, which says nothing about
    whether the desktop's backend was installed (frozen); the check imports it by name."""
    monkeypatch.setitem(selfcheck.KEYRING_BACKEND, sys.platform, ("keyring.backends.NoSuchOS",))
    result = selfcheck._check(selfcheck.imports)
    assert not result["ok"] and "keyring.backends.NoSuchOS" in result["detail"]
    monkeypatch.undo()
    result = selfcheck._check(selfcheck.imports)
    active = type(keyring.get_keyring())  # (an earlier test in this process may have set one)
    named = f"keyring backend {active.__module__}.{active.__name__}"
    assert result["ok"] and named in result["detail"], result
