"""Fixtures of the connection tests: a private settings folder and keyring (the process's memory,
as on a CI box without a keyring), and the open-live stand-in serving in a thread with the
``bilibili`` adapter pointed at it (``LIVEDESK_BILIBILI_OPEN_BASE``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

import app.secrets
from plugins.bilibili.standin.danmaku import Step
from plugins.bilibili.standin.open_live import OpenLiveStandin
from plugins.bilibili.standin.runner import serve_in_thread
from tests.support.platforms import ensure_platform

StartOpenLive = Callable[..., OpenLiveStandin]


@pytest.fixture
def secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Never the developer's own keyring or settings: this test's folders and app.secrets'
    memory fallback (the path a machine without a keyring takes)."""
    store: dict[str, str] = {}
    monkeypatch.setattr(app.secrets, "_keyring_usable", lambda **_: False)
    monkeypatch.setattr(app.secrets, "_memory", store)
    monkeypatch.setenv("LIVEDESK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("LIVEDESK_DATA_DIR", str(tmp_path / "data"))
    for name in ("APP_ID", "ACCESS_KEY_ID", "ACCESS_KEY_SECRET", "CODE", "SESSDATA"):
        monkeypatch.delenv(f"LIVEDESK_BILIBILI_{name}", raising=False)
    return store


@pytest.fixture
def open_live(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, secrets: dict[str, str]
) -> Iterator[StartOpenLive]:
    """``open_live(steps, **options)``: the stand-in, serving until the test ends."""
    for name, value in (
        ("bilibili", "plugins.bilibili.open_adapter:OpenLiveFactory"),
        ("bilibili-web", "plugins.bilibili.web_adapter:BilibiliWebAdapterFactory"),
    ):
        ensure_platform(name, value, tmp_path / "entry-points", monkeypatch)
    with ExitStack() as stack:

        def start(steps: list[Step] | None = None, **options: Any) -> OpenLiveStandin:
            standin = OpenLiveStandin.scripted(steps or [], **options)
            served = stack.enter_context(serve_in_thread(standin.app()))
            monkeypatch.setenv("LIVEDESK_BILIBILI_OPEN_BASE", served.base)
            return standin

        yield start


def credentials(standin: OpenLiveStandin, **changed: str) -> dict[str, str]:
    """What a streamer types for ``standin``'s app and room."""
    values = {
        "app_id": str(standin.app_id),
        "access_key_id": standin.access_key_id,
        "access_key_secret": standin.access_key_secret,
        "code": standin.code,
        "room": "",
    }
    values.update(changed)
    return values
