"""PDF export of the HTML report, keeping its layout.

With Qt WebEngine (installed with PySide6), the report's own HTML — KPI tiles, inline SVG charts,
tables — is printed by Chromium (``QWebEnginePage.printToPdf``, A4 portrait) in a child process
(:mod:`ui.replay.pdf_print`, awaited with a deadline): what the HTML report shows is what the PDF
shows, and Chromium never runs inside the console. The page is loaded from a temporary file
(``setHtml`` stops at 2 MB).

Without WebEngine (or when it fails), QTextDocument lays the report out into a QPdfWriter:
QTextDocument draws no inline SVG and no flex boxes, so each chart becomes an image resource
(QtSvg) scaled to the page width and the KPI tiles become a one-row table.

:func:`write_pdf` is a coroutine (the loop goes on while the child prints);
:func:`write_pdf_textdocument` is the synchronous fallback.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import re
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QByteArray, QUrl
from PySide6.QtGui import QImage, QPageSize, QPainter, QPdfWriter, QTextDocument
from PySide6.QtSvg import QSvgRenderer

from app.aio import wait_within
from app.self_command import self_command
from app.session.replay import SessionFile
from app.session.report import build_html
from app.session.score import Score

log = logging.getLogger(__name__)

_SVG = re.compile(r"<svg .*?</svg>", re.S)
_KPIS = re.compile(r'<div class="kpis">(.*?)</div></div>', re.S)
_KPI = re.compile(r'<div class="kpi"><b>(.*?)</b><span>(.*?)</span>', re.S)
PRINT_CSS = """
@page{size:A4 portrait;margin:12mm}
body{margin:0}
svg{max-width:100%;height:auto}
table{page-break-inside:auto;font-size:9.5px} tr{page-break-inside:avoid}
th{white-space:nowrap;padding:3px 4px} td{padding:2px 4px}
h2{page-break-after:avoid}
"""
CHILD_S = 120.0  # the printer process, start to finish


def report_html(f: SessionFile, lang: str, score: Score | None = None) -> str:
    return build_html(f, lang=lang, keywords=None, score=score).replace(
        "</style>", PRINT_CSS + "</style>", 1
    )


async def _webengine_pdf(html_text: str, path: Path) -> bool:
    """Print ``html_text`` to ``path`` with Chromium in a child process
    (:mod:`ui.replay.pdf_print`); False if WebEngine is missing here or the child fails."""
    if importlib.util.find_spec("PySide6.QtWebEngineCore") is None:
        return False
    with tempfile.TemporaryDirectory(prefix="livedesk-pdf-") as tmp:
        src = Path(tmp) / "report.html"
        src.write_text(html_text, encoding="utf-8")
        out = Path(tmp) / "report.pdf"
        proc = await asyncio.create_subprocess_exec(
            *self_command("ui.replay.pdf_print", str(src), str(out)),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            _, err = await wait_within(proc.communicate(), CHILD_S)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            log.warning("PDF: the WebEngine printer did not finish within %s s", CHILD_S)
            return False
        if proc.returncode != 0 or not out.exists():
            log.warning(
                "PDF: the WebEngine printer failed: %s", err.decode(errors="replace")[-400:]
            )
            return False
        shutil.copyfile(out, path)
        return True


async def write_pdf(
    f: SessionFile,
    path: Path,
    *,
    lang: str = "zh_CN",
    webengine: bool = True,
    score: Score | None = None,
) -> Path:
    """The report as a PDF at ``path`` (WebEngine if it works here, else QTextDocument); the
    report's 复盘评分 is ``score`` or the file's score against its folder."""
    text = report_html(f, lang, score)
    if webengine and await _webengine_pdf(text, path):
        return path
    return write_pdf_textdocument(f, path, lang=lang, score=score)


def svg_image(svg: str, scale: float = 2.0) -> QImage:
    r = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    size = r.defaultSize()
    img = QImage(int(size.width() * scale), int(size.height() * scale), QImage.Format.Format_ARGB32)
    img.fill(0xFFFFFFFF)
    p = QPainter(img)
    r.render(p)
    p.end()
    return img


def _kpi_table(m: re.Match[str]) -> str:
    cells = "".join(
        f'<td style="background:#f5f7fa;padding:6px 12px"><b style="font-size:16px">{v}</b>'
        f'<br><span style="color:#666">{k}</span></td>'
        for v, k in _KPI.findall(m.group(0))
    )
    return f'<table cellspacing="6"><tr>{cells}</tr></table>'


def write_pdf_textdocument(
    f: SessionFile, path: Path, *, lang: str = "zh_CN", score: Score | None = None
) -> Path:
    """The fallback: QTextDocument into a QPdfWriter (charts as images, tiles as a table)."""
    text = build_html(f, lang=lang, keywords=None, score=score)
    doc = QTextDocument()
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setResolution(110)
    page = writer.pageLayout().paintRectPixels(writer.resolution()).size().toSizeF()
    width = int(page.width() - 2 * doc.documentMargin())
    images: list[tuple[str, QImage]] = []

    def swap(m: re.Match[str]) -> str:
        name = f"chart{len(images)}.png"
        images.append((name, svg_image(m.group(0))))
        return f'<img src="{name}" width="{width}">'

    text = _SVG.sub(swap, _KPIS.sub(_kpi_table, text))
    for name, img in images:
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), img)
    doc.setHtml(text)
    doc.setPageSize(page)
    doc.print_(writer)
    return path
