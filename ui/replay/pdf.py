"""PDF export through Qt's printing: the HTML report laid out by QTextDocument into a QPdfWriter.

QTextDocument does not draw inline SVG, so each chart is rendered to an image (QtSvg) and handed
to the document as a resource.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QByteArray, QUrl
from PySide6.QtGui import QImage, QPageSize, QPainter, QPdfWriter, QTextDocument
from PySide6.QtSvg import QSvgRenderer

from app.session.replay import SessionFile
from app.session.report import build_html

_SVG = re.compile(r"<svg .*?</svg>", re.S)


def svg_image(svg: str, scale: float = 2.0) -> QImage:
    r = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    size = r.defaultSize()
    img = QImage(int(size.width() * scale), int(size.height() * scale), QImage.Format.Format_ARGB32)
    img.fill(0xFFFFFFFF)
    p = QPainter(img)
    r.render(p)
    p.end()
    return img


def write_pdf(f: SessionFile, path: Path, *, lang: str = "zh_CN") -> Path:
    text = build_html(f, lang=lang, keywords=None)
    doc = QTextDocument()
    images: list[tuple[str, QImage]] = []

    def swap(m: re.Match[str]) -> str:
        name = f"chart{len(images)}.png"
        images.append((name, svg_image(m.group(0))))
        return f'<img src="{name}" width="640">'

    text = _SVG.sub(swap, text)
    for name, img in images:
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), img)
    doc.setHtml(text)
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setResolution(110)
    doc.setPageSize(writer.pageLayout().paintRectPixels(writer.resolution()).size().toSizeF())
    doc.print_(writer)
    return path
