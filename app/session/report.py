"""Exports of a recorded session: a self-contained HTML report (charts as inline SVG) and CSV files
(events, orders, per-product), in Chinese or English.

The HTML has no external resources (no scripts, fonts or images to fetch): it opens anywhere and
can be mailed as one file. All user text (nicknames, comments, titles) is HTML-escaped.

CSV cells are safe to open in a spreadsheet: a text cell that a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return — a viewer's nickname such as
``=HYPERLINK(…)``) is written with a leading ``'`` (OWASP's CSV injection advice). Exports carry no
secret: an event's stream key (a file recorded before it was kept out) is left out of events.csv.
"""

from __future__ import annotations

import csv
import html
import math
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from app.live.lottery_verify import Verification
from app.session.attribution import ExplainWindow, ProductRow, explain_log, per_product
from app.session.redact import redact_value
from app.session.replay import Marker, SessionFile, Summary, display_bins

LABELS: dict[str, dict[str, str]] = {
    "zh_CN": {
        "title": "直播复盘报告",
        "room": "直播间",
        "session": "场次",
        "date": "开播时间",
        "duration": "时长",
        "gmv": "成交额",
        "paid_gmv": "已支付成交额",
        "orders": "订单",
        "comments": "评论",
        "peak": "峰值在线",
        "unfinished": "未正常结束：记录到最后一秒",
        "online": "在线人数",
        "cum_gmv": "累计成交额（元）",
        "opm": "每分钟订单",
        "cpm": "每分钟评论",
        "minutes": "开播后（分钟）",
        "products": "商品表现",
        "product": "商品",
        "explains": "讲解次数",
        "on_screen": "讲解时长",
        "orders_during": "讲解中订单",
        "gmv_during": "讲解中成交额",
        "orders_after": "讲解后订单",
        "gmv_after": "讲解后成交额",
        "orders_total": "总订单",
        "gmv_total": "总成交额",
        "conversion": "转化率",
        "clicks": "点击",
        "stock_start": "期初库存",
        "stock_end": "期末库存",
        "coupons": "优惠券",
        "coupon": "优惠券",
        "kind": "类型",
        "issued": "发放",
        "claimed": "领取",
        "used": "使用",
        "status": "状态",
        "lotteries": "抽奖（可验证）",
        "prize": "奖品",
        "keyword": "口令",
        "winners": "中奖名额",
        "entrants": "参与人数",
        "verified": "校验",
        "ok": "通过",
        "failed": "不通过",
        "not_drawn": "未开奖",
        "lottery_failed": "抽奖「{prize}」验证不通过：{why}。开奖结果无法证明是公平的。",
        "no_start": "录制中没有开始时的承诺值",
        "recommitted": "开奖时附带的承诺值与开始时公布的不同（种子在看到参与者后才选）",
        "bad_seed": "种子与开始时的承诺值不符",
        "bad_digest": "参与者名单与摘要不符",
        "bad_winners": "按公开算法复算的中奖者与公布不一致",
        "winner_list": "中奖者",
        "questions": "高频问题",
        "keywords": "评论关键词",
        "count": "次数",
        "timeline": "操作时间线",
        "time": "时间",
        "action": "操作",
        "who": "操作人",
        "generated": "生成于",
        "conv_note": "转化率 = 讲解期间下单人数 ÷ 讲解期间平均在线人数；讲解后 = 讲解结束后 5 分钟内。点击数平台未提供。",
        "seq": "序号",
        "ts": "时间戳",
        "type": "类型",
        "data": "数据",
        "order_id": "订单号",
        "created": "下单时间",
        "nickname": "昵称",
        "quantity": "数量",
        "amount": "金额（分）",
        "coupon_id": "优惠券",
        "explain_log": "讲解记录",
        "start": "开始",
        "end": "结束",
        "buyers_during": "讲解中下单人数",
        "avg_online": "讲解中平均在线",
        "event": "事件",
        "product_id": "商品 ID",
        "flash_sales": "秒杀",
        "flash_price": "秒杀价",
        "sold": "已售",
        "no_flash_sales": "本场没有秒杀",
    },
    "en": {
        "title": "Live session review",
        "room": "Room",
        "session": "Session",
        "date": "Started",
        "duration": "Duration",
        "gmv": "GMV",
        "paid_gmv": "Paid GMV",
        "orders": "Orders",
        "comments": "Comments",
        "peak": "Peak online",
        "unfinished": "Did not end normally: recorded up to the last second",
        "online": "Viewers online",
        "cum_gmv": "Cumulative GMV (yuan)",
        "opm": "Orders per minute",
        "cpm": "Comments per minute",
        "minutes": "Minutes since start",
        "products": "Products",
        "product": "Product",
        "explains": "Explains",
        "on_screen": "On screen",
        "orders_during": "Orders during",
        "gmv_during": "GMV during",
        "orders_after": "Orders after",
        "gmv_after": "GMV after",
        "orders_total": "Orders total",
        "gmv_total": "GMV total",
        "conversion": "Conversion",
        "clicks": "Clicks",
        "stock_start": "Stock at start",
        "stock_end": "Stock at end",
        "coupons": "Coupons",
        "coupon": "Coupon",
        "kind": "Kind",
        "issued": "Issued",
        "claimed": "Claimed",
        "used": "Used",
        "status": "Status",
        "lotteries": "Lotteries (verifiable)",
        "prize": "Prize",
        "keyword": "Keyword",
        "winners": "Winners",
        "entrants": "Entrants",
        "verified": "Verified",
        "ok": "OK",
        "failed": "FAILED",
        "not_drawn": "not drawn",
        "lottery_failed": "Lottery “{prize}” FAILED verification: {why}. "
        "The draw cannot be shown to be fair.",
        "no_start": "the recording has no commitment from the lottery's start",
        "recommitted": "the commitment sent with the draw differs from the one published at start "
        "(the seed was picked after the entrants were known)",
        "bad_seed": "the seed does not match the commitment published at start",
        "bad_digest": "the participant list does not match its digest",
        "bad_winners": "the winners recomputed with the published algorithm differ",
        "winner_list": "Winners",
        "questions": "Top questions",
        "keywords": "Comment keywords",
        "count": "Count",
        "timeline": "Actions timeline",
        "time": "Time",
        "action": "Action",
        "who": "By",
        "generated": "Generated",
        "conv_note": "Conversion = buyers during the explain ÷ average viewers online then; after = within 5 minutes after the explain. Clicks are not reported by the platform.",
        "seq": "Seq",
        "ts": "Timestamp",
        "type": "Type",
        "data": "Data",
        "order_id": "Order ID",
        "created": "Created",
        "nickname": "Nickname",
        "quantity": "Quantity",
        "amount": "Amount (cents)",
        "coupon_id": "Coupon",
        "explain_log": "Explain log",
        "start": "Start",
        "end": "End",
        "buyers_during": "Buyers during",
        "avg_online": "Avg. online during",
        "event": "Event",
        "product_id": "Product ID",
        "flash_sales": "Flash sales",
        "flash_price": "Sale price",
        "sold": "Sold",
        "no_flash_sales": "No flash sale in this session",
    },
}
MARKER_NAMES = {
    "zh_CN": {
        "explain": "讲解商品",
        "explain_stop": "结束讲解",
        "coupon_issued": "发券",
        "coupon_ended": "结束优惠券",
        "flash_sale_scheduled": "秒杀预告",
        "flash_sale_started": "秒杀开始",
        "flash_sale_ended": "秒杀结束",
        "lottery_started": "抽奖开始",
        "lottery_drawn": "开奖",
        "scene": "切换场景",
        "product_updated": "修改商品",
        "reorder": "调整排品",
        "pin": "置顶评论",
        "hide": "隐藏评论",
        "mute": "禁言",
        "unmute": "解除禁言",
        "session_started": "开播",
        "session_ended": "下播",
        "host": "主播",
        "assistant": "场控",
        "reviewer": "复盘员",
        "obs": "OBS",
    },
    "en": {
        "explain": "Explain",
        "explain_stop": "Stop explaining",
        "coupon_issued": "Coupon issued",
        "coupon_ended": "Coupon ended",
        "flash_sale_scheduled": "Flash sale scheduled",
        "flash_sale_started": "Flash sale",
        "flash_sale_ended": "Flash sale ended",
        "lottery_started": "Lottery started",
        "lottery_drawn": "Lottery drawn",
        "scene": "Scene switch",
        "product_updated": "Product changed",
        "reorder": "Reorder",
        "pin": "Pin comment",
        "hide": "Hide comment",
        "mute": "Mute",
        "unmute": "Unmute",
        "session_started": "Go live",
        "session_ended": "End live",
        "host": "Host",
        "assistant": "Assistant",
        "reviewer": "Reviewer",
        "obs": "OBS",
    },
}
# operator actions as the actions table stores them (LiveRoom._act names; obs_* from follow_obs)
ACTION_NAMES: dict[str, dict[str, str]] = {
    "zh_CN": {
        "explain": "讲解商品",
        "stop_explain": "停止讲解",
        "reorder": "调整排品",
        "update_product": "修改商品",
        "issue_coupon": "发券",
        "end_coupon": "结束优惠券",
        "start_flash_sale": "开始秒杀",
        "start_lottery": "开始抽奖",
        "draw_lottery": "开奖",
        "send_comment": "发送评论",
        "pin_comment": "置顶评论",
        "hide_comment": "隐藏评论",
        "mute_user": "禁言用户",
        "unmute_user": "解除禁言",
        "start_session": "开播",
        "end_session": "下播",
        "obs_switch_scene": "OBS 切换场景",
        "obs_set_preview": "OBS 设置预览场景",
        "obs_transition": "OBS 转场",
        "obs_start_stream": "OBS 开始推流",
        "obs_stop_stream": "OBS 停止推流",
        "obs_start_record": "OBS 开始录制",
        "obs_stop_record": "OBS 停止录制",
    },
    "en": {
        "explain": "Explain product",
        "stop_explain": "Stop explaining",
        "reorder": "Reorder",
        "update_product": "Edit product",
        "issue_coupon": "Issue coupon",
        "end_coupon": "End coupon",
        "start_flash_sale": "Start flash sale",
        "start_lottery": "Start lottery",
        "draw_lottery": "Draw lottery",
        "send_comment": "Send comment",
        "pin_comment": "Pin comment",
        "hide_comment": "Hide comment",
        "mute_user": "Mute user",
        "unmute_user": "Unmute user",
        "start_session": "Go live",
        "end_session": "End live",
        "obs_switch_scene": "OBS: switch scene",
        "obs_set_preview": "OBS: set preview scene",
        "obs_transition": "OBS: transition",
        "obs_start_stream": "OBS: start streaming",
        "obs_stop_stream": "OBS: stop streaming",
        "obs_start_record": "OBS: start recording",
        "obs_stop_record": "OBS: stop recording",
    },
}


