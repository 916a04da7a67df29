"""复盘评分 shared by the team (issue 18): on a platform that keeps the team's settings the tab
of 提醒与评分设置 is the team's. The host's save reaches a teammate's console (its page and the
score's settings), a teammate's save in between is said on the page without losing the edit, a
reviewer sees the values read-only, and on a platform without the capability the tab stays this
console's own and says why.

Real consoles (main windows) on real rooms of the real sandbox.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.live.room import LiveRoom
from app.settings import Settings, load_settings
from tests.support.console import main_window
from tests.support.polling import until
from ui.alert_settings import REVIEW_ROWS, AlertSettingsDialog
from ui.main_window import MainWindow
from ui.replay.sessions import SessionsWindow

Connect = Callable[..., Awaitable[LiveRoom]]
pytestmark = pytest.mark.slow


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LIVEDESK_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "config" / "settings.json"


def _window(qtbot: QtBot, room: LiveRoom, tmp_path: Path, name: str) -> MainWindow:
    w = main_window(qtbot, room, tmp_path, Settings(), show=False, layout=f"{name}.ini")
    w.docks["products"].hide()  # no image downloads outliving the test's loop
    w.show()
    return w


async def _console(
    qtbot: QtBot, srv: Any, live_room: Connect, tmp_path: Path, role: str
) -> tuple[LiveRoom, MainWindow]:
    """A console (its room and main window) of ``role`` on the sandbox ``srv``."""
    room = await live_room(srv, role)
    return room, _window(qtbot, room, tmp_path, role)


async def _team(
    qtbot: QtBot, srv: Any, live_room: Connect, tmp_path: Path
) -> tuple[LiveRoom, MainWindow, LiveRoom, MainWindow]:
    """The host's and the assistant's consoles on one room: (room, window) of each."""
    host = await _console(qtbot, srv, live_room, tmp_path, "host")
    mate = await _console(qtbot, srv, live_room, tmp_path, "assistant")
    return (*host, *mate)


def _open(w: MainWindow) -> AlertSettingsDialog:
    dialog = w.open_alert_settings()
    assert isinstance(dialog, AlertSettingsDialog) and dialog.isVisible()
    return dialog


def _closed(dialog: AlertSettingsDialog) -> bool:
    """The page was closed (and, being delete-on-close, may be gone already)."""
    return not shiboken6.isValid(dialog) or not dialog.isVisible()


def _save(qtbot: QtBot, dialog: AlertSettingsDialog) -> None:
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)


async def test_the_hosts_save_reaches_a_teammates_console(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect, tmp_path: Path, config: Path
) -> None:
    srv = sandbox_server()
    _host_room, host, _mate_room, mate = await _team(qtbot, srv, live_room, tmp_path)
    dialog = _open(host)
    scope = dialog.review_scope.text()
    assert "团队共享：主播、场控和复盘员使用同一套评分设置" in scope
    assert "团队尚未保存评分设置" in scope  # never saved: this console's values, until saved
    dialog.boxes["weight_gmv"].setValue(60)
    dialog.boxes["weight_interaction"].setValue(10)
    dialog.boxes["min_history"].setValue(7)
    _save(qtbot, dialog)
    await until(lambda: _closed(dialog), what="the page to close once the team has it")
    with srv.client("reviewer") as c:
        shared = c.get("/team/review").json()
    assert shared["version"] == 1
    assert (shared["review"]["weight_gmv"], shared["review"]["weight_interaction"]) == (60, 10)
    # the teammate's console: its score settings (what its sessions list scores with) and page
    await until(lambda: mate.settings.review.weight_gmv == 60, what="the teammate's settings")
    assert mate.settings.review.min_history == 7
    sessions = mate.panels["replay"]  # the 复盘 dock's sessions list scores with the team's
    assert isinstance(sessions, SessionsWindow)
    assert (sessions.review().weight_gmv, sessions.review().min_history) == (60, 7)
    page = _open(mate)
    assert page.boxes["weight_gmv"].value() == 60 and page.boxes["min_history"].value() == 7
    assert page.boxes["weight_gmv"].isEnabled()  # the assistant may change them
    assert "团队尚未保存" not in page.review_scope.text()
    page.reject()
    assert load_settings(config).review.weight_gmv == 60  # the local section caches the team's


async def test_a_teammates_save_in_between_is_said_and_the_edit_stays(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect, tmp_path: Path, config: Path
) -> None:
    srv = sandbox_server()
    host_room, host, mate_room, mate = await _team(qtbot, srv, live_room, tmp_path)
    late = _open(mate)  # the assistant starts editing version 0 …
    late.boxes["weight_conversion"].setValue(55)
    first = _open(host)  # … while the host saves first
    first.boxes["weight_gmv"].setValue(80)
    _save(qtbot, first)
    await until(lambda: mate_room.team_review_version == 1, what="the teammate to hear the save")
    # said on the open page at once, before the assistant saves; the edit is not overwritten
    await until(lambda: "队友刚保存了新的团队评分设置" in late.message.text(), what="the note")
    assert late.isVisible() and late.boxes["weight_conversion"].value() == 55  # nothing lost
    assert late.boxes["weight_gmv"].value() == 50  # the host's 80 not written over the edit
    assert host_room.team_review is not None and host_room.team_review.weight_conversion == 30
    _save(qtbot, late)  # knowingly replaces the host's values (no 409: the page said so)
    await until(lambda: _closed(late), what="the second save to go through")
    await until(lambda: host_room.team_review_version == 2, what="the host to hear it")
    assert host_room.team_review is not None
    assert (host_room.team_review.weight_gmv, host_room.team_review.weight_conversion) == (50, 55)
    assert host.settings.review.weight_conversion == 55


async def test_an_open_untouched_page_shows_a_teammates_save_at_once(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect, tmp_path: Path, config: Path
) -> None:
    srv = sandbox_server()
    _host_room, host, _mate_room, mate = await _team(qtbot, srv, live_room, tmp_path)
    watching = _open(host)  # open, nothing changed on it
    saving = _open(mate)
    saving.boxes["weight_gmv"].setValue(70)
    saving.boxes["weight_interaction"].setValue(0)
    _save(qtbot, saving)
    await until(
        lambda: watching.boxes["weight_gmv"].value() == 70, what="the host's page to follow"
    )
    assert watching.boxes["weight_interaction"].value() == 0
    assert "队友更新了团队评分设置（第 1 版）" in watching.message.text()
    assert "团队尚未保存" not in watching.review_scope.text()
    _save(qtbot, watching)  # nothing changed here: closes, publishes nothing more
    assert _closed(watching)
    with srv.client("host") as c:
        assert c.get("/team/review").json()["version"] == 1


async def test_saving_only_the_thresholds_publishes_nothing_to_the_team(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect, tmp_path: Path, config: Path
) -> None:
    srv = sandbox_server()
    _room, w = await _console(qtbot, srv, live_room, tmp_path, "host")
    w.settings.review = w.settings.review.model_copy(update={"weight_gmv": 99})  # its own
    dialog = _open(w)
    dialog.boxes["stock_threshold"].setValue(7)
    _save(qtbot, dialog)
    assert _closed(dialog)  # at once: nothing of the team's changed
    assert load_settings(config).alerts.stock_threshold == 7
    with srv.client("host") as c:
        assert c.get("/team/review").json() == {"version": 0, "review": {}}


async def test_a_reviewer_sees_the_teams_values_read_only(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect, tmp_path: Path, config: Path
) -> None:
    srv = sandbox_server()
    with srv.client("host") as c:
        values = {**Settings().review.model_dump(), "weight_gmv": 10, "weight_interaction": 70}
        assert c.put("/team/review", json={"version": 0, "review": values}).status_code == 200
    _room, w = await _console(qtbot, srv, live_room, tmp_path, "reviewer")
    dialog = _open(w)
    assert (
        dialog.boxes["weight_gmv"].value() == 10
        and dialog.boxes["weight_interaction"].value() == 70
    )
    assert "复盘员只能查看团队评分设置，由主播或场控修改" in dialog.review_scope.text()
    assert not any(dialog.boxes[r.name].isEnabled() for r in REVIEW_ROWS)
    assert not dialog.basis.isEnabled()
    assert w.settings.review.weight_gmv == 10  # its score uses the team's values too
    _save(qtbot, dialog)  # the other tabs are its own: saved, the team's untouched
    assert _closed(dialog)
    with srv.client("reviewer") as c:
        assert c.get("/team/review").json()["version"] == 1


async def test_offline_the_save_is_refused_on_the_page(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect, tmp_path: Path, config: Path
) -> None:
    srv = sandbox_server()
    room, w = await _console(qtbot, srv, live_room, tmp_path, "host")
    dialog = _open(w)
    dialog.boxes["weight_gmv"].setValue(90)
    srv.stop()
    await until(lambda: not room.online, what="the console to see the platform gone")
    _save(qtbot, dialog)
    await until(lambda: "平台未连接" in dialog.message.text(), what="the refusal on the page")
    assert dialog.isVisible() and dialog.boxes["weight_gmv"].value() == 90
    assert room.team_review is None


async def test_without_the_capability_the_tab_is_local_and_says_why(
    qtbot: QtBot, sandbox_server: Any, restricted_room: Connect, tmp_path: Path, config: Path
) -> None:
    srv = sandbox_server()
    room = await restricted_room(srv, "interaction,live_state,viewers")
    w = _window(qtbot, room, tmp_path, "restricted")
    dialog = _open(w)
    assert dialog.review_scope.text() == "沙盒平台不提供团队共享设置：评分设置只保存在本机"
    dialog.boxes["weight_gmv"].setValue(35)
    _save(qtbot, dialog)
    assert _closed(dialog)  # saved here, at once
    assert load_settings(config).review.weight_gmv == 35
    with srv.client("host") as c:
        assert c.get("/team/review").json() == {"version": 0, "review": {}}
