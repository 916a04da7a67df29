"""Settings: the explain-hold refresh interval is a real, bounded, documented setting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.live.hold import DEFAULT_INTERVAL
from app.settings import Settings, UiSettings, load_settings


def test_explain_hold_seconds_defaults_to_the_hold_interval_and_is_described() -> None:
    assert Settings().ui.explain_hold_seconds == DEFAULT_INTERVAL == 20.0
    field = UiSettings.model_fields["explain_hold_seconds"]
    assert field.description and "explain" in field.description


@pytest.mark.parametrize("bad", [0, 1.9, 601, -5])
def test_explain_hold_seconds_out_of_bounds_is_refused(bad: float) -> None:
    with pytest.raises(ValidationError):
        UiSettings(explain_hold_seconds=bad)
    ui = UiSettings()
    with pytest.raises(ValidationError):  # validate_assignment: a settings dialog can't break it
        ui.explain_hold_seconds = bad


def test_explain_hold_seconds_is_read_from_the_settings_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"ui": {"explain_hold_seconds": 45}}), encoding="utf-8")
    assert load_settings(path).ui.explain_hold_seconds == 45.0
    path.write_text(json.dumps({"ui": {"explain_hold_seconds": 1}}), encoding="utf-8")
    assert load_settings(path).ui.explain_hold_seconds == 20.0  # broken file: defaults
