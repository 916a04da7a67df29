"""The console's look: Qt's Fusion style with a light palette and one style sheet
(app/resources/theme/light.qss), and the colours that carry a meaning, by name.

Guarantees: a widget that says something with colour (an error, a warning, done, secondary text,
the product on air, the one selected) takes it from a role here — never a hex value of its own —
so the same thing looks the same everywhere (one red for errors: the OBS panel, the status line,
the dialogs). Categorical palettes that only tell series apart (chart markers, nickname colours,
metric tiles) stay with the chart that draws them."""

from __future__ import annotations

import logging

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from app.platform.connection import LinkState
from app.resources import resource

log = logging.getLogger(__name__)

THEME_DIR = resource("theme")
ACCENT = "#fe2c55"

# --- colours by meaning (roles) -----------------------------------------------------------------
DANGER = "#c62828"  # an error, a refusal, a link down, a failed check, an over-limit count
DANGER_DARK = "#b71c1c"  # danger text on a pale background (alerts, compliance hits)
DANGER_BG = "#ffebee"  # the pale background of a critical alert
DANGER_TINT = "#ffcdd2"  # a cell in conflict (a shortcut taken twice)
MARK_BG = "#fff176"  # the marker behind a compliance hit
WARNING = "#ef6c00"  # look at this: reconnecting, sold out, a pending order, a note
WARNING_STRONG = "#e65100"  # a warning that must be seen (the orange banner, a sale about to run)
WARNING_DARK = "#8d6e00"  # warning text on a pale background
WARNING_BG = "#fff8e1"  # the pale background of a warning (alerts, the pinned comment)
OK = "#2e7d32"  # done, connected, passed, paid
MUTED = "#757575"  # delisted, not on air, a hint
FADED = "#9e9e9e"  # there but no longer counting: a hidden line, a refund, stopped figures
SECONDARY = "#555555"  # secondary text beside the main one (reasons, notes, "next")
INFO_BG = "#e8eef7"  # a quiet note across a list (the paused chat)
PRICE = "#c62828"  # a price as shoppers see it
SPECIAL = "#6a1b9a"  # a mode out of the ordinary: the held explain card, the sandbox badge
STAGE_LIVE = "#d32f2f"  # what is on air: the explained product, the program scene
STAGE_LIVE_TINT = "#ffe0e6"  # the row on air, faint (the accent's tint)
STAGE_PREVIEW = "#289650"  # studio mode's preview scene
STAGE_SELECTED = "#dfe6f0"  # the row the keys act on (neutral, never mistaken for on air)
STAGE_SELECTED_OUTLINE = "#7d8aa0"
TOAST_BG = "#263238"  # the dark undo bar floating over a list
TOAST_TEXT = "#ffffff"
TOAST_ACTION = "#ffd54f"  # its 撤销 button
TOAST_NOTE = "#ffcc80"  # a second note on it (「该用户本场已下单」)

CAUTION = "#f9a825"  # on the way: connecting for the first time

#: a link's state (platform, OBS) in the same colours wherever it is shown
LINK_COLOURS = {
    LinkState.CONNECTED: OK,
    LinkState.CONNECTING: CAUTION,
    LinkState.RECONNECTING: WARNING,
    LinkState.OFFLINE: DANGER,
}

#: the colour of each message level (:class:`ui.notify.Notifier`'s info / warning / error)
LEVEL_COLOURS = {"error": DANGER, "warning": WARNING, "info": OK}


def text_style(colour: str, *, bold: bool = False) -> str:
    """A label's style sheet for text in ``colour`` (a role above); '' for no colour."""
    if not colour:
        return "font-weight: 600;" if bold else ""
    return f"color: {colour};" + (" font-weight: 600;" if bold else "")


_PALETTE = {
    QPalette.ColorRole.Window: "#eceef2",
    QPalette.ColorRole.WindowText: "#1f2329",
    QPalette.ColorRole.Base: "#ffffff",
    QPalette.ColorRole.AlternateBase: "#f7f8fa",
    QPalette.ColorRole.Text: "#1f2329",
    QPalette.ColorRole.Button: "#ffffff",
    QPalette.ColorRole.ButtonText: "#1f2329",
    QPalette.ColorRole.Highlight: ACCENT,
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#1f2329",
    QPalette.ColorRole.ToolTipText: "#ffffff",
    QPalette.ColorRole.PlaceholderText: "#9aa0a8",
    QPalette.ColorRole.Link: "#1e6fd9",
}


def apply_theme(app: QApplication, name: str = "light") -> None:
    """Fusion + palette + style sheet; a missing sheet leaves Qt's default look (logged)."""
    app.setStyle("Fusion")
    palette = app.palette()
    for role, colour in _PALETTE.items():
        palette.setColor(role, QColor(colour))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#a7abb3"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#a7abb3"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor("#a7abb3"))
    app.setPalette(palette)
    path = THEME_DIR / f"{name}.qss"
    try:
        app.setStyleSheet(path.read_text(encoding="utf-8"))
    except OSError as exc:
        log.warning("theme %s not loaded: %s", path, exc)


#: the UI font, first installed wins (CJK-capable families on each OS)
FONT_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "PingFang SC",
    "WenQuanYi Micro Hei",
)


def apply_look(app: QApplication) -> None:
    """The console's theme, its CJK font and its icon: what every window of the app (and its
    screenshot tools) starts with."""
    from PySide6.QtGui import QFont, QFontDatabase, QIcon

    apply_theme(app)
    app.setWindowIcon(QIcon(str(resource("icons", "livedesk.svg"))))  # the taskbar's, the title's
    families = set(QFontDatabase.families())
    for fam in FONT_FAMILIES:
        if fam in families:
            app.setFont(QFont(fam, 10))
            break