# values stored as the platform's identifiers, named for a reader in each language
VALUE_NAMES: dict[str, dict[str, str]] = {
    "zh_CN": {
        # order status
        "created": "待支付",
        "paid": "已支付",
        "refunded": "已退款",
        # coupon kind and status
        "threshold": "满减",
        "discount": "折扣",
        "no_threshold": "无门槛",
        "active": "进行中",
        "ended": "已结束",
        "expired": "已过期",
        "scheduled": "预告中",
    },
    "en": {
        "created": "Awaiting payment",
        "paid": "Paid",
        "refunded": "Refunded",
        "threshold": "Spend & save",
        "discount": "Percent off",
        "no_threshold": "No threshold",
        "active": "Active",
        "ended": "Ended",
        "expired": "Expired",
        "scheduled": "Scheduled",
    },
}
EVENT_NAMES: dict[str, dict[str, str]] = {
    "zh_CN": {
        "comment": "评论",
        "like": "点赞",
        "gift": "礼物",
        "follow": "关注",
        "viewer_enter": "进入直播间",
        "viewers": "在线人数",
        "order_created": "下单",
        "order_paid": "支付",
        "order_refunded": "退款",
        "product_updated": "修改商品",
        "products_reordered": "调整排品",
        "product_explaining": "讲解商品",
        "coupon_issued": "发券",
        "coupon_claimed": "领券",
        "coupon_ended": "优惠券结束",
        "flash_sale_scheduled": "秒杀预告",
        "flash_sale_started": "秒杀开始",
        "flash_sale_updated": "秒杀更新",
        "flash_sale_ended": "秒杀结束",
        "lottery_started": "抽奖开始",
        "lottery_entered": "参与抽奖",
        "lottery_drawn": "开奖",
        "comment_pinned": "置顶评论",
        "comment_hidden": "隐藏评论",
        "user_muted": "禁言",
        "user_unmuted": "解除禁言",
        "session_started": "开播",
        "session_ended": "下播",
        "resync_required": "需要重新同步",
    },
    "en": {
        "comment": "Comment",
        "like": "Likes",
        "gift": "Gift",
        "follow": "Follow",
        "viewer_enter": "Viewer entered",
        "viewers": "Viewers online",
        "order_created": "Order placed",
        "order_paid": "Order paid",
        "order_refunded": "Order refunded",
        "product_updated": "Product changed",
        "products_reordered": "Products reordered",
        "product_explaining": "Explain",
        "coupon_issued": "Coupon issued",
        "coupon_claimed": "Coupon claimed",
        "coupon_ended": "Coupon ended",
        "flash_sale_scheduled": "Flash sale scheduled",
        "flash_sale_started": "Flash sale started",
        "flash_sale_updated": "Flash sale updated",
        "flash_sale_ended": "Flash sale ended",
        "lottery_started": "Lottery started",
        "lottery_entered": "Lottery entry",
        "lottery_drawn": "Lottery drawn",
        "comment_pinned": "Comment pinned",
        "comment_hidden": "Comment hidden",
        "user_muted": "User muted",
        "user_unmuted": "User unmuted",
        "session_started": "Go live",
        "session_ended": "End live",
        "resync_required": "Resync required",
    },
}


