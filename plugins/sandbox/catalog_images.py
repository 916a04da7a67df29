"""Draw the demo catalog's product images once (``python -m plugins.sandbox.catalog_images``).

The PNGs are committed under app/resources/catalog/products/; this script only regenerates them.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter

from plugins.sandbox.catalog import CATALOG_FILE, IMAGES_DIR

COLORS = {
    "服饰": "#e86f5a",
    "美妆": "#d9508f",
    "食品": "#e3a33b",
    "家居": "#4f9a7a",
    "数码": "#4a6fd1",
}
SIZE = 160


def draw(title: str, category: str, index: int) -> QImage:
    img = QImage(SIZE, SIZE, QImage.Format.Format_RGB32)
    base = QColor(COLORS.get(category, "#888888"))
    img.fill(base.lighter(170))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(base)
    p.drawEllipse(QRectF(30 + (index % 3) * 4, 18, 100, 100))
    p.setPen(QColor("white"))
    font = QFont("Noto Sans CJK SC")
    font.setPixelSize(30)
    font.setBold(True)
    p.setFont(font)
    p.drawText(QRectF(30, 18, 100, 100), Qt.AlignmentFlag.AlignCenter, category)
    p.setPen(QColor("#333333"))
    font.setPixelSize(15)
    p.setFont(font)
    p.drawText(QRectF(6, 122, SIZE - 12, 34), Qt.AlignmentFlag.AlignCenter, title.split(" ")[0][:9])
    p.end()
    return img


def main() -> int:
    import orjson

    _app = QGuiApplication(sys.argv)
    IMAGES_DIR.mkdir(parents=True, exist_ok=True)
    for i, prod in enumerate(orjson.loads(CATALOG_FILE.read_bytes())["products"]):
        draw(prod["title"], prod["category"], i).save(str(IMAGES_DIR / f"{prod['id']}.png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
