"""Alert rules over the live metrics history and the bag: pure logic, no Qt, no clock of its own.

Each rule looks at the current state and says which conditions hold *now*, each under a stable
key (``online_drop``, ``low_stock:<product id>``, …). :class:`AlertBook` turns that into what an
operator sees: an alert fires once when its condition becomes true, stays until dismissed or until
the condition clears, and does not fire again until the condition has cleared.
Messages are not built here: the UI words an alert from its ``kind`` and ``params``.

The interaction-drop rule compares the interaction rate (app/live/interaction.py: comments +
likes + gifts per online viewer per minute) of the last ``interaction_window`` seconds with the
rate over the ``interaction_baseline_minutes`` before them; it fires when it fell by
``interaction_drop_ratio`` (default 10 % against the previous 5 minutes) and judges nothing until
the history holds both spans (the baseline and the window after it).

The thresholds an operator may change live in the settings file (``alerts``,
:class:`app.settings.AlertSettings`); :func:`config_from` makes an :class:`AlertConfig` of them
and :func:`problems` says, in the UI language, what in a set of them cannot work.

Audience rules (online drop, comment collapse, interaction drop) judge a live session only: when the session is
not live — before 开播, after the operator's own 下播 — the audience leaving is expected, not an
alarm, and an audience alert that was showing clears.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from app.i18n import tr
from app.live.metrics import HISTORY_SECONDS, MetricsHistory
from app.platform import models as m
from app.settings import AlertSettings

Level = Literal["warning", "critical"]


class AlertKind(StrEnum):
    ONLINE_DROP = "online_drop"  # 在线人数骤降
    LOW_STOCK = "low_stock"  # 库存告急
    SOLD_OUT = "sold_out"  # 已售罄
    COMMENT_COLLAPSE = "comment_collapse"  # 评论热度骤降
    FRAMES_DROPPED = "frames_dropped"  # 推流丢帧
    INTERACTION_DROP = "interaction_drop"  # 互动率下降


@dataclass(frozen=True, slots=True)
class Alert:
    key: str
    kind: AlertKind
    level: Level
    ts: float
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass
class AlertConfig:
    # online drops by ``online_drop_ratio`` from its peak within ``online_window`` seconds
    online_drop_ratio: float = 0.20
    online_window: float = 120.0
    online_min_peak: int = 20  # below this many viewers a 20 % swing is noise
    # stock below a threshold (per product, default ``stock_threshold``)
    stock_threshold: int = 10
    stock_thresholds: dict[str, int] = field(default_factory=dict)
    # comment rate (last ``comment_window`` s) below ``comment_ratio`` × its ``comment_baseline`` avg
    comment_ratio: float = 0.30
    comment_window: float = 60.0
    comment_baseline: float = 300.0
    comment_min_history: float = 180.0  # need this much history before judging a collapse
    comment_min_rate: float = 10.0  # per minute: a quiet room has no rate to collapse from
    # frames dropped by the encoder/network (fed by the OBS stats, when connected)
    frames_dropped_ratio: float = 0.05
    # the interaction rate of the last ``interaction_window`` s fell by ``interaction_drop_ratio``
    # against its rate over the ``interaction_baseline_minutes`` before
    interaction_drop_ratio: float = 0.10
    interaction_baseline_minutes: int = 5
    interaction_window: float = 60.0
    interaction_min_online: int = 10  # fewer viewers on average: no rate worth judging

    def threshold_for(self, product_id: str) -> int:
        return self.stock_thresholds.get(product_id, self.stock_threshold)


def online_drop(history: MetricsHistory, cfg: AlertConfig) -> Alert | None:
    latest = history.latest
    if latest is None:
        return None
    window = history.since(cfg.online_window)
    peak = max(s.online for s in window)
    if peak < cfg.online_min_peak:
        return None
    if latest.online <= peak * (1.0 - cfg.online_drop_ratio):
        drop = (peak - latest.online) / peak
        return Alert(
            "online_drop",
            AlertKind.ONLINE_DROP,
            "critical",
            latest.ts,
            {
                "peak": peak,
                "online": latest.online,
                "percent": round(drop * 100),
                "minutes": _minutes(cfg.online_window),
            },
        )
    return None


def stock_alerts(products: Iterable[m.Product], cfg: AlertConfig, ts: float) -> list[Alert]:
    out: list[Alert] = []
    for p in products:
        if not p.listed:
            continue
        if p.stock == 0:
            out.append(
                Alert(
                    f"sold_out:{p.id}",
                    AlertKind.SOLD_OUT,
                    "critical",
                    ts,
                    {"product_id": p.id, "title": p.title},
                )
            )
        elif p.stock < cfg.threshold_for(p.id):
            out.append(
                Alert(
                    f"low_stock:{p.id}",
                    AlertKind.LOW_STOCK,
                    "warning",
                    ts,
                    {
                        "product_id": p.id,
                        "title": p.title,
                        "stock": p.stock,
                        "threshold": cfg.threshold_for(p.id),
                    },
                )
            )
    return out


def comment_collapse(history: MetricsHistory, cfg: AlertConfig) -> Alert | None:
    latest = history.latest
    first = history.samples[0] if history.samples else None
    if latest is None or first is None or latest.ts - first.ts < cfg.comment_min_history:
        return None
    baseline = history.rate_per_min(lambda s: s.comments, cfg.comment_baseline)
    if baseline < cfg.comment_min_rate:
        return None
    now = history.rate_per_min(lambda s: s.comments, cfg.comment_window)
    if now < cfg.comment_ratio * baseline:
        return Alert(
            "comment_collapse",
            AlertKind.COMMENT_COLLAPSE,
            "warning",
            latest.ts,
            {
                "rate": round(now, 1),
                "baseline": round(baseline, 1),
                "minutes": _minutes(cfg.comment_baseline),
            },
        )
    return None


def _minutes(seconds: float) -> str:
    """A window's length in minutes for the wording ("2", "1.5")."""
    return f"{seconds / 60:g}"