def action_name(name: str, lang: str) -> str:
    """An operator action's stored name (``issue_coupon``) as a reader of ``lang`` says it."""
    return ACTION_NAMES.get(lang, ACTION_NAMES["zh_CN"]).get(name, name)


def role_name(role: str | None, lang: str) -> str:
    """``host`` / ``assistant`` / ``reviewer`` / ``obs`` (a change made in OBS itself)."""
    if not role:
        return ""
    return MARKER_NAMES.get(lang, MARKER_NAMES["zh_CN"]).get(role, role)


def value_name(value: str, lang: str) -> str:
    """An order status, coupon kind or coupon status as a reader of ``lang`` calls it."""
    return VALUE_NAMES.get(lang, VALUE_NAMES["zh_CN"]).get(value, value)


def event_name(kind: str, lang: str) -> str:
    return EVENT_NAMES.get(lang, EVENT_NAMES["zh_CN"]).get(kind, kind)


def labels(lang: str) -> dict[str, str]:
    return LABELS.get(lang, LABELS["zh_CN"])


def yuan(cents: int) -> str:
    return f"¥{cents / 100:,.2f}"


def hms(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def marker_name(mk: Marker, lang: str) -> tuple[str, str]:
    names = MARKER_NAMES.get(lang, MARKER_NAMES["zh_CN"])
    what = names.get(mk.kind, mk.kind) + (f" · {mk.label}" if mk.label else "")
    return what, names.get(mk.role or "", mk.role or "")


# --- charts -------------------------------------------------------------------------------------------
def _downsample(x: np.ndarray, y: np.ndarray, n: int = 800) -> tuple[np.ndarray, np.ndarray]:
    if len(x) <= n:
        return x, y
    idx = np.linspace(0, len(x) - 1, n).astype(int)
    return x[idx], y[idx]


def nice_ticks(hi: float, n: int = 5, lo: float = 0.0) -> list[float]:
    """Round tick values from ``lo`` (a multiple of the step at or below it) to the first one at
    or above ``hi``, about ``n`` of them: steps of 1, 2, 2.5 or 5 × 10^k."""
    span = max(hi - lo, 1e-9)
    raw = span / max(1, n)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(k * mag for k in (1, 2, 2.5, 5, 10) if k * mag >= raw)
    first = math.floor(lo / step) * step
    out = [first]
    while out[-1] < hi - 1e-9:
        out.append(out[-1] + step)
    return out


def svg_chart(
    title: str,
    x: np.ndarray,
    ys: Sequence[tuple[np.ndarray, str, str]],
    *,
    bars: bool = False,
    marks: Sequence[float | tuple[float, str, str]] = (),
    xlabel: str = "",
    width: int = 900,
    height: int = 200,
    x_end: float | None = None,
) -> str:
    """A small line/bar chart as inline SVG. ``ys``: (values, colour, legend)."""
    ml, mr, mt, mb = 60, 12, 24, 30
    w, h = width - ml - mr, height - mt - mb
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<text x="{ml}" y="15" font-weight="bold" font-size="13">{html.escape(title)}</text>',
    ]
    if len(x) == 0:
        return "".join([*out, "</svg>"])
    x0, x1 = float(x.min()), float(max(x.max(), x.min() + 1e-9))
    if x_end is not None:
        x1 = max(x1, x_end)
    elif bars and len(x) > 1:
        x1 += float(x[1] - x[0])  # room for the last bar
    xticks = [t for t in nice_ticks(x1, 6, x0) if x0 - 1e-9 <= t <= x1 + 1e-9]
    yticks = nice_ticks(max(float(max(v.max() for v, _, _ in ys if len(v))), 1.0), 4)
    ymax = yticks[-1]
    xstep = xticks[1] - xticks[0] if len(xticks) > 1 else 1.0
    fmt = ",.0f" if xstep >= 1 else ".1f"

    def px(v: float) -> float:
        return ml + (v - x0) / (x1 - x0) * w

    def py(v: float) -> float:
        return mt + h - v / ymax * h

    out.append(f'<rect x="{ml}" y="{mt}" width="{w}" height="{h}" fill="#fafafa" stroke="#ccc"/>')
    yfmt = ",.0f" if all(float(t).is_integer() for t in yticks) else ",.1f"
    for yv in yticks:
        out.append(
            f'<line x1="{ml}" x2="{ml + w}" y1="{py(yv):.1f}" y2="{py(yv):.1f}" stroke="#e6e6e6"/>'
            f'<text x="{ml - 4}" y="{py(yv) + 4:.1f}" text-anchor="end">{yv:{yfmt}}</text>'
        )
    for xv in xticks:
        out.append(
            f'<line x1="{px(xv):.1f}" x2="{px(xv):.1f}" y1="{mt + h}" y2="{mt + h + 4}" '
            f'stroke="#999"/><text x="{px(xv):.1f}" y="{mt + h + 15}" '
            f'text-anchor="middle">{xv:{fmt}}</text>'
        )
    if xlabel:
        out.append(
            f'<text x="{ml + w / 2}" y="{height - 2}" text-anchor="middle" fill="#666">'
            f"{html.escape(xlabel)}</text>"
        )
    for mark in marks:  # x, or (x, colour, what happened: a tooltip)
        mx, colour, tip = mark if isinstance(mark, tuple) else (mark, MARK_GREY, "")
        if x0 <= mx <= x1:
            out.append(
                f'<line x1="{px(mx):.1f}" x2="{px(mx):.1f}" y1="{mt}" y2="{mt + h}" '
                f'stroke="{colour}" stroke-width="1.2" stroke-dasharray="3,3">'
                f"<title>{html.escape(tip)}</title></line>"
            )
    for values, colour, _legend in ys:
        xs, vs = _downsample(x, values.astype(float))
        if bars:
            bw = max(1.0, (px(x1) - px(x0)) / max(1, len(xs)) * 0.9)
            out.extend(
                f'<rect x="{px(a):.1f}" y="{py(b):.1f}" width="{bw:.1f}" '
                f'height="{mt + h - py(b):.1f}" fill="{colour}"/>'
                for a, b in zip(xs, vs, strict=True)
                if b > 0
            )
        else:
            pts = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in zip(xs, vs, strict=True))
            out.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="1.6" points="{pts}"/>'
            )
    out.append("</svg>")
    return "".join(out)


