"""A red-envelope rain and a stock reservation recorded from the real sandbox (its simulated
audience grabbing) and replayed: the markers on the timeline, the rain's effect window as a band
on the charts, and the 红包雨 tab with its totals, leftover and the chat before → during; the
HTML report has the same row, in Chinese and in English."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from pytestqt.qtbot import QtBot

from app.platform import models as m
from app.session.replay import SessionFile
from app.session.report import build_html
from tests.support.polling import until
from tests.support.recording_rig import recording_host
from ui.replay.window import ReplayWindow


async def test_a_recorded_rain_has_its_markers_window_and_totals(
    qtbot: QtBot, sandbox_server: Any, tmp_path: Path
) -> None:
    srv = sandbox_server(viewers=200, live=True, seed=3)
    async with recording_host(srv, tmp_path / "sessions") as (room, rec):
        await until(lambda: rec.recording, 30, "the recorder to open the live session's file")
        await asyncio.sleep(3)  # some chat before the rain
        res = await room.reserve_stock(
            m.ReservationSpec(product_id="p02", quantity=5, promotion="coupon")
        )
        rain = await room.start_red_envelope(
            m.RedEnvelopeSpec(title="感谢家人们", total_cents=3000, count=40, duration_seconds=4)
        )
        await until(
            lambda: getattr(room.red_envelopes.get(rain.id), "status", None) == "ended",
            30,
            "the rain to end",
        )
        await room.release_reservation(res.id)
        await until(
            lambda: getattr(room.reservations.get(res.id), "status", None) == "released",
            30,
            "released",
        )
        async with httpx.AsyncClient(base_url=srv.api(), headers=srv.headers(), timeout=30) as c:
            (await c.post(f"/sessions/{room.session.id}/end")).raise_for_status()
        await until(lambda: not rec.recording, 30, "the file to close")
    [path] = rec.files
    with SessionFile(path) as f:
        [r] = f.red_envelopes()
        final = r.rain
        assert final.grabbed > 0 and final.leftover_cents is not None
        assert final.grabbed_cents + final.leftover_cents == 3000
        assert r.comments_during > 0
        kinds = [mk.kind for mk in f.markers()]
        assert kinds.index("stock_reserved") < kinds.index("red_envelope_started")
        assert kinds.index("red_envelope_started") < kinds.index("red_envelope_ended")
        assert "stock_released" in kinds
        started = next(mk for mk in f.markers() if mk.kind == "red_envelope_started")
        assert started.label == "感谢家人们" and started.role == "host"
    window = ReplayWindow(path)
    qtbot.addWidget(window)
    [(a, b)] = window.charts.rain_windows
    assert 0 <= a < b and (b - a) * 60 <= 6
    tabs = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert "红包雨" in tabs
    row = [window.rains.item(0, c).text() for c in range(window.rains.columnCount())]
    assert row[1] == "感谢家人们 · ¥30.00 × 40 个"
    assert row[2] == f"{final.grabbed} / 40"
    left = final.leftover_cents
    assert row[4] == f"¥{left // 100}.{left % 100:02d}"
    assert row[5] == f"{r.comments_before} → {r.comments_during}"
    with SessionFile(path) as f:
        page = build_html(f)
        english = build_html(f, lang="en")
    assert '<h2 id="red-envelopes">红包雨</h2>' in page
    assert "感谢家人们 · ¥30.00 × 40 个" in page and f"{final.grabbed} / 40" in page
    assert '<h2 id="red-envelopes">Red-envelope rain</h2>' in english
    assert "感谢家人们 · ¥30.00 × 40" in english and "Amount grabbed" in english
