"""Qt's own messages (a plugin that would not load, a font missing, a widget misused) go through
Python's logging, under the logger ``qt``: into the console's log file (app/logs.py) as well as to
stderr, so a windowed build, which has no stderr, still keeps them for support.

Installed once by the console's start-up (ui/launch.py), after logging is set up. Tests that run
widgets in-process keep pytest-qt's own handler (they never call :func:`log_qt_messages`)."""

from __future__ import annotations

import logging

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

log = logging.getLogger("qt")

LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _to_logging(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    category = context.category if context.category and context.category != "default" else ""
    log.log(LEVELS.get(kind, logging.WARNING), "%s%s", f"{category}: " if category else "", message)


def log_qt_messages() -> None:
    qInstallMessageHandler(_to_logging)
