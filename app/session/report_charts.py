"""The session report's charts as inline SVG (no script, font or image to fetch): online viewers,
cumulative GMV, orders and comments per minute on one time axis, with a dashed line for every
action, coloured like the replay window's markers.

Text in the SVG (titles, tooltips, legend) is HTML-escaped and translated by the function it is
given (:func:`app.i18n.translator`), so it uses the replay window's words.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import numpy as np

from app.format import minor_digits, time_of_day
from app.i18n import Translate
from app.names import marker_kind_name, marker_name
from app.session.replay import SessionFile, display_bins


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


def marks_legend(f: SessionFile, tr: Translate) -> str:
    """What the dashed lines on the charts are: one swatch per kind of action in the session."""
    kinds = {mk.kind for mk in f.markers() if mk.kind != "explain_stop"}
    items = [(k, c) for k, c in MARK_COLOURS.items() if k in kinds]
    if kinds - set(MARK_COLOURS):
        items.append(("", MARK_GREY))
    other = tr("其他操作")
    return (
        '<div class="legend">'
        + "".join(
            f'<span style="border-left:3px dashed {c}">'
            f"{html.escape(marker_kind_name(k, tr) if k else other)}</span>"
            for k, c in items
        )
        + "</div>"
    )


def gmv_title(currency: str, tr: Translate) -> str:
    """The cumulative-GMV chart's name with its unit: 「累计成交额（元）」, 「累计成交额（USD）」."""
    if currency == "CNY":
        return tr("累计成交额（元）")
    return tr("累计成交额（{currency}）").format(currency=currency)


def charts_svg(f: SessionFile, tr: Translate) -> list[str]:
    """The four charts, each marked with the session's actions (what and who in the tooltip)."""
    s = f.series()
    marks = [
        (
            (mk.ts - s.t0) / 60.0,
            MARK_COLOURS.get(mk.kind, MARK_GREY),
            time_of_day(mk.ts) + " " + " · ".join(marker_name(mk.kind, mk.label, mk.role, tr)),
        )
        for mk in f.markers()
        if mk.kind != "explain_stop"
    ]
    xm = s.sec / 60.0
    edges, opm, cpm = display_bins(s)
    mm, end = edges[:-1] / 60.0, float(edges[-1] / 60.0) if len(edges) else None
    last = float(xm[-1]) if len(xm) else None
    return [
        svg_chart(tr("在线人数"), xm, [(s.online, "#1565c0", "")], marks=marks, x_end=end),
        svg_chart(
            gmv_title(f.currency, tr),
            xm,
            [(s.cum_gmv_cents / 10 ** minor_digits(f.currency), "#c62828", "")],
            marks=marks,
            x_end=end,
        ),
        svg_chart(
            tr("每分钟订单"), mm, [(opm, "#ef6c00", "")], bars=True, marks=marks, x_end=end or last
        ),
        svg_chart(
            tr("每分钟评论"),
            mm,
            [(cpm, "#0277bd", "")],
            bars=True,
            marks=marks,
            xlabel=tr("开播后（分钟）"),
            x_end=end or last,
        ),
    ]