MARK_GREY = "#9e9e9e"
MARK_COLOURS = {  # the replay window's marker colours (ui/replay/charts.py)
    "explain": "#1565c0",
    "coupon_issued": "#2e7d32",
    "coupon_ended": "#81c784",
    "flash_sale_scheduled": "#ff8a65",
    "flash_sale_started": "#e65100",
    "flash_sale_ended": "#ffb74d",
    "lottery_started": "#6a1b9a",
    "lottery_drawn": "#ba68c8",
}


def marks_legend(f: SessionFile, lang: str) -> str:
    """What the dashed lines on the charts are: one swatch per kind of action in the session."""
    kinds = {mk.kind for mk in f.markers() if mk.kind != "explain_stop"}
    names = MARKER_NAMES.get(lang, MARKER_NAMES["zh_CN"])
    items = [(k, c) for k, c in MARK_COLOURS.items() if k in kinds]
    if kinds - set(MARK_COLOURS):
        items.append(("", MARK_GREY))
    other = "其他操作" if lang == "zh_CN" else "other actions"
    return (
        '<div class="legend">'
        + "".join(
            f'<span style="border-left:3px dashed {c}">{html.escape(names.get(k, k) if k else other)}'
            "</span>"
            for k, c in items
        )
        + "</div>"
    )


