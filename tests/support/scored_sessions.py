"""Real session files with figures chosen for the replay score (app/session/score.py): a test
knows each one's GMV, conversion and interaction rate by hand."""

from __future__ import annotations

from pathlib import Path

from app.platform import models as m
from app.session.writer import SessionWriter

ET = m.EventType
HOST = m.Actor.model_construct(role=m.Role.HOST, token_id="t-host")


def recording(path: Path, *, orders: int, started: float, sid: str) -> Path:
    """A real session file of 10 minutes: 100 viewers online (UV 1,000), ``orders`` orders of
    ¥100 by as many buyers, 300 comments + 500 likes + 200 gifts."""
    w = SessionWriter(path, {"room": "r1", "session_id": sid, "started_ts": repr(started)})
    seq = 0

    def ev(ts: float, t: m.EventType, data: object) -> m.Event:
        nonlocal seq
        seq += 1
        return m.Event.model_construct(seq=seq, ts=ts, type=t, data=data)

    def session(status: str) -> m.SessionData:
        s = m.Session.model_construct(
            id=sid, status=status, started_ts=started, ended_ts=None, rtmp_url=None
        )
        return m.SessionData.model_construct(session=s, actor=HOST)

    w.put_events([ev(started, ET.SESSION_STARTED, session("live"))])
    for s in range(600):
        ts = started + s
        batch = [ev(ts, ET.VIEWERS, m.ViewersData.model_construct(online=100, uv=1000))]
        if s % 2 == 0:
            c = m.Comment.model_construct(
                id=f"c{s}", user_id=f"u{s}", nickname="n", text="好", role="viewer", ts=ts
            )
            batch.append(ev(ts, ET.COMMENT, m.CommentData.model_construct(comment=c)))
        if s % 3 == 0:
            gift = m.GiftData.model_construct(
                user_id=f"u{s}", nickname="n", gift="花", count=5, value_cents=0
            )
            batch.append(ev(ts, ET.GIFT, gift))
        if s < 100:
            like = m.LikeData.model_construct(user_id=None, count=5, total=5 * (s + 1))
            batch.append(ev(ts, ET.LIKE, like))
        if s < orders:
            o = m.Order.model_construct(
                id=f"o{s}",
                seq=0,
                product_id="p1",
                product_title="t",
                sku_id=None,
                sku_name=None,
                user_id=f"b{s}",
                nickname="b",
                quantity=1,
                unit_price_cents=10_000,
                amount_cents=10_000,
                status="created",
                coupon_id=None,
                flash_sale_id=None,
                created_ts=ts,
            )
            batch.append(ev(ts, ET.ORDER_CREATED, m.OrderData.model_construct(order=o)))
        w.put_events(batch)
        w.put_metrics(ts, m.Metrics(online=100, uv=1000).model_dump())
    w.put_events([ev(started + 600, ET.SESSION_ENDED, session("ended"))])
    w.close()
    return path
