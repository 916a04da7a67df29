"""Exports a reviewer hands on: the PDF (Qt printing) has the report's pages; the HTML report in
English is self-contained (no external resources) with the session's numbers and charts."""

from __future__ import annotations

import re
from pathlib import Path

from app.session.replay import SessionFile
from app.session.report import build_html
from app.session.synth import products, session_events
from app.session.writer import SessionWriter
from ui.replay.pdf import write_pdf

T0 = 1_760_000_000.0


def make_session(path: Path) -> None:
    w = SessionWriter(path, {"room": "r1", "session_id": "s9", "started_ts": repr(T0)})
    w.put_products(products(), T0)
    for b in session_events(total=20_000, hours=0.3, t0=T0):
        w.put_events(b)
    w.close()


def test_pdf_and_english_html_report(qapp: object, tmp_path: Path) -> None:
    path = tmp_path / "x.livedesk-session.sqlite"
    make_session(path)
    with SessionFile(path) as f:
        s = f.summary()
        pdf = write_pdf(f, tmp_path / "r.pdf", lang="zh_CN")
        html = build_html(f, lang="en", keywords=[("羽绒服", 3)])
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) >= 2
    assert "Live session review" in html and "Products" in html
    assert f"{s.orders:,}" in html and f"¥{s.gmv_cents / 100:,.2f}" in html
    assert html.count("<svg") == 4
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing fetched from elsewhere
    assert "OK" in html  # the lottery of this session verifies
