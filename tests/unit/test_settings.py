"""Settings: the explain-hold refresh interval is a real, bounded, documented setting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.live.hold import DEFAULT_INTERVAL
from app.settings import HighlightRule, Settings, UiSettings, load_settings


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


def test_highlight_rules_keep_keyword_and_colour_and_old_keyword_lists_become_rules(
    tmp_path: Path,
) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"ui": {"highlight_keywords": ["尺码", " ", "已拍"]}}), "utf-8")
    rules = load_settings(path).ui.highlight_rules
    assert [(r.keyword, r.colour) for r in rules] == [("尺码", "#fff3b0"), ("已拍", "#fff3b0")]
    rule = {"keyword": "包邮", "colour": "#a5d6a7"}
    path.write_text(json.dumps({"ui": {"highlight_rules": [rule]}}), "utf-8")
    assert load_settings(path).ui.highlight_rules == [HighlightRule(**rule)]


@pytest.mark.parametrize(
    "bad", [{"keyword": "", "colour": "#ffffff"}, {"keyword": "x", "colour": "red"}]
)
def test_a_highlight_rule_without_a_keyword_or_with_a_bad_colour_is_refused(
    bad: dict[str, str],
) -> None:
    with pytest.raises(ValidationError):
        UiSettings(highlight_rules=[bad])  # type: ignore[list-item]


def test_first_run_guide_is_due_on_a_fresh_machine_but_not_for_a_known_user(
    tmp_path: Path,
) -> None:
    """Fresh settings: the guide is due. A settings file written before the guide existed (its
    ``ui`` section without ``first_run_done``) is someone who used LiveDesk: not due. A file
    written now keeps what it says."""
    assert Settings().ui.first_run_done is False
    path = tmp_path / "settings.json"
    assert load_settings(path).ui.first_run_done is False  # no file yet
    path.write_text(json.dumps({"ui": {"language": "en"}}), encoding="utf-8")
    assert load_settings(path).ui.first_run_done is True
    path.write_text(Settings().model_dump_json(), encoding="utf-8")
    assert load_settings(path).ui.first_run_done is False