def interaction_drop(history: MetricsHistory, cfg: AlertConfig) -> Alert | None:
    """The interaction rate of the last window fell by the ratio against the minutes before it
    (nothing before the history holds both spans, nothing in an almost empty room)."""
    latest = history.latest
    if latest is None:
        return None
    baseline_s = cfg.interaction_baseline_minutes * 60.0
    baseline = history.interaction_rate(baseline_s, before=cfg.interaction_window)
    now = history.interaction_rate(cfg.interaction_window)
    if baseline is None or now is None or baseline <= 0:
        return None
    span = history.since(baseline_s + cfg.interaction_window)
    if sum(s.online for s in span) / len(span) < cfg.interaction_min_online:
        return None
    if now <= baseline * (1.0 - cfg.interaction_drop_ratio):
        return Alert(
            "interaction_drop",
            AlertKind.INTERACTION_DROP,
            "warning",
            latest.ts,
            {
                "rate": f"{now:.2f}",
                "baseline": f"{baseline:.2f}",
                "percent": round((baseline - now) / baseline * 100),
                "minutes": cfg.interaction_baseline_minutes,
            },
        )
    return None


def frames_dropped(ratio: float | None, cfg: AlertConfig, ts: float) -> Alert | None:
    """Hook for the OBS stats: ``ratio`` of frames dropped recently (None: no stream / no OBS)."""
    if ratio is None or ratio < cfg.frames_dropped_ratio:
        return None
    return Alert(
        "frames_dropped",
        AlertKind.FRAMES_DROPPED,
        "critical",
        ts,
        {"percent": round(ratio * 100, 1)},
    )


def evaluate(
    history: MetricsHistory,
    products: Iterable[m.Product],
    cfg: AlertConfig,
    *,
    dropped_frames_ratio: float | None = None,
    now: float | None = None,
    live: bool = True,
) -> dict[str, Alert]:
    """Every alert condition that holds now, by key (audience rules only while ``live``)."""
    latest = history.latest
    ts = now if now is not None else (latest.ts if latest else 0.0)
    found: list[Alert | None] = [frames_dropped(dropped_frames_ratio, cfg, ts)]
    if live:
        found += [
            online_drop(history, cfg),
            comment_collapse(history, cfg),
            interaction_drop(history, cfg),
        ]
    found.extend(stock_alerts(products, cfg, ts))
    return {a.key: a for a in found if a is not None}


