"""pyproject.toml's ``livedesk.platforms`` entry points each name a factory that loads, is
called by the same name and declares its capabilities (a typo would only show after the next
``pip install -e .``, as a platform missing from the console)."""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path

import pytest

PYPROJECT = Path(__file__).resolve().parents[3] / "pyproject.toml"
ENTRIES: dict[str, str] = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"][
    "entry-points"
]["livedesk.platforms"]


@pytest.mark.parametrize(("name", "value"), sorted(ENTRIES.items()))
def test_each_registered_platform_loads_under_its_name(name: str, value: str) -> None:
    module, _, attr = value.partition(":")
    obj = getattr(importlib.import_module(module), attr)
    factory = obj() if isinstance(obj, type) else obj
    assert factory.name == name
    assert factory.title and factory.capabilities
    assert callable(factory.open)


def test_twitch_is_registered() -> None:
    assert ENTRIES["twitch"] == "plugins.twitch.adapter:TwitchFactory"
