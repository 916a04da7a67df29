"""The console's look: Qt's Fusion style with a light palette and one style sheet
(resources/theme/light.qss). Panels keep their meaningful colours (order status, alerts, badges);
the theme styles the frame around them and marks the on-air actions with the accent colour."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

THEME_DIR = Path(__file__).resolve().parent.parent / "resources" / "theme"
ACCENT = "#fe2c55"

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
    """The console's theme and its CJK font: what every window of the app (and its screenshot
    tools) starts with."""
    from PySide6.QtGui import QFont, QFontDatabase

    apply_theme(app)
    families = set(QFontDatabase.families())
    for fam in FONT_FAMILIES:
        if fam in families:
            app.setFont(QFont(fam, 10))
            break