def charts_svg(f: SessionFile, lang: str) -> list[str]:
    lb = labels(lang)
    s = f.series()
    marks = [
        (
            (mk.ts - s.t0) / 60.0,
            MARK_COLOURS.get(mk.kind, MARK_GREY),
            time.strftime("%H:%M:%S ", time.localtime(mk.ts)) + " · ".join(marker_name(mk, lang)),
        )
        for mk in f.markers()
        if mk.kind != "explain_stop"
    ]
    xm = s.sec / 60.0
    edges, opm, cpm = display_bins(s)
    mm, end = edges[:-1] / 60.0, float(edges[-1] / 60.0) if len(edges) else None
    last = float(xm[-1]) if len(xm) else None
    return [
        svg_chart(lb["online"], xm, [(s.online, "#1565c0", "")], marks=marks, x_end=end),
        svg_chart(
            lb["cum_gmv"], xm, [(s.cum_gmv_cents / 100.0, "#c62828", "")], marks=marks, x_end=end
        ),
        svg_chart(lb["opm"], mm, [(opm, "#ef6c00", "")], bars=True, marks=marks, x_end=end or last),
        svg_chart(
            lb["cpm"],
            mm,
            [(cpm, "#0277bd", "")],
            bars=True,
            marks=marks,
            xlabel=lb["minutes"],
            x_end=end or last,
        ),
    ]


