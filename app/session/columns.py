"""The product, explain and red-envelope tables of a recorded session, column by column: the headers (Chinese
source strings, translated by the reader's ``tr``) and each row's cells. The replay window's
tables, the HTML report and the CSV files all use these, so the same column reads the same
everywhere. Money is in the recording's currency (``currency``: :attr:`SessionFile.currency`).
Cells are plain values (numbers, or text already formatted by :mod:`app.format`);
"—" is a figure the recording does not have.
"""

from __future__ import annotations

from app.format import hms, money, time_of_day
from app.i18n import Translate, tr_noop
from app.session.attribution import ExplainWindow, ProductRow
from app.session.replay import RainResult

PRODUCT_HEADERS = [
    tr_noop("商品"),
    tr_noop("讲解次数"),
    tr_noop("讲解时长"),
    tr_noop("讲解中订单"),
    tr_noop("讲解中成交额"),
    tr_noop("讲解后订单"),
    tr_noop("讲解后成交额"),
    tr_noop("总订单"),
    tr_noop("总成交额"),
    tr_noop("转化率"),
    tr_noop("点击"),
    tr_noop("期初库存"),
    tr_noop("期末库存"),
]

EXPLAIN_HEADERS = [
    tr_noop("商品"),
    tr_noop("开始"),
    tr_noop("结束"),
    tr_noop("讲解时长"),
    tr_noop("讲解中订单"),
    tr_noop("讲解中成交额"),
    tr_noop("讲解后订单"),
    tr_noop("讲解后成交额"),
    tr_noop("讲解中下单人数"),
    tr_noop("讲解中平均在线"),
    tr_noop("转化率"),
]


def product_cells(r: ProductRow, currency: str = "CNY") -> list[object]:
    """One row of the per-product table (:data:`PRODUCT_HEADERS`)."""
    conv = r.conversion
    return [
        r.title,
        len(r.windows),
        hms(r.on_screen_s) if r.windows else "—",
        r.orders_during,
        money(r.gmv_during_cents, currency),
        r.orders_after,
        money(r.gmv_after_cents, currency),
        r.orders_total,
        money(r.gmv_total_cents, currency),
        f"{conv:.1%}" if conv is not None else "—",
        r.clicks if r.clicks is not None else "—",
        r.stock_start if r.stock_start is not None else "—",
        r.stock_end if r.stock_end is not None else "—",
    ]


def explain_cells(w: ExplainWindow, currency: str = "CNY") -> list[object]:
    """One row of the explain log (:data:`EXPLAIN_HEADERS`)."""
    conv = w.conversion
    return [
        w.title,
        time_of_day(w.start_ts),
        time_of_day(w.end_ts),
        hms(w.duration_s),
        w.orders_during,
        money(w.gmv_during_cents, currency),
        w.orders_after,
        money(w.gmv_after_cents, currency),
        w.buyers_during,
        round(w.avg_online) if w.online_n else "—",
        f"{conv:.1%}" if conv is not None else "—",
    ]


#: the per-minute table of viewers' money besides orders (app/session/money.py), report and
#: replay alike (Chinese source text)
MONEY_HEADERS = [
    tr_noop("分钟"),
    tr_noop("礼物价值"),
    tr_noop("醒目留言"),
    tr_noop("留言金额"),
    tr_noop("开通会员"),
    tr_noop("分享"),
]


#: the 红包雨 table: per rain its totals and the chat during it against as long before
RAIN_HEADERS = [
    tr_noop("开始"),
    tr_noop("红包雨"),
    tr_noop("已抢"),
    tr_noop("已抢金额"),
    tr_noop("退回"),
    tr_noop("评论（之前 → 期间）"),
]


def rain_cells(r: RainResult, currency: str, tr: Translate) -> list[object]:
    """One rain's row; money in ``currency`` (the chat platform's: the recording's gift
    currency)."""
    rain = r.rain
    left = rain.leftover_cents if rain.leftover_cents is not None else rain.remaining_cents
    label = tr("{total} × {n} 个").format(total=money(rain.total_cents, currency), n=rain.count)
    return [
        time_of_day(rain.starts_ts),
        f"{rain.title} · {label}" if rain.title else label,
        f"{rain.grabbed} / {rain.count}",
        money(rain.grabbed_cents, currency),
        money(left, currency),
        f"{r.comments_before} → {r.comments_during}",
    ]
