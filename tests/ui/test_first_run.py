"""The first-run guide 新手引导 (issue 17), through the console's own start-up path (ui/launch.py
``_main``) on the real built-in sandbox: a fresh config dir opens it once over the working console
(non-modal); skipped or finished it does not open again, 帮助 → 新手引导 reopens it; nobody-sees
runs (offscreen, ``--screenshot``) never get it unless ``--first-run``. The OBS page says "not
found" with the obs-websocket steps when nothing listens on the port, and "found" against the
real OBS under Xvfb (tests/support/obs_fixtures.py), updating while it is open. The platform
page's switch is in tests/ui/platform/test_guide_switch.py (the Bilibili stand-in's fixtures)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWizard

import ui.first_run
from app.obs.stack import ObsStack
from app.settings import Settings, load_settings, settings_path
from tests.support.console import main_window
from tests.support.polling import patience, until
from tests.support.ports import free_port
from tests.support.real_obs import RealObs
from ui.first_run import FirstRunGuide, ObsPage, guide_wanted
from ui.launch import _main, parse_args

pytestmark = pytest.mark.usefixtures("keep_signal_handlers")


@pytest.fixture
def fresh_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LIVEDESK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("LIVEDESK_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


@pytest.fixture
def a_desktop(monkeypatch: pytest.MonkeyPatch) -> None:
    """A screen someone looks at: the guide's own start-up rule applies (the suite runs offscreen,
    where it never opens by itself)."""
    monkeypatch.setattr(ui.first_run, "NOBODY_SEES", frozenset())


def stored_done() -> bool:
    return bool(json.loads(settings_path().read_text(encoding="utf-8"))["ui"]["first_run_done"])


def click(guide: QWizard, which: QWizard.WizardButton) -> None:
    button = guide.button(which)
    assert button.isVisible() and button.isEnabled(), which
    button.click()


async def run_console(argv: list[str], settings: Settings) -> tuple[Any, asyncio.Future[int]]:
    settings.obs.enabled = False  # the OBS page has its own tests below
    windows: list[Any] = []
    main = asyncio.ensure_future(
        _main(QApplication.instance(), parse_args(argv), settings, shown=windows.append)
    )
    await until(lambda: bool(windows), 60, "the console's window")
    return windows[0], main


async def close_console(window: Any, main: asyncio.Future[int]) -> None:
    window.close_without_asking()
    assert await asyncio.wait_for(main, patience(60)) == 0


@pytest.mark.usefixtures("fresh_dirs", "a_desktop")
async def test_first_start_shows_the_guide_once_skipped_not_again_and_help_reopens_it() -> None:
    window, main = await run_console([], load_settings())
    try:
        guide = window.guide.guide
        assert isinstance(guide, FirstRunGuide) and guide.isVisible()
        assert guide.page_key == "platform"
        assert guide.windowModality() == Qt.WindowModality.NonModal  # the console works behind
        assert window.isEnabled() and window.isVisible()
        # 跳过此步: on to OBS, the console still on its sandbox
        room = window.room
        click(guide, ui.first_run.SKIP_BUTTON)
        assert guide.page_key == "obs" and window.room is room
        # 跳过引导: closed, and remembered on disk at once
        click(guide, QWizard.WizardButton.CancelButton)
        assert not guide.isVisible()
        assert stored_done()
    finally:
        await close_console(window, main)

    # the next start: no guide
    window, main = await run_console([], load_settings())
    try:
        assert window.guide.guide is None
        # 帮助 → 新手引导 opens it again, from its first page
        action = window.findChild(QAction, "action:first-run")
        assert action is not None and action in window.help_menu.actions()
        action.trigger()
        guide = window.guide.guide
        assert guide is not None and guide.isVisible() and guide.page_key == "platform"
        # finished this time, each step skipped: the last page has 完成, no 跳过此步
        for _ in range(3):
            click(guide, ui.first_run.SKIP_BUTTON)
        assert guide.page_key == "team"
        assert not guide.button(ui.first_run.SKIP_BUTTON).isVisible()
        click(guide, QWizard.WizardButton.FinishButton)
        assert not guide.isVisible() and stored_done()
    finally:
        await close_console(window, main)


@pytest.mark.usefixtures("fresh_dirs", "a_desktop")
async def test_finishing_the_guide_counts_as_done() -> None:
    window, main = await run_console([], load_settings())
    try:
        guide = window.guide.guide
        assert guide is not None
        for page in ("obs", "camera", "team"):  # 下一步 on the sandbox it already runs
            click(guide, QWizard.WizardButton.NextButton)
            assert guide.page_key == page
        click(guide, QWizard.WizardButton.FinishButton)
        assert stored_done()
    finally:
        await close_console(window, main)
    window, main = await run_console([], load_settings())
    try:
        assert window.guide.guide is None
    finally:
        await close_console(window, main)


@pytest.mark.usefixtures("fresh_dirs", "a_desktop")
async def test_quitting_with_the_guide_open_leaves_it_due() -> None:
    window, main = await run_console([], load_settings())
    try:
        assert window.guide.guide is not None
    finally:
        await close_console(window, main)
    assert load_settings().ui.first_run_done is False
    window, main = await run_console([], load_settings())
    try:
        assert window.guide.guide is not None and window.guide.guide.isVisible()
    finally:
        await close_console(window, main)


@pytest.mark.usefixtures("fresh_dirs")
async def test_nobody_to_answer_it_no_guide_unless_forced() -> None:
    fresh = Settings()
    assert QApplication.platformName() == "offscreen"
    assert not guide_wanted(fresh)  # offscreen: tests, CI, a headless smoke run
    assert guide_wanted(fresh, forced=True)
    window, main = await run_console([], load_settings())
    try:
        assert window.guide.guide is None
    finally:
        await close_console(window, main)
    window, main = await run_console(["--first-run"], load_settings())
    try:
        assert window.guide.guide is not None and window.guide.guide.isVisible()
    finally:
        await close_console(window, main)


@pytest.mark.usefixtures("a_desktop")
def test_a_screenshot_run_never_gets_the_guide() -> None:
    assert guide_wanted(Settings())
    assert not guide_wanted(Settings(), screenshot=True)
    done = Settings()
    done.ui.first_run_done = True
    assert not guide_wanted(done)


def obs_page(window: Any) -> ObsPage:
    guide = window.guide.open("obs")
    page = guide.currentPage()
    assert isinstance(page, ObsPage)
    return page


async def test_obs_page_says_not_found_with_the_steps_when_nothing_listens(
    sandbox_server: Callable[..., Any],
    live_room: Callable[..., Awaitable[Any]],
    tmp_path: Path,
    qtbot: Any,
) -> None:
    room = await live_room(sandbox_server(), "host")
    settings = Settings()
    settings.obs.port = port = free_port()  # nothing listens there
    settings.obs.overlay_server_port = 0
    stack = ObsStack.build(room, settings, password="x", overlay_dir=tmp_path / "overlays")
    await stack.start()
    window = main_window(qtbot, room, tmp_path, settings, obs=stack)
    try:
        page = obs_page(window)
        await until(lambda: not stack.conn.connected and page.status.text() != "", 10)
        assert page.status.text() == f"✗ 未找到 OBS：127.0.0.1:{port} 上没有 obs-websocket 应答。"
        steps = page.steps.text()
        assert page.steps.isVisible()
        assert "工具 → WebSocket 服务器设置" in steps and "开启 WebSocket 服务器" in steps
        assert f"服务器端口填 {port}" in steps and "密码" in steps
        assert "设备 → OBS 连接设置…" in steps
        assert page.settings_button.isEnabled()
    finally:
        window.close()
        await stack.stop()


async def test_obs_page_without_an_obs_connection_says_it_is_off(
    sandbox_server: Callable[..., Any],
    live_room: Callable[..., Awaitable[Any]],
    tmp_path: Path,
    qtbot: Any,
) -> None:
    room = await live_room(sandbox_server(), "host")
    window = main_window(qtbot, room, tmp_path, Settings())  # obs=None: turned off
    page = obs_page(window)
    assert page.status.text() == "中控台没有连接 OBS：设置里关闭了 OBS 连接。"
    assert "工具 → WebSocket 服务器设置" in page.steps.text()
    assert not page.settings_button.isEnabled()  # as 设备 → OBS 连接设置… is
    window.close()


@pytest.mark.obs
async def test_obs_page_says_found_against_the_real_obs(
    sandbox_server: Callable[..., Any],
    live_room: Callable[..., Awaitable[Any]],
    clean_obs: RealObs,
    tmp_path: Path,
    qtbot: Any,
) -> None:
    room = await live_room(sandbox_server(), "host")
    settings = Settings()
    settings.obs.port = clean_obs.port
    settings.obs.overlay_server_port = 0
    stack = ObsStack.build(
        room, settings, password=clean_obs.password, overlay_dir=tmp_path / "overlays"
    )
    window = main_window(qtbot, room, tmp_path, settings, obs=stack)
    try:
        page = obs_page(window)  # open before OBS answered: it follows the link
        await stack.start()
        found = f"✓ 已找到 OBS（127.0.0.1:{clean_obs.port}），已连接。"
        await until(lambda: page.status.text() == found, 30, "the guide to find OBS")
        assert not page.steps.isVisible()
    finally:
        window.close()
        await stack.stop()


@pytest.mark.usefixtures("fresh_dirs", "a_desktop")
async def test_the_open_guide_follows_a_language_switch() -> None:
    window, main = await run_console([], load_settings())
    try:
        guide = window.guide.guide
        assert guide is not None
        window.choose_language("en")
        page = guide.currentPage()
        assert page.title() == "Step 1 · Choose your platform"
        assert guide.buttonText(QWizard.WizardButton.NextButton) == "Next"
        assert guide.button(ui.first_run.SKIP_BUTTON).text() == "Skip this step"
        assert (
            page.current.text() == "Connected now: Built-in sandbox (rehearsal, simulated audience)"
        )
        click(guide, QWizard.WizardButton.NextButton)
        assert guide.currentPage().title() == "Step 2 · Connect OBS"
    finally:
        window.choose_language("zh_CN")
        await close_console(window, main)


def menu_entries(window: Any) -> set[str]:
    """'菜单 → 项' for every action in the window's menu bar."""
    out = set()
    for top in window.menuBar().actions():
        menu = top.menu()
        if menu is not None:
            out |= {f"{top.text()} → {a.text()}" for a in menu.actions() if a.text()}
    return out


