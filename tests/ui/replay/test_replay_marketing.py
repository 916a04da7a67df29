"""Coupons and lotteries in the replay window, on a session recorded from the real sandbox server.

What a reviewer checks the morning after: each coupon's issued / claimed / used figures are the
platform's own (GET /coupons, and used = orders with the coupon that were not refunded, from
GET /orders); each lottery's entrants, the entrants recomputed from the recorded comments, the
commitment / participants digest / winners checks and the winners are the platform's
(GET /lotteries) — in the window and in the HTML report.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtWidgets import QApplication

from app.platform import models as m
from app.session.report import build_html
from tests.support.polling import until
from tests.support.recording_rig import recording_host
from tests.ui.replay.test_replay_moment import html_rows, rows
from ui.replay.window import ReplayWindow

pytestmark = [pytest.mark.slow, pytest.mark.qt_log_ignore("propagateSizeHints")]


async def record_marketing_session(srv: Any, directory: Path, *, cheat: bool = False) -> Path:
    """Two coupons (claimed, used, one use refunded) and a lottery with keyword comments, drawn;
    all by scripted viewers (no simulated audience), so every figure is known. ``cheat``: the
    platform draws with a seed picked after the entries, sending a matching new commitment."""
    async with recording_host(srv, directory) as (room, rec):
        await room.start_session()
        await until(lambda: rec.recording, 20, "recording")
        five = await room.issue_coupon(
            m.CouponSpec(
                kind=m.CouponKind.NO_THRESHOLD,
                name="五元券",
                amount_cents=500,
                quantity=5,
                valid_seconds=600,
            )
        )
        big = await room.issue_coupon(
            m.CouponSpec(
                kind=m.CouponKind.THRESHOLD,
                name="满199减30",
                threshold_cents=19_900,
                amount_cents=3_000,
                quantity=3,
                valid_seconds=600,
            )
        )
        lot = await room.start_lottery(
            m.LotterySpec(prize="口红一支", keyword="我要福袋", winners=2, duration_seconds=2)
        )
        pid = room.product_ids[0]
        async with httpx.AsyncClient(headers=srv.headers("host"), timeout=30) as http:

            async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
                r = await http.post(srv.api(path), json=body)
                r.raise_for_status()
                return dict(r.json())

            for u in ("u1", "u2", "u3"):
                await post(
                    "/_debug/viewer-claim", {"user_id": u, "nickname": u, "coupon_id": five.id}
                )
            await post(
                "/_debug/viewer-claim", {"user_id": "u1", "nickname": "u1", "coupon_id": big.id}
            )
            for u, text in (
                ("u1", "我要福袋"),
                ("u2", " 我要福袋！"),
                ("u3", "好看"),
                ("u4", "我要福袋"),
            ):
                await post(
                    "/_debug/viewer-comment", {"user_id": u, "nickname": f"观众{u}", "text": text}
                )
            base = {"product_id": pid, "quantity": 1, "pay": True}
            await post("/orders", {**base, "user_id": "u1", "nickname": "u1", "coupon_id": five.id})
            o2 = await post(
                "/orders", {**base, "user_id": "u2", "nickname": "u2", "coupon_id": five.id}
            )
            await post("/orders", {**base, "user_id": "u5", "nickname": "u5"})
            await post(f"/orders/{o2['id']}/refund", {"reason": "不想要了"})
        # the draw is only allowed after the lottery's window
        await until(lambda: time.time() > lot.ends_ts + 0.3, 10, "the lottery window to close")
        if cheat:
            async with httpx.AsyncClient(headers=srv.headers("host"), timeout=30) as http:
                r = await http.post(srv.api(f"/_debug/lotteries/{lot.id}/cheat-draw"))
                assert r.status_code == 200, r.text
        else:
            await room.draw_lottery(lot.id)
        await room.end_coupon(five.id)
        await room.end_coupon(big.id)
        await room.end_session()
        await until(lambda: not rec.recording, 20, "the file to close")
    [path] = rec.files
    return path


async def test_coupon_and_lottery_results_are_the_platforms(
    qtbot: Any, sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    srv = sandbox_server(debug_routes=True)
    path = await record_marketing_session(srv, tmp_path / "sessions")
    async with httpx.AsyncClient(headers=srv.headers("reviewer"), timeout=30) as http:
        coupons = (await http.get(srv.api("/coupons"))).json()
        orders = (await http.get(srv.api("/orders"), params={"limit": 10_000})).json()
        lotteries = (await http.get(srv.api("/lotteries"))).json()
    assert len(coupons) == 2 and len(lotteries) == 1

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    win = ReplayWindow(path)
    win.show()
    try:
        # coupons: issued = quantity, claimed, used = orders with it that were not refunded
        kind_zh = {"no_threshold": "无门槛", "threshold": "满减"}
        want = []
        for c in sorted(coupons, key=lambda c: c["created_ts"]):
            with_it = [o for o in orders if o["coupon_id"] == c["id"]]
            used = sum(o["status"] != "refunded" for o in with_it)
            want.append(
                [
                    c["name"],
                    kind_zh[c["kind"]],
                    str(c["quantity"]),
                    str(c["claimed"]),
                    str(used),
                    "已结束",
                ]
            )
        assert rows(win.coupons) == want
        assert [r[2:5] for r in want] == [["5", "3", "1"], ["3", "1", "0"]]
        # the platform's own counter keeps the refunded use; the review does not count it
        five = next(c for c in coupons if c["name"] == "五元券")
        assert five["used"] == 2

        # lottery: the platform's entrants and winners; recomputed and verified from the recording
        lot = lotteries[0]
        assert lot["status"] == "drawn" and lot["entrants"] == 3  # u1, u2, u4 typed the keyword
        assert rows(win.lotteries) == [
            [
                "口红一支",
                "我要福袋",
                "2",
                str(lot["entrants"]),
                str(lot["entrants"]),  # recomputed from the recorded comments
                "✔",
                "✔",
                "✔",
                "、".join(lot["winner_nicknames"]),
                lot["commitment"],  # in full, as recorded at the start
            ]
        ]
        assert len(lot["winner_nicknames"]) == 2

        table_rows = html_rows(build_html(win.file, lang="en", keywords=[]))
        assert ["五元券", "No threshold", "5", "3", "1", "Ended"] in table_rows
        assert [
            "口红一支",
            "我要福袋",
            "2",
            "3",
            "OK",
            "、".join(lot["winner_nicknames"]),
        ] in table_rows
        assert win.lottery_tab.alarm.isHidden()
        assert win.tabs.tabText(win.tabs.indexOf(win.lottery_tab)) == "抽奖"
    finally:
        win.close()


async def test_a_seed_chosen_after_the_entrants_fails_loudly_in_the_replay(
    qtbot: Any, sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    srv = sandbox_server(debug_routes=True)
    path = await record_marketing_session(srv, tmp_path / "sessions", cheat=True)
    win = ReplayWindow(path)
    win.show()
    try:
        [r] = win.lottery_results
        assert r.verification.failed and r.verification.commitment_changed
        [row] = rows(win.lotteries)
        assert row[5].startswith("✘") and row[6:8] == ["✔", "✔"]  # only the start catches it
        i = win.tabs.indexOf(win.lottery_tab)
        assert "验证未通过" in win.tabs.tabText(i)  # seen without opening the tab
        win.tabs.setCurrentIndex(i)
        assert win.lottery_tab.alarm.isVisible()
        assert "口红一支" in win.lottery_tab.alarm.text()
        assert "验证未通过" in win.lottery_tab.alarm.text()
        page = build_html(win.file, lang="en", keywords=[])
        assert '<p class="fail">' in page and "FAILED verification" in page
        assert "differs from the one published at start" in page
        assert not any(
            row[:2] == ["口红一支", "我要福袋"] and "OK" in row for row in html_rows(page)
        )
    finally:
        win.close()
