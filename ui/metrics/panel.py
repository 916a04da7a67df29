"""The live metrics dock: alerts strip on top, then one tile per figure with a 10-minute trend.

Only the figures the platform gives are shown (``Tile.needs``: no GMV tile reading ¥0.00 on a
platform without orders); viewers' money besides orders — gift value, paid messages (醒目留言)
— has tiles of its own. Money is in its own currency: order figures (GMV, UV 价值, 客单价) in
the room's (a Shopify shop's ``$``), gift value and paid messages in that of the viewers' events
(a Bilibili chat's ``¥`` next to a USD shop); the two are never added up. It samples the room once a second (:class:`~app.live.metrics.MetricsTracker`), evaluates the alert
rules on that history, and shows the figures; values between samples refresh at most 4× a second.
In a room made of two sources (app/platform/composite.py) the 转化率 tile says what it divides
— buyers from the shop by viewers from the chat platform — and it and UV 价值 are shown only when
the chat platform counts viewers. The 互动率 tile is the interaction rate of the last minute (app/live/interaction.py). The alert
thresholds are the settings' ``alerts`` section, read again at each sample: an edit in the
提醒与评分设置 dialog (ui/alert_settings.py) applies at the next second, no restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from app.aio import spawn
from app.format import money
from app.listeners import Listeners
from app.live.alerts import Alert, AlertBook, AlertConfig, config_from
from app.live.metrics import MetricsHistory, MetricsTracker, Sample, format_percent
from app.live.room import BAG, METRICS, SESSION, LiveRoom
from app.platform.capabilities import Capability
from app.platform.composite import COMMERCE_SIDE, INTERACTION_SIDE, CompositeAdapter
from app.settings import AlertSettings
from ui import theme
from ui.i18n import tr
from ui.lifetime import unsubscribe_on_destroy
from ui.metrics.alerts_strip import AlertsStrip
from ui.metrics.sparkline import Sparkline

if TYPE_CHECKING:
    from ui.context import ConsoleContext

log = logging.getLogger(__name__)
TREND_SECONDS = 600.0
TILE_MIN_WIDTH = 124  # px per tile column: the dock shows 2 to 4 columns as its width allows
MAX_COLUMNS = 4


@dataclass(frozen=True)
class Tile:
    key: str
    label: str  # Chinese source text
    text: Callable[[Sample, MetricsTracker], str]
    trend: Callable[[MetricsHistory], list[tuple[float, float]]]
    colour: str = "#1e88e5"
    #: what the platform must offer for this figure to mean anything (else the tile is left out)
    needs: Capability | None = None
    #: a second capability the figure needs (the viewers a per-viewer figure divides by)
    also: Capability | None = None


def _series(
    value: Callable[[Sample], float],
) -> Callable[[MetricsHistory], list[tuple[float, float]]]:
    return lambda h: h.series(value, TREND_SECONDS)


TILES: tuple[Tile, ...] = (
    Tile(
        "online",
        "在线人数",
        lambda s, t: f"{s.online:,}",
        _series(lambda s: s.online),
        needs=Capability.VIEWERS,
    ),
    Tile(
        "uv",
        "累计观看",
        lambda s, t: f"{s.uv:,}",
        _series(lambda s: s.uv),
        needs=Capability.VIEWERS,
    ),
    Tile(
        "comments_per_min",
        "评论/分钟",
        lambda s, t: f"{t.comments_per_min():.0f}",
        lambda h: h.rates(lambda s: s.comments, TREND_SECONDS),
        "#8e24aa",
        Capability.COMMENTS,
    ),
    Tile(
        "interaction",
        "互动率",
        lambda s, t: f"{t.interaction_rate():.2f}",
        lambda h: h.interaction_rates(TREND_SECONDS),
        "#6a1b9a",
        Capability.VIEWERS,
    ),
    Tile(
        "likes",
        "点赞",
        lambda s, t: f"{s.likes:,}",
        _series(lambda s: s.likes),
        "#d81b60",
        Capability.LIKES,
    ),
    Tile(
        "new_followers",
        "新增关注",
        lambda s, t: f"{s.new_followers:,}",
        _series(lambda s: s.new_followers),
        "#d81b60",
        Capability.FOLLOWS,
    ),
    Tile(
        "gift_value",
        "礼物价值",
        lambda s, t: money(s.gift_value_cents, s.gift_currency),
        _series(lambda s: s.gift_value_cents),
        "#c2185b",
        Capability.GIFTS,
    ),
    Tile(
        "paid_messages",
        "醒目留言",
        lambda s, t: f"{s.paid_messages:,} · {money(s.paid_message_cents, s.gift_currency)}",
        _series(lambda s: s.paid_message_cents),
        "#c2185b",
        Capability.PAID_MESSAGES,
    ),
    Tile(
        "orders",
        "订单数",
        lambda s, t: f"{s.orders:,}",
        _series(lambda s: s.orders),
        "#ef6c00",
        Capability.ORDERS,
    ),
    Tile(
        "gmv",
        "GMV",
        lambda s, t: money(s.gmv_cents, s.currency),
        _series(lambda s: s.gmv_cents),
        "#2e7d32",
        Capability.ORDERS,
    ),
    Tile(
        "paid_gmv",
        "支付 GMV",
        lambda s, t: money(s.paid_gmv_cents, s.currency),
        _series(lambda s: s.paid_gmv_cents),
        "#2e7d32",
        Capability.ORDERS,
    ),
    Tile(
        "conversion",
        "转化率",
        lambda s, t: format_percent(s.conversion),
        _series(lambda s: s.conversion),
        "#00897b",
        Capability.ORDERS,
        Capability.VIEWERS,
    ),
    Tile(
        "uv_value",
        "UV 价值",
        lambda s, t: money(s.uv_value_cents, s.currency),
        _series(lambda s: s.uv_value_cents),
        "#00897b",
        Capability.ORDERS,
        Capability.VIEWERS,
    ),
    Tile(
        "avg_order",
        "客单价",
        lambda s, t: money(s.avg_order_cents, s.currency),
        _series(lambda s: s.avg_order_cents),
        "#00897b",
        Capability.ORDERS,
    ),
)


class MetricsPanel(QWidget):
    def __init__(
        self,
        room: LiveRoom,
        *,
        alert_config: AlertConfig | None = None,
        alert_settings: Callable[[], AlertSettings] | None = None,
        dropped_frames_ratio: Callable[[], float | None] = lambda: None,
        sample_ms: int = 1000,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.room = room
        self.tracker = MetricsTracker(room)
        self.alerts = AlertBook(alert_config)
        #: where the thresholds come from (the console's settings), re-read at each sample
        self.alert_settings = alert_settings
        self._applied: AlertSettings | None = None
        self.dropped_frames_ratio = dropped_frames_ratio  # hook: OBS stats, when connected
        self.strip = AlertsStrip(self.dismiss, self)
        #: ``("fired" | "dismissed", alert)``: an alert as the operator sees it come and go (drills)
        self.alert_events = Listeners[[str, Alert]]("metrics alert listener")
        self.values: dict[str, QLabel] = {}
        self.trends: dict[str, Sparkline] = {}
        grid_host = QWidget(self)
        self._grid = QGridLayout(grid_host)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(4)
        #: the figures this platform gives (a platform without orders shows no GMV of 0)
        self.tiles = tuple(
            t
            for t in TILES
            if (t.needs is None or room.can(t.needs)) and (t.also is None or room.can(t.also))
        )
        self._boxes = [self._tile(tile, grid_host) for tile in self.tiles]
        self.columns = 0
        self._flow(2)
        scroll = QScrollArea(self)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(grid_host)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.strip)
        layout.addWidget(scroll, 1)

        self._dirty = True
        self._unsub = room.subscribe(self._changed)
        unsubscribe_on_destroy(self, self._unsub)
        self._sampler = QTimer(self)
        self._sampler.setInterval(sample_ms)
        self._sampler.timeout.connect(self.sample)
        self._sampler.start()
        self._refresher = QTimer(self)
        self._refresher.setInterval(250)
        self._refresher.timeout.connect(self._refresh_if_dirty)
        self._refresher.start()
        self._backfilled_session: str | None = None
        self._changed(frozenset({SESSION}))
        self.sample()

    def _flow(self, columns: int) -> None:
        """Lay the tiles out in ``columns`` columns (more as the dock gets wider)."""
        if columns == self.columns:
            return
        self.columns = columns
        for box in self._boxes:
            self._grid.removeWidget(box)
        for i, box in enumerate(self._boxes):
            self._grid.addWidget(box, i // columns, i % columns)
        for c in range(MAX_COLUMNS):
            self._grid.setColumnStretch(c, 1 if c < columns else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._flow(max(2, min(MAX_COLUMNS, event.size().width() // TILE_MIN_WIDTH)))

    def _tile(self, tile: Tile, parent: QWidget) -> QFrame:
        box = QFrame(parent)
        box.setObjectName(f"metric:{tile.key}")
        box.setFrameShape(QFrame.Shape.StyledPanel)
        box.setMinimumWidth(TILE_MIN_WIDTH - 8)
        title = QLabel(tr(tile.label), box)
        title.setObjectName(f"metricTitle:{tile.key}")
        adapter = self.room.adapter
        if tile.key == "conversion" and isinstance(adapter, CompositeAdapter):
            # two sources: say what is divided by what
            title.setText(tr("转化率（买家/聊天观众）"))
            title.setToolTip(
                tr("买家来自{shop}，观众来自{chat}").format(
                    shop=adapter.source_name(COMMERCE_SIDE),
                    chat=adapter.source_name(INTERACTION_SIDE),
                )
            )
        title.setStyleSheet(f"color: {theme.MUTED}; font-size: 9pt;")
        value = QLabel("—", box)
        value.setObjectName(f"metricValue:{tile.key}")
        value.setTextFormat(Qt.TextFormat.PlainText)
        value.setStyleSheet("font-size: 14pt; font-weight: 600;")
        trend = Sparkline(box, colour=tile.colour)
        trend.span = TREND_SECONDS
        lay = QVBoxLayout(box)
        lay.setContentsMargins(6, 2, 6, 2)
        lay.setSpacing(0)
        lay.addWidget(title)
        lay.addWidget(value)
        lay.addWidget(trend)
        self.values[tile.key] = value
        self.trends[tile.key] = trend
        return box

    # --- updates -----------------------------------------------------------------------------
    def _changed(self, changes: frozenset[str]) -> None:
        if METRICS in changes or BAG in changes:
            self._dirty = True
        if SESSION in changes and self.room.session is not None:
            sid = self.room.session.id
            if sid != self._backfilled_session and self.room.session.status == "live":
                self._backfilled_session = sid
                try:
                    asyncio.get_running_loop()
                except RuntimeError:
                    return  # no loop (a bare widget in a unit test): counts start from here
                spawn(self._backfill(), name="metrics:buyers-backfill")

    async def _backfill(self) -> None:
        try:
            await self.tracker.backfill()
        except Exception as exc:  # figures stay right from here on; say so in the log only
            log.warning("buyer backfill failed: %s", exc)
        self._dirty = True

    def _refresh_if_dirty(self) -> None:
        if self._dirty:
            self._dirty = False
            self.show_values(self.tracker.current())

    def show_values(self, s: Sample) -> None:
        for tile in self.tiles:
            self.values[tile.key].setText(tile.text(s, self.tracker))

    def sample(self) -> None:
        """One 1 Hz step: record the counters, re-draw the trends, re-check the alert rules."""
        s = self.tracker.tick()
        self.show_values(s)
        history = self.tracker.history
        for tile in self.tiles:
            self.trends[tile.key].set_points(tile.trend(history))
        self._apply_settings()
        session = self.room.session
        fired, _cleared = self.alerts.update(
            history,
            self.room.bag,
            dropped_frames_ratio=self.dropped_frames_ratio(),
            now=s.ts,
            live=session is not None and session.status == "live",
        )
        self.strip.show_alerts(self.alerts.visible)
        for alert in fired:
            self.alert_events.emit("fired", alert)

    def _apply_settings(self) -> None:
        """New thresholds from the settings (an edit, no restart): alerts judged from now on."""
        if self.alert_settings is None:
            return
        current = self.alert_settings()
        if current is not self._applied:
            self._applied = current
            self.alerts.config = config_from(current, self.alerts.config.stock_thresholds)

    def dismiss(self, key: str) -> None:
        alert = self.alerts.active.get(key)
        self.alerts.dismiss(key)
        if alert is not None:
            self.alert_events.emit("dismissed", alert)
        self.strip.show_alerts(self.alerts.visible)


def make(ctx: ConsoleContext) -> MetricsPanel:
    """The 实时数据 dock (ui/panels.py): OBS's dropped frames join the figures when OBS is on."""
    obs = ctx.obs
    return MetricsPanel(
        ctx.room,
        alert_settings=lambda: ctx.settings.alerts,
        dropped_frames_ratio=obs.dropped_ratio if obs is not None else lambda: None,
    )
