"""``livedesk selfcheck`` (ui/selfcheck.py) says what is missing: each check passes here and
fails, naming the culprit, where the installation lacks it. (The whole command, with its entry
points, runs from a wheel in tests/integration/test_wheel.py and from the bundle in
packaging/smoke_test.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

import app.resources
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
