"""The one console harness for UI tests, built on the console's own context (ui/context.py).

- :func:`main_window` — the whole console: the real :class:`ui.main_window.MainWindow` on a room,
  its layout remembered in the test's own directory.
- :class:`Console` — one operator's console without the main window: the context the main window
  builds (notifier, shortcuts, hold, stage), on a plain window, and the panels a test asks for,
  each made by the registry's own ``make(ctx)`` (ui/panels.py) — so a panel under test is built
  exactly as the console builds it. The notifier's messages are collected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMainWindow, QWidget
from pytestqt.qtbot import QtBot

from app.live.room import LiveRoom
from app.settings import Settings
from ui.context import ConsoleContext
from ui.main_window import MainWindow
from ui.notify import Notifier
from ui.panels import build, spec
from ui.shortcuts import ShortcutRegistry
from ui.stage import Stage

W = TypeVar("W", bound=QWidget)


def main_window(
    qtbot: QtBot,
    room: Any,
    tmp_path: Path,
    settings: Settings | None = None,
    *,
    show: bool = True,
    layout: str = "layout.ini",
    **kw: Any,
) -> MainWindow:
    """The real main window on ``room``, shown unless ``show=False``; its layout is remembered in
    ``tmp_path / layout`` (two windows in one test: two names). ``kw``: ``obs=``,
    ``confirm_close_while_live=``."""
    qs = QSettings(str(tmp_path / layout), QSettings.Format.IniFormat)
    window = MainWindow(room, settings or Settings(), qsettings=qs, **kw)
    qtbot.addWidget(window)
    if show:
        window.show()
    return window


class Console:
    """One operator's console on ``room`` without the main window (see the module docstring)."""

    def __init__(self, qtbot: QtBot, room: LiveRoom, settings: Settings | None = None) -> None:
        self.room = room
        self.window = QMainWindow()
        qtbot.addWidget(self.window)
        self.ctx = ConsoleContext.build(self.window, room, settings or Settings())
        self.ctx.stage.setParent(self.window)  # deleted with the window, shown where asked
        self.messages: list[tuple[str, str]] = []  # (level, text) the notifier said
        self.panels: dict[str, QWidget] = {}
        self.notifier.message.connect(lambda level, text: self.messages.append((level, text)))

    @property
    def notifier(self) -> Notifier:
        return self.ctx.notifier

    @property
    def shortcuts(self) -> ShortcutRegistry:
        return self.ctx.shortcuts

    @property
    def stage(self) -> Stage:
        return self.ctx.stage

    @property
    def errors(self) -> list[str]:
        return [text for level, text in self.messages if level == "error"]

    def has(self, level: str, part: str) -> bool:
        """The notifier said something at ``level`` containing ``part``."""
        return any(lv == level and part in text for lv, text in self.messages)

    def panel(self, key: str, kind: type[W]) -> W:
        """The panel ``key`` (a ui/panels.py id) built as the console builds it (its ``make(ctx)``,
        or the note saying why the platform cannot do it) on first use, in this console's window; ``kind`` is the class the test expects it to be."""
        if key not in self.panels:
            self.panels[key] = build(spec(key), self.ctx)
            self.panels[key].setParent(self.window)
        widget = self.panels[key]
        assert isinstance(widget, kind), f"{key} made a {type(widget).__name__}"
        return widget
