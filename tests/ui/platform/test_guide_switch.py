"""The first-run guide's platform page switches the console the way 平台 → 连接平台… does
(ui/launch.py ``_main`` on the built-in sandbox, the Bilibili open-live stand-in): choosing
B站直播开放平台 and 下一步 opens the connection dialog on it; 连接 closes the sandbox window and
opens Bilibili in a new one, where the guide continues on its OBS page (not yet done); choosing
the platform already running goes straight on."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import shiboken6
from PySide6.QtWidgets import QApplication, QWizard

from app.settings import Settings
from tests.support.polling import patience, until
from tests.ui.platform.conftest import StartOpenLive, credentials
from ui.first_run import FirstRunGuide
from ui.launch import _main, parse_args

pytestmark = pytest.mark.usefixtures("keep_signal_handlers")


async def test_the_platform_page_switches_the_console_to_bilibili(
    open_live: StartOpenLive, secrets: dict[str, str]
) -> None:
    standin = open_live([])
    settings = Settings()
    settings.obs.enabled = False
    windows: list[Any] = []
    args = parse_args(["--first-run"])  # offscreen: the guide only opens when asked
    main = asyncio.ensure_future(
        _main(QApplication.instance(), args, settings, shown=windows.append)
    )
    try:
        await until(lambda: bool(windows), 60, "the sandbox console")
        first = windows[0]
        guide = first.guide.guide
        assert isinstance(guide, FirstRunGuide) and guide.page_key == "platform"
        page = guide.currentPage()
        assert page.buttons["sandbox"].isChecked()  # the running one, chosen first
        page.buttons["bilibili"].setChecked(True)
        guide.button(QWizard.WizardButton.NextButton).click()
        dialog = guide.connect_dialog
        assert dialog is not None and dialog.isVisible() and dialog.chosen == "bilibili"
        assert guide.page_key == "platform"  # nothing switched yet
        for name, value in credentials(standin).items():
            dialog.inputs[name].setText(value)
        dialog.go_button.click()
        await until(lambda: len(windows) == 2, 60, "the console on Bilibili")
        second = windows[1]
        assert second.room.adapter.room == "21452505"
        assert not first.isVisible()
        assert not shiboken6.isValid(guide) or not guide.isVisible()  # closed with its window
        resumed = second.guide.guide
        assert resumed is not None and resumed.isVisible() and resumed.page_key == "obs"
        assert settings.platform.adapter == "bilibili"
        assert settings.ui.first_run_done is False  # not finished: it goes on here
        # 下一步 goes on; finished, nothing is due any more
        for _ in range(2):
            resumed.button(QWizard.WizardButton.NextButton).click()
        resumed.button(QWizard.WizardButton.FinishButton).click()
        assert settings.ui.first_run_done is True and settings.ui.first_run_page == ""
        second.close_without_asking()
        assert await asyncio.wait_for(main, patience(60)) == 0
    finally:
        for w in windows:
            w.close_without_asking()
        if not main.done():
            await asyncio.wait_for(main, patience(60))