def compare_svg(files: Sequence[SessionFile], names: Sequence[str], lang: str) -> str:
    """Cumulative GMV of several sessions on one chart (x: minutes since each start)."""
    lb = labels(lang)
    colours = ["#c62828", "#1565c0", "#2e7d32", "#6a1b9a"]
    series = [f.series() for f in files]
    n = max((len(s.sec) for s in series), default=0)
    x = np.arange(n) / 60.0
    ys = []
    for s, colour, name in zip(series, colours, names, strict=False):
        v = np.full(n, float(s.cum_gmv_cents[-1] / 100.0) if len(s.sec) else 0.0)
        v[: len(s.sec)] = s.cum_gmv_cents / 100.0
        ys.append((v, colour, name))
    return svg_chart(lb["cum_gmv"], x, ys, xlabel=lb["minutes"])


# --- HTML ---------------------------------------------------------------------------------------------
def _is_number(c: object) -> bool:
    if isinstance(c, bool):
        return False
    if isinstance(c, int | float):
        return True
    return isinstance(c, str) and (c.startswith("¥") or (c.endswith("%") and c[:1].isdigit()))


def _lottery_failures(v: Verification, lb: dict[str, str]) -> list[str]:
    """Why a drawn lottery failed verification, in the report's language."""
    out = []
    if not v.start_seen:
        out.append(lb["no_start"])
    elif v.commitment_changed:
        out.append(lb["recommitted"])
    elif not v.commitment_ok:
        out.append(lb["bad_seed"])
    if not v.digest_ok:
        out.append(lb["bad_digest"])
    if not v.winners_ok:
        out.append(lb["bad_winners"])
    return out


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Cells escaped; numbers, money and percentages right-aligned (class "n")."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{html.escape(str(c))}</td>'
            if _is_number(c)
            else f"<td>{html.escape(str(c))}</td>"
            for c in row
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def product_cells(r: ProductRow) -> list[object]:
    conv = r.conversion
    return [
        r.title,
        len(r.windows),
        hms(r.on_screen_s) if r.windows else "—",
        r.orders_during,
        yuan(r.gmv_during_cents),
        r.orders_after,
        yuan(r.gmv_after_cents),
        r.orders_total,
        yuan(r.gmv_total_cents),
        f"{conv:.1%}" if conv is not None else "—",
        r.clicks if r.clicks is not None else "—",
        r.stock_start if r.stock_start is not None else "—",
        r.stock_end if r.stock_end is not None else "—",
    ]


def explain_cells(w: ExplainWindow) -> list[object]:
    conv = w.conversion
    return [
        w.title,
        time.strftime("%H:%M:%S", time.localtime(w.start_ts)),
        time.strftime("%H:%M:%S", time.localtime(w.end_ts)),
        hms(w.duration_s),
        w.orders_during,
        yuan(w.gmv_during_cents),
        w.orders_after,
        yuan(w.gmv_after_cents),
        w.buyers_during,
        round(w.avg_online) if w.online_n else "—",
        f"{conv:.1%}" if conv is not None else "—",
    ]


EXPLAIN_KEYS = [
    "product",
    "start",
    "end",
    "on_screen",
    "orders_during",
    "gmv_during",
    "orders_after",
    "gmv_after",
    "buyers_during",
    "avg_online",
    "conversion",
]

PRODUCT_KEYS = [
    "product",
    "explains",
    "on_screen",
    "orders_during",
    "gmv_during",
    "orders_after",
    "gmv_after",
    "orders_total",
    "gmv_total",
    "conversion",
    "clicks",
    "stock_start",
    "stock_end",
]

CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:24px;color:#222}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:22px 0 8px;border-bottom:2px solid #eee}
.kpis{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.kpi{background:#f5f7fa;border-radius:6px;padding:8px 14px;min-width:110px}
.kpi b{display:block;font-size:18px} .kpi span{color:#666;font-size:12px}
table{border-collapse:collapse;font-size:12px;margin:6px 0} th,td{border:1px solid #ddd;padding:3px 7px}
th{background:#f0f2f5} td{white-space:nowrap} td.n{text-align:right} .note{color:#666;font-size:12px} .warn{color:#c62828}
.fail{color:#b71c1c;background:#ffebee;border:2px solid #c62828;padding:6px 10px;font-weight:700}
.cols{display:flex;gap:24px;flex-wrap:wrap}
.legend{font-size:12px;color:#444;margin:4px 0 0 60px} .legend span{padding:0 12px 0 6px}
"""


def summary_kpis(s: Summary, lb: dict[str, str]) -> str:
    items = [
        (lb["gmv"], yuan(s.gmv_cents)),
        (lb["paid_gmv"], yuan(s.paid_gmv_cents)),
        (lb["orders"], f"{s.orders:,}"),
        (lb["comments"], f"{s.comments:,}"),
        (lb["peak"], f"{s.peak_online:,}"),
        (lb["duration"], hms(s.duration_s)),
    ]
    return (
        '<div class="kpis">'
        + "".join(
            f'<div class="kpi"><b>{html.escape(v)}</b><span>{html.escape(k)}</span></div>'
            for k, v in items
        )
        + "</div>"
    )


def flash_sales_html(f: SessionFile, lang: str) -> str:
    """The report's 秒杀 section: each sale's product, price, quantity, sold, window, status and
    the recorded orders at its price."""
    lb = labels(lang)
    rows = [
        [
            r.title,
            yuan(r.sale.price_cents),
            r.sale.quantity,
            r.sale.sold,
            time.strftime("%H:%M:%S", time.localtime(r.sale.starts_ts)),
            time.strftime("%H:%M:%S", time.localtime(r.sale.ends_ts)),
            value_name(r.sale.status, lang),
            r.orders,
            yuan(r.gmv_cents),
        ]
        for r in f.flash_sales()
    ]
    head = f'<h2 id="flash-sales">{html.escape(lb["flash_sales"])}</h2>'
    if not rows:
        return head + f'<p class="note">{html.escape(lb["no_flash_sales"])}</p>'
    keys = ("product", "flash_price", "quantity", "sold", "start", "end", "status", "orders")
    return head + _table([*(lb[k] for k in keys), lb["gmv"]], rows)


def build_html(
    f: SessionFile, *, lang: str = "zh_CN", keywords: Sequence[tuple[str, int]] | None = None
) -> str:
    lb = labels(lang)
    s = f.summary()
    date = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(s.started_ts))
    parts = [
        f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh_CN" else "en"}"><head>'
        f'<meta charset="utf-8"><title>{html.escape(lb["title"])} {html.escape(s.session_id)}</title>'
        f"<style>{CSS}</style></head><body>",
        f"<h1>{html.escape(lb['title'])}</h1>",
        f'<div class="note">{html.escape(lb["room"])} {html.escape(s.room)} · '
        f"{html.escape(lb['session'])} {html.escape(s.session_id)} · "
        f"{html.escape(lb['date'])} {date}</div>",
    ]
    if s.ended_ts is None:
        parts.append(f'<div class="warn">{html.escape(lb["unfinished"])}</div>')
    parts.append(summary_kpis(s, lb))
    parts.append(marks_legend(f, lang))
    parts.extend(f"<div>{svg}</div>" for svg in charts_svg(f, lang))
    parts.append(f"<h2>{html.escape(lb['products'])}</h2>")
    parts.append(_table([lb[k] for k in PRODUCT_KEYS], [product_cells(r) for r in per_product(f)]))
    parts.append(f"<h2>{html.escape(lb['explain_log'])}</h2>")
    parts.append(_table([lb[k] for k in EXPLAIN_KEYS], [explain_cells(w) for w in explain_log(f)]))
    parts.append(f'<div class="note">{html.escape(lb["conv_note"])}</div>')
    parts.append('<div class="cols"><div>')
    parts.append(f"<h2>{html.escape(lb['questions'])}</h2>")
    parts.append(_table([lb["questions"], lb["count"]], f.top_questions(15)))
    parts.append("</div>")
    if keywords is not None:
        parts.append(f"<div><h2>{html.escape(lb['keywords'])}</h2>")
        parts.append(_table([lb["keywords"], lb["count"]], list(keywords)[:20]))
        parts.append("</div>")
    parts.append("</div>")
    parts.append(f"<h2>{html.escape(lb['coupons'])}</h2>")
    parts.append(
        _table(
            [lb[k] for k in ("coupon", "kind", "issued", "claimed", "used", "status")],
            [
                [
                    c.name,
                    value_name(c.kind, lang),
                    c.issued,
                    c.claimed,
                    c.used,
                    value_name(c.status, lang),
                ]
                for c in f.coupons()
            ],
        )
    )
    parts.append(flash_sales_html(f, lang))
    parts.append(f"<h2>{html.escape(lb['lotteries'])}</h2>")
    lrows = []
    for r in f.lotteries():
        v = r.verification
        why = "; ".join(_lottery_failures(v, lb))
        verdict = lb["not_drawn"] if not v.drawn else (lb["ok"] if v.ok else lb["failed"])
        if v.failed:  # loud: a red paragraph above the table, the reasons in the cell too
            verdict += f" ({why})"
            loud = lb["lottery_failed"].format(prize=r.lottery.prize, why=why)
            parts.append(f'<p class="fail">✗ {html.escape(loud)}</p>')
        lrows.append(
            [
                r.lottery.prize,
                r.lottery.keyword,
                r.lottery.winners,
                r.lottery.entrants,
                verdict,
                "、".join(r.lottery.winner_nicknames or r.lottery.winner_ids or []),
            ]
        )
    parts.append(
        _table(
            [lb[k] for k in ("prize", "keyword", "winners", "entrants", "verified", "winner_list")],
            lrows,
        )
    )
    parts.append(f"<h2>{html.escape(lb['timeline'])}</h2>")
    mrows = []
    for mk in f.markers():
        what, who = marker_name(mk, lang)
        mrows.append([time.strftime("%H:%M:%S", time.localtime(mk.ts)), what, who])
    parts.append(_table([lb["time"], lb["action"], lb["who"]], mrows))
    parts.append(
        f'<p class="note">{html.escape(lb["generated"])} '
        f"{time.strftime('%Y-%m-%d %H:%M:%S')} · LiveDesk</p></body></html>"
    )
    return "".join(parts)


def write_html(
    f: SessionFile,
    path: Path,
    *,
    lang: str = "zh_CN",
    with_keywords: bool = True,
) -> Path:
    kws = None
    if with_keywords:
        from app.session.keywords import keywords

        kws = keywords(f.comment_texts(), 20)
    path.write_text(build_html(f, lang=lang, keywords=kws), encoding="utf-8")
    return path


# --- CSV ------------------------------------------------------------------------------------------------
#: a spreadsheet runs a cell starting with one of these as a formula (OWASP: CSV injection)
FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A cell as written to CSV: text that a spreadsheet would run as a formula gets a leading
    ``'`` (shown as text); numbers and other text are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_LEAD):
        return "'" + value
    return value


class SafeCsvWriter:
    """``csv.writer`` whose every cell goes through :func:`csv_cell` (every CSV LiveDesk writes)."""

    def __init__(self, fh: Any) -> None:
        self._w = csv.writer(fh)

    def writerow(self, row: Iterable[object]) -> None:
        self._w.writerow([csv_cell(c) for c in row])


def write_csv(f: SessionFile, folder: Path, *, lang: str = "zh_CN") -> list[Path]:
    """events.csv, orders.csv, products.csv, explains.csv (UTF-8 with BOM so Excel reads
    Chinese). Order statuses and event types are named in ``lang``; the events file keeps the
    platform's type identifier beside the name."""
    lb = labels(lang)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f.path.name.split(".")[0]
    ev_path = folder / f"{stem}_events.csv"
    with ev_path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = SafeCsvWriter(fh)
        w.writerow([lb["seq"], lb["ts"], lb["type"], lb["event"], lb["data"]])
        import orjson

        for ev in f.iter_raw_events():
            t = ev["type"]
            w.writerow(
                [
                    ev["seq"],
                    ev["ts"],
                    t,
                    event_name(t, lang),
                    orjson.dumps(redact_value(ev["data"])).decode(),
                ]
            )
    or_path = folder / f"{stem}_orders.csv"
    with or_path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = SafeCsvWriter(fh)
        w.writerow(
            [lb[k] for k in ("order_id", "created", "nickname", "product", "quantity", "amount")]
            + [lb["status"], lb["coupon_id"]]
        )
        for o in f.all_orders():
            w.writerow(
                [
                    o.id,
                    time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(o.created_ts)),
                    o.nickname,
                    o.product_title or o.product_id,
                    o.quantity,
                    o.amount_cents,
                    value_name(o.status, lang),
                    o.coupon_id or "",
                ]
            )
    pr_path = folder / f"{stem}_products.csv"
    with pr_path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = SafeCsvWriter(fh)
        w.writerow([lb["product_id"]] + [lb[k] for k in PRODUCT_KEYS])
        for r in per_product(f):
            w.writerow([r.product_id, *product_cells(r)])
    ex_path = folder / f"{stem}_explains.csv"
    with ex_path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = SafeCsvWriter(fh)
        w.writerow([lb["product_id"]] + [lb[k] for k in EXPLAIN_KEYS])
        for x in explain_log(f):
            w.writerow([x.product_id, *explain_cells(x)])
    return [ev_path, or_path, pr_path, ex_path]
