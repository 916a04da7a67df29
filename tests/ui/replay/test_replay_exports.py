"""Exports a reviewer hands on: the PDF (Qt printing) has the report's pages; the HTML report in
English is self-contained (no external resources) with the session's numbers and charts; the CSV
files in English and Chinese."""

from __future__ import annotations

import csv
import importlib.util
import re
from pathlib import Path

from app.session.attribution import explain_log
from app.session.replay import SessionFile
from app.session.report import build_html
from app.session.report_csv import write_csv
from app.session.writer import SessionWriter
from tests.support.synth import products, session_events
from ui.replay.pdf import _webengine_pdf, report_html, write_pdf, write_pdf_textdocument

T0 = 1_760_000_000.0


def make_session(path: Path) -> None:
    w = SessionWriter(path, {"room": "r1", "session_id": "s9", "started_ts": repr(T0)})
    w.put_products(products(), T0)
    for b in session_events(total=20_000, hours=0.3, t0=T0):
        w.put_events(b)
    w.close()


SECTIONS = ("直播复盘报告", "商品表现", "讲解记录", "优惠券", "秒杀", "抽奖", "操作时间线")


def pdf_text(path: Path) -> tuple[int, str]:
    """(pages, text) of a PDF, read back with Qt's own PDF reader."""
    from PySide6.QtPdf import QPdfDocument

    doc = QPdfDocument()
    assert doc.load(str(path)) == QPdfDocument.Error.None_
    text = "\n".join(doc.getAllText(i).text() for i in range(doc.pageCount()))
    n = doc.pageCount()
    doc.close()
    return n, text


async def test_pdf_keeps_the_reports_sections_and_the_english_html_report(
    qapp: object, tmp_path: Path
) -> None:
    path = tmp_path / "x.livedesk-session.sqlite"
    make_session(path)
    with SessionFile(path) as f:
        s = f.summary()
        pdf = await write_pdf(f, tmp_path / "r.pdf", lang="zh_CN")
        html = build_html(f, lang="en", keywords=[("羽绒服", 3)])
        if importlib.util.find_spec("PySide6.QtWebEngineCore") is not None:
            # Chromium lays out the report itself (tiles, inline SVG), not the fallback
            assert await _webengine_pdf(report_html(f, "zh_CN"), tmp_path / "we.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages, text = pdf_text(pdf)
    assert pages >= 2
    for section in SECTIONS:
        assert section in text, section
    assert f"¥{s.gmv_cents / 100:,.2f}" in text  # the KPI tiles
    assert "Live session review" in html and "Products" in html
    assert f"{s.orders:,}" in html and f"¥{s.gmv_cents / 100:,.2f}" in html
    assert html.count("<svg") == 4
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing fetched from elsewhere
    assert "OK" in html  # the lottery of this session verifies


def test_pdf_without_webengine_keeps_the_sections_too(qapp: object, tmp_path: Path) -> None:
    path = tmp_path / "x.livedesk-session.sqlite"
    make_session(path)
    with SessionFile(path) as f:
        s = f.summary()
        pdf = write_pdf_textdocument(f, tmp_path / "r.pdf", lang="zh_CN")
    pages, text = pdf_text(pdf)
    assert pages >= 2
    for section in SECTIONS:
        assert section in text, section
    assert f"¥{s.gmv_cents / 100:,.2f}" in text


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_csv_exports_in_english_and_chinese(tmp_path: Path) -> None:
    """A reviewer abroad opens the English CSV files: English headers, order statuses and event
    types in English (not the platform's identifiers, not Chinese); the Chinese files say the
    same in Chinese. Both carry every order and every event."""
    path = tmp_path / "x.livedesk-session.sqlite"
    make_session(path)
    with SessionFile(path) as f:
        s = f.summary()
        orders = f.all_orders()
        n_explains = len(explain_log(f))
        en = write_csv(f, tmp_path / "en", lang="en")
        zh = write_csv(f, tmp_path / "zh", lang="zh_CN")
    ev, od, pr, ex = (_read(p) for p in en)
    assert ev[0] == ["Seq", "Timestamp", "Type", "Event", "Data"]
    assert od[0] == [
        "Order ID",
        "Created",
        "Nickname",
        "Product",
        "Quantity",
        "Amount (cents)",
        "Status",
        "Coupons",
        "Currency",
    ]
    assert pr[0][:4] == ["Product ID", "Product", "Explains", "On screen"]
    assert ex[0] == [
        "Product ID",
        "Product",
        "Start",
        "End",
        "On screen",
        "Orders during",
        "GMV during",
        "Orders after",
        "GMV after",
        "Buyers during",
        "Avg. online during",
        "Conversion",
    ]
    assert len(od) - 1 == s.orders and len(ev) - 1 == s.events and len(ex) - 1 == n_explains > 0
    # the replay window's words (one catalog): its orders table says Unpaid too
    names = {"created": "Unpaid", "paid": "Paid", "refunded": "Refunded"}
    assert [r[6] for r in od[1:]] == [names[o.status] for o in orders]
    assert {"Paid", "Unpaid"} <= {r[6] for r in od[1:]}
    comment = next(r for r in ev[1:] if r[2] == "comment")
    assert comment[3] == "Comments"
    assert next(r for r in ev[1:] if r[2] == "order_paid")[3] == "Order paid"

    ev_zh, od_zh = _read(zh[0]), _read(zh[1])
    assert ev_zh[0] == ["序号", "时间戳", "类型", "事件", "数据"]
    assert od_zh[0][-3:] == ["状态", "优惠券", "币种"]
    zh_names = {"created": "待支付", "paid": "已支付", "refunded": "已退款"}
    assert [r[6] for r in od_zh[1:]] == [zh_names[o.status] for o in orders]
    assert next(r for r in ev_zh[1:] if r[2] == "comment")[3] == "评论"
