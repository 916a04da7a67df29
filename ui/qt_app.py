"""The QApplication of a LiveDesk window program — the console (ui/launch.py) and
``livedesk replay`` (ui/replay/replay_command.py) — set up one way: Qt's messages logged (also
without streams), the UI language and Qt's own translations, the application's name, the look,
and the wheel guard. It never quits by itself when its last window closes: each program's loop
decides, so its cleanup runs. Imports no window."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication


def qt_application(lang: str) -> QApplication:
    """The QApplication of a LiveDesk window program (the console, ``livedesk replay``), in
    ``lang``: Qt's messages logged, its name, the look, the wheel guard, Qt's own translations.
    It does not quit when its last window closes: the program's loop decides (cleanup runs)."""
    from ui.i18n import set_language, use_qt_translations
    from ui.qt_log import log_qt_messages
    from ui.theme import apply_look
    from ui.wheel_guard import install_wheel_guard

    log_qt_messages()  # into the log file too: a windowed build has no stderr
    set_language(lang)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("LiveDesk")
    app.setOrganizationName("LiveDesk")
    app.setQuitOnLastWindowClosed(False)
    apply_look(app)
    install_wheel_guard(app)  # the wheel never changes a value that does not have focus
    use_qt_translations(app)
    return app