def config_from(s: AlertSettings, stock_thresholds: dict[str, int] | None = None) -> AlertConfig:
    """The rules' configuration from the operator's settings (percentages become ratios)."""
    return AlertConfig(
        online_drop_ratio=s.online_drop_percent / 100.0,
        online_window=float(s.online_window_s),
        online_min_peak=s.online_min_peak,
        stock_threshold=s.stock_threshold,
        stock_thresholds=dict(stock_thresholds or {}),
        comment_ratio=s.comment_below_percent / 100.0,
        comment_window=float(s.comment_window_s),
        comment_baseline=float(s.comment_baseline_s),
        comment_min_history=float(s.comment_min_history_s),
        comment_min_rate=s.comment_min_rate,
        frames_dropped_ratio=s.frames_dropped_percent / 100.0,
        interaction_drop_ratio=s.interaction_drop_percent / 100.0,
        interaction_baseline_minutes=s.interaction_baseline_minutes,
        interaction_window=float(s.interaction_window_s),
        interaction_min_online=s.interaction_min_online,
    )


def problems(s: AlertSettings) -> list[str]:
    """What in ``s`` cannot work, each in the UI language (empty: fine). The single values'
    ranges are the schema's; these are the rules between them and the history's length."""
    out: list[str] = []
    keep = HISTORY_SECONDS // 60
    if s.comment_baseline_s <= s.comment_window_s:
        out.append(
            tr("评论速度均值时长必须长于评论速度当前窗口（{b} 秒 ≤ {w} 秒）").format(
                b=s.comment_baseline_s, w=s.comment_window_s
            )
        )
    if s.comment_min_history_s < s.comment_window_s:
        out.append(
            tr("评论热度至少需要历史不能短于评论速度当前窗口（{h} 秒 < {w} 秒）").format(
                h=s.comment_min_history_s, w=s.comment_window_s
            )
        )
    longest = {
        tr("在线人数对比窗口"): s.online_window_s,
        tr("评论速度均值时长"): max(s.comment_baseline_s, s.comment_min_history_s),
        tr("互动率对比时长加当前窗口"): s.interaction_baseline_minutes * 60
        + s.interaction_window_s,
    }
    for what, seconds in longest.items():
        if seconds > HISTORY_SECONDS:
            out.append(
                tr("{what}超过实时数据保留的 {keep} 分钟（{s} 秒）").format(
                    what=what, keep=keep, s=seconds
                )
            )
    return out


class AlertBook:
    """What the operator sees: fired-once alerts, dismissable, re-armed when the condition clears."""

    def __init__(self, config: AlertConfig | None = None) -> None:
        self.config = config or AlertConfig()
        self.active: dict[str, Alert] = {}  # conditions that hold (shown unless dismissed)
        self.dismissed: set[str] = set()

    def update(
        self,
        history: MetricsHistory,
        products: Iterable[m.Product],
        *,
        dropped_frames_ratio: float | None = None,
        now: float | None = None,
        live: bool = True,
    ) -> tuple[list[Alert], list[str]]:
        """Re-evaluate; returns (alerts that just fired, keys whose condition just cleared).
        ``live``: whether the session is live now (audience rules judge live sessions only)."""
        holding = evaluate(
            history,
            products,
            self.config,
            dropped_frames_ratio=dropped_frames_ratio,
            now=now,
            live=live,
        )
        cleared = [key for key in self.active if key not in holding]
        for key in cleared:
            del self.active[key]
            self.dismissed.discard(key)  # re-armed: it may fire again
        fired = [a for key, a in holding.items() if key not in self.active]
        for a in fired:
            self.active[a.key] = a
        return fired, cleared

    def dismiss(self, key: str) -> None:
        if key in self.active:
            self.dismissed.add(key)

    @property
    def visible(self) -> list[Alert]:
        """Alerts to show, most severe then newest first."""
        shown = [a for k, a in self.active.items() if k not in self.dismissed]
        return sorted(shown, key=lambda a: (a.level != "critical", -a.ts))
