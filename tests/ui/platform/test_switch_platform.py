"""Switching platform without restarting (issue 15 §4), through the console's own start-up path
(ui/launch.py ``_main``) on the real built-in sandbox and the open-live stand-in: 连接 in the
dialog stops the sandbox room as shut-down does (its recording complete up to the last event the
window showed) and opens Bilibili in a new window whose chat shows the stand-in's danmaku, gift,
Super Chat and guard; the choice is remembered with its secrets in app.secrets (the memory
fallback here: no keyring in CI) and never in the settings file; ``--platform bilibili`` opens on
it (the docks open-live cannot fill hidden, their reasons in 视图); with nothing stored it opens
the dialog saying what is missing instead of failing; a platform that does not open says why and
offers the one before, with nothing half-saved; joining a room by invite switches the same way;
bilibili-web's masked-names note is said and stays in view on a line of its own."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox, QPushButton

from app.settings import Settings, load_settings, settings_path
from plugins.bilibili import samples as s
from plugins.bilibili.standin import danmaku as dm
from tests.support.polling import patience, until
from tests.support.ports import free_port
from tests.support.processes import processes_with
from tests.ui.platform.conftest import StartOpenLive, credentials
from tests.ui.test_guardrails import _answer, _click_action, from_qt
from ui.launch import _main, parse_args
from ui.platform.connect_dialog import Choice, ConnectDialog

FEED = [
    dm.frame(s.open_dm("m1", "o1", "小红", "主播好，今天播什么")),
    dm.frame(s.open_gift("m2", "o2", "阿亮", "小花花", 3, 100)),
    dm.frame(s.open_super_chat("m3", "o3", "老王", 30, "支持一下！")),
    dm.frame(s.open_guard("m4", "o4", "舰长大人")),
]

pytestmark = pytest.mark.usefixtures("keep_signal_handlers")


def quiet_settings() -> Settings:
    settings = Settings()
    settings.obs.enabled = False  # no OBS on the test machine (one test turns it on)
    return settings


def wal_empty(session: Path) -> bool:
    """Closed cleanly: nothing left in the write-ahead log."""
    wal = Path(f"{session}-wal")
    return not wal.exists() or wal.stat().st_size == 0


def chat_texts(window: Any) -> list[str]:
    model = window.panels["comments"].models["all"]
    return [model.line(r).text for r in range(model.rowCount())]


async def test_connect_switches_the_running_console_from_the_sandbox_to_bilibili(
    open_live: StartOpenLive, secrets: dict[str, str], tmp_path: Path
) -> None:
    standin = open_live(FEED)
    app = QApplication.instance()
    settings = quiet_settings()
    # OBS on: its stack is rebuilt for the new window, the overlay pages on the same port (the
    # Browser Sources in OBS keep working); no OBS answers on its port here
    settings.obs.enabled = True
    settings.obs.port = free_port()
    settings.obs.overlay_server_port = overlay_port = free_port()
    args = parse_args(["--sandbox-arg=--live", "--sandbox-arg=--rate=40"])
    windows: list[Any] = []
    main = asyncio.ensure_future(_main(app, args, settings, shown=windows.append))
    try:
        await until(lambda: bool(windows), 90, "the sandbox console")
        first = windows[0]
        room1 = first.room
        await until(lambda: len(room1.chat) >= 5, 60, "the sandbox's simulated comments")
        assert room1.session is not None and room1.session.status == "live"

        # 平台 → 连接平台… → 连接 (live: asked first, 切换平台 chosen)
        _answer(_click_action, [])
        choice = Choice("bilibili", credentials(standin))
        await from_qt(lambda: first.connect_controls.switch_to(choice), lambda: len(windows) == 2)
        second = windows[1]
        assert second is not first and second.room.adapter.room == "21452505"
        assert second.obs is not first.obs and second.obs.server.port == overlay_port
        assert second.obs.server.note is None  # not "port taken, Browser Sources must change"
        db = str(tmp_path / "data" / "sandbox.db")
        await until(lambda: not processes_with(db), 30, "the built-in sandbox to stop with it")
        await until(lambda: len(chat_texts(second)) >= 4, 60, "the stand-in's events in the chat")
        assert chat_texts(second) == [
            "主播好，今天播什么",
            "送出 小花花 ×3",
            "醒目留言 ¥30.00：支持一下！",
            "开通 舰长 ×1 个月 (¥198.00)",
        ]

        # the sandbox part was recorded up to the last event its window showed, file closed
        [session] = list((tmp_path / "data" / "sessions").glob("*.livedesk"))
        conn = sqlite3.connect(session)
        try:
            last = conn.execute("SELECT max(last_seq) FROM event_blocks").fetchone()[0]
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        finally:
            conn.close()
        assert last == room1.seq
        assert wal_empty(session)

        # remembered: the platform and its plain fields in the file, the secrets only in the
        # keyring (app.secrets' memory here)
        text = settings_path().read_text(encoding="utf-8")
        stored = json.loads(text)["platform"]
        assert stored["adapter"] == "bilibili"
        assert stored["fields"]["bilibili"]["app_id"] == str(standin.app_id)
        assert standin.access_key_secret not in text and standin.code not in text
        assert secrets["platform.bilibili.code"] == standin.code
        assert secrets["platform.bilibili.access_key_secret"] == standin.access_key_secret

        second.close_without_asking()
        assert await asyncio.wait_for(main, patience(60)) == 0
    finally:
        for w in windows:
            w.close_without_asking()
        if not main.done():
            await asyncio.wait_for(main, patience(60))
    game = next(iter(standin.games.values()))
    assert game.status == "ended"  # /v2/app/end on the way out


async def test_platform_bilibili_opens_on_the_stored_connection(
    open_live: StartOpenLive, secrets: dict[str, str]
) -> None:
    from app.platform.credentials import save
    from app.platform.fields import fields_of
    from app.platform.registry import platform_factory
    from app.settings import save_settings

    standin = open_live(FEED)
    settings = quiet_settings()  # the stored choice stays the sandbox: --platform decides
    save("bilibili", fields_of(platform_factory("bilibili")), credentials(standin), settings)
    settings.platform.adapter = "sandbox"
    save_settings(settings)
    windows: list[Any] = []
    args = parse_args(["--platform", "bilibili"])
    main = asyncio.ensure_future(
        _main(QApplication.instance(), args, load_settings(), shown=windows.append)
    )
    try:
        await until(lambda: bool(windows), 60, "the console on bilibili")
        window = windows[0]
        assert window.room.adapter.room == "21452505"
        paid = "醒目留言 ¥30.00：支持一下！"
        await until(lambda: paid in chat_texts(window), 60, "the Super Chat")
        assert not window.team.badge_action.isVisible()  # not a rehearsal room
        # no empty boxes where open-live has nothing: hidden, the reason one menu away
        off = ["products", "orders", "coupons", "flash_sale"]
        assert [k for k in off if window.docks[k].isVisible()] == []
        assert window.docks["comments"].isVisible() and window.docks["replay"].isVisible()
        assert window.docks["lottery"].isVisible()  # the console's own lottery among commenters
        menu = window.findChild(QMenu, "menu:unavailable")
        assert menu is not None
        tips = {a.text(): a.toolTip() for a in menu.actions()}
        assert tips["订单"] == "B站开放平台不提供订单数据"
        assert set(tips) >= {"排品", "订单", "优惠券", "秒杀"}
        window.close_without_asking()
        assert await asyncio.wait_for(main, patience(60)) == 0
    finally:
        for w in windows:
            w.close_without_asking()
        if not main.done():
            await asyncio.wait_for(main, patience(60))


async def test_platform_without_stored_credentials_opens_the_dialog(
    open_live: StartOpenLive, secrets: dict[str, str]
) -> None:
    open_live(FEED)
    args = parse_args(["--platform", "bilibili"])
    main = asyncio.ensure_future(_main(QApplication.instance(), args, quiet_settings()))

    def dialog() -> ConnectDialog | None:
        found = [w for w in QApplication.topLevelWidgets() if isinstance(w, ConnectDialog)]
        return next((d for d in found if d.isVisible()), None)

    await until(lambda: dialog() is not None, 30, "the connection dialog")
    d = dialog()
    assert d is not None
    assert d.chosen == "bilibili"
    assert (
        d.message.text() == "请填写：主播身份码、应用 ID (app_id)、access_key_id、access_key_secret"
    )
    d.reject()
    assert await asyncio.wait_for(main, patience(30)) == 1  # cancelled: nothing opened
    assert not settings_path().exists()


def question() -> QMessageBox | None:
    boxes = [w for w in QApplication.topLevelWidgets() if w.objectName() == "platformQuestion"]
    return next((b for b in boxes if isinstance(b, QMessageBox) and b.isVisible()), None)


async def test_a_platform_that_does_not_open_says_why_and_offers_the_one_before(
    open_live: StartOpenLive, secrets: dict[str, str]
) -> None:
    standin = open_live(FEED)
    windows: list[Any] = []
    main = asyncio.ensure_future(
        _main(QApplication.instance(), parse_args([]), quiet_settings(), shown=windows.append)
    )
    try:
        await until(lambda: bool(windows), 90, "the sandbox console")
        first = windows[0]
        wrong = Choice("bilibili", credentials(standin, access_key_secret="typo"))
        assert first.connect_controls.switch_to(wrong)  # off-air: nothing to ask
        await until(lambda: question() is not None, 60, "the question why")
        box = question()
        assert box is not None
        assert box.text().startswith(
            "无法连接B站直播开放平台：B站开放平台拒绝了请求签名，请检查 access_key_id"
        )
        assert "typo" not in box.text()
        buttons = {b.objectName(): b.text() for b in box.findChildren(QPushButton)}
        assert buttons == {
            "question:back": "回到内置沙盒（彩排，模拟观众）",
            "question:dialog": "连接平台…",
            "question:quit": "退出中控台",
        }
        back = box.findChild(QPushButton, "question:back")
        assert back is not None
        back.click()
        await until(lambda: len(windows) == 2, 90, "the sandbox again")
        again = windows[1]
        assert again.room.adapter.room == first.room.adapter.room
        assert again.team.badge_action.isVisible()  # the built-in sandbox, as before
        assert not settings_path().exists() and not secrets  # nothing half-saved
        again.close_without_asking()
        assert await asyncio.wait_for(main, patience(60)) == 0
    finally:
        for w in windows:
            w.close_without_asking()
        if not main.done():
            await asyncio.wait_for(main, patience(60))


async def test_the_web_adapters_note_is_shown_and_stays_in_view(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, secrets: dict[str, str]
) -> None:
    from plugins.bilibili.standin.runner import serve_in_thread
    from plugins.bilibili.standin.web import WebOptions, WebStandIn
    from plugins.bilibili.web_adapter import names_masked_note
    from tests.support.platforms import ensure_platform

    ensure_platform(
        "bilibili-web",
        "plugins.bilibili.web_adapter:BilibiliWebAdapterFactory",
        tmp_path / "entry-points",
        monkeypatch,
    )
    notice = {"cmd": "LOG_IN_NOTICE", "data": {"notice_msg": "未登录无法查看他人昵称"}}
    options = WebOptions()
    standin = WebStandIn.scripted(
        [dm.frame(notice, s.danmu_msg(0, "张****", "在吗", user_hash="aa11", id_str="m1"))],
        options,
    )
    windows: list[Any] = []
    messages: list[tuple[str, str]] = []
    with serve_in_thread(standin.app()) as served:
        monkeypatch.setenv("LIVEDESK_BILIBILI_WEB_BASE", served.base)
        args = parse_args(["--platform", "bilibili-web"])
        settings = quiet_settings()
        settings.platform.fields = {"bilibili-web": {"room": str(options.short_id)}}

        def shown(window: Any) -> None:
            windows.append(window)
            window.notifier.message.connect(lambda level, text: messages.append((level, text)))

        main = asyncio.ensure_future(_main(QApplication.instance(), args, settings, shown=shown))
        try:
            await until(lambda: bool(windows), 60, "the console on bilibili-web")
            line = windows[0].platform_notes
            await until(lambda: line.isVisible(), 60, "the note line")
            note = names_masked_note()
            assert line.text() == "⚠ " + note and line.toolTip() == note
            assert ("warning", note) in messages  # said once through the notifier too
            assert "\n" not in line.text() and "<" not in line.text()  # plain, one line
            windows[0].close_without_asking()
            assert await asyncio.wait_for(main, patience(60)) == 0
        finally:
            for w in windows:
                w.close_without_asking()
            if not main.done():
                await asyncio.wait_for(main, patience(60))


async def test_a_start_that_fails_offers_the_dialog_and_connects_from_it(
    open_live: StartOpenLive, secrets: dict[str, str]
) -> None:
    from app.platform.credentials import save
    from app.platform.fields import fields_of
    from app.platform.registry import platform_factory

    standin = open_live(FEED)
    settings = quiet_settings()
    fields = fields_of(platform_factory("bilibili"))
    save("bilibili", fields, credentials(standin, code="OLDCODE"), settings)  # a stale 身份码
    windows: list[Any] = []
    main = asyncio.ensure_future(
        _main(QApplication.instance(), parse_args([]), settings, shown=windows.append)
    )
    try:
        await until(lambda: question() is not None, 60, "the question why")
        box = question()
        assert box is not None
        assert box.text().startswith("无法连接B站直播开放平台：B站开放平台不认这个身份码")
        buttons = [b.objectName() for b in box.buttons()]
        assert sorted(buttons) == ["question:dialog", "question:quit", "question:retry"]
        go = box.findChild(QPushButton, "question:dialog")
        assert go is not None
        go.click()

        def dialog() -> ConnectDialog | None:
            found = [w for w in QApplication.topLevelWidgets() if isinstance(w, ConnectDialog)]
            return next((d for d in found if d.isVisible()), None)

        await until(lambda: dialog() is not None, 30, "the connection dialog")
        d = dialog()
        assert d is not None and d.chosen == "bilibili"
        assert d.message.text().startswith("B站开放平台不认这个身份码")
        assert d.inputs["app_id"].text() == str(standin.app_id)  # what is stored, prefilled
        d.inputs["code"].setText(standin.code)  # the streamer pastes the new one
        d.go_button.click()
        await until(lambda: bool(windows), 60, "the console on bilibili")
        assert windows[0].room.adapter.room == "21452505"
        assert secrets["platform.bilibili.code"] == standin.code  # kept once it worked
        windows[0].close_without_asking()
        assert await asyncio.wait_for(main, patience(60)) == 0
    finally:
        for w in windows:
            w.close_without_asking()
        if not main.done():
            await asyncio.wait_for(main, patience(60))


async def test_joining_a_room_by_invite_needs_no_restart(
    sandbox_server: Any, secrets: dict[str, str]
) -> None:
    from app.team.invite import make_invite, parse_invite
    from app.team.join import remember

    srv = sandbox_server()
    invite = parse_invite(make_invite(srv.url, srv.room, "assistant", srv.tokens["assistant"]))
    settings = quiet_settings()
    windows: list[Any] = []
    main = asyncio.ensure_future(
        _main(QApplication.instance(), parse_args([]), settings, shown=windows.append)
    )
    try:
        await until(lambda: bool(windows), 90, "the sandbox console")
        first = windows[0]
        remember(invite, settings)  # as 加入 in the dialog does, then the question
        seen: list[dict[str, Any]] = []
        _answer(_click_action, seen)
        await from_qt(lambda: first.team.restart_into(invite), lambda: len(windows) == 2)
        assert seen[0]["buttons"]["confirmAction"] == "连接"
        joined = windows[1]
        assert (joined.room.adapter.room, joined.room.role) == (srv.room, "assistant")
        assert json.loads(settings_path().read_text(encoding="utf-8"))["platform"]["url"] == srv.url
        joined.close_without_asking()
        assert await asyncio.wait_for(main, patience(60)) == 0
    finally:
        for w in windows:
            w.close_without_asking()
        if not main.done():
            await asyncio.wait_for(main, patience(60))
