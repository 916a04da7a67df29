"""The OBS dock's ``make(ctx)`` for ui/panels.py, and the OBS connection settings it opens (also
from the 设备 menu): the panel when OBS control is on, a plain note when it is off.

The panel gets the console's notifier; a reviewer's panel shows OBS and acts on nothing (no
set-up action). A changed connection is saved and OBS reconnected through the notifier's runner.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from ui.context import ConsoleContext
from ui.i18n import tr


def make(ctx: ConsoleContext) -> QWidget:
    """The OBS dock (ui/panels.py)."""
    if ctx.obs is None:
        off = QLabel(tr("OBS 控制未启用（设置文件 obs.enabled）"))
        off.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return off
    from ui.obs.panel import ObsPanel

    stack = ctx.obs
    reviewer = ctx.room.role == "reviewer"
    panel = ObsPanel(
        stack.conn,
        stack.scenes,
        stack.outputs,
        stack.stats,
        setup=stack.set_up_scenes if not reviewer else None,
        open_settings=lambda: open_settings(ctx),
        overlay_server=stack.server,
        target=stack.target,
        reviewer=reviewer,
        notifier=ctx.notifier,
    )
    panel.register_shortcuts(ctx.shortcuts)
    return panel


def open_settings(ctx: ConsoleContext) -> None:
    """The OBS connection dialog; on OK the settings are saved and OBS reconnected."""
    if ctx.obs is None:
        return
    from app.obs.stack import PASSWORD_SECRET
    from app.secrets import get_secret
    from ui.obs.settings_dialog import ObsSettingsDialog

    dialog = ObsSettingsDialog(ctx.settings.obs, ctx.window)
    if dialog.exec() != ObsSettingsDialog.DialogCode.Accepted:
        return
    ctx.save_settings()
    o = ctx.settings.obs
    ctx.notifier.run(
        tr("连接 OBS"),
        ctx.obs.reconnect(o.host, o.port, get_secret(PASSWORD_SECRET) or ""),
    )