@pytest.mark.usefixtures("fresh_dirs", "a_desktop")
async def test_each_page_names_its_menu_entry_and_opens_the_same_dialogs() -> None:
    import re

    from ui.team.invite_dialog import InviteDialog
    from ui.team.join_dialog import JoinDialog

    window, main = await run_console([], load_settings())
    try:
        guide = window.guide.guide
        assert guide is not None
        entries = menu_entries(window)
        named = []
        for key, page in guide.pages.items():
            [hint] = [w for w in page.findChildren(QLabel, "guideMenuHint")]
            for entry in re.findall(r"\S+ → .+?…", hint.text()):
                named.append(entry)
                assert entry in entries, (key, entry)  # the menu really has it
        assert "平台 → 连接平台…" in named and "设备 → OBS 连接设置…" in named
        assert "设备 → 摄像头设置…" in named and "平台 → 加入房间…" in named
        assert "帮助 → 新手引导" in menu_entries(window) and "帮助 → 新手引导" in hint.text()
        # the team page's buttons open the menus' own dialogs
        team = guide.pages["team"]
        team.findChild(QPushButton, "guideInvite").click()
        assert isinstance(window.team.invite_dialog, InviteDialog)
        assert window.team.invite_dialog.isVisible()
        window.team.invite_dialog.close()
        team.findChild(QPushButton, "guideJoin").click()
        assert isinstance(window.team.join_dialog, JoinDialog)
        assert window.team.join_dialog.isVisible()
        window.team.join_dialog.close()
    finally:
        await close_console(window, main)
