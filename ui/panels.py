"""The console's panel registry: every dock of the main window as one row of data — its id, its
title, its default place — and the ``make(ctx)`` beside the panel that builds it from the console's
context (ui/context.py). The main window creates the docks in this order, tabs them as
:data:`TABBED` says and remembers the layout by the ids.

Guarantees: ids are unique and stable (a saved layout finds its docks by them; change
:data:`LAYOUT_VERSION` when a row or a tab group changes, and older saved layouts are ignored);
titles are Chinese source text, translated where the dock is made. A panel that needs
capabilities the connected platform lacks (``needs``) is built as the calm
:class:`ui.capability.Unavailable` note saying why (:func:`build`), never as controls that fail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from app.platform.capabilities import Capability
from ui.capability import Unavailable, explain_key, missing
from ui.chat import panel as chat
from ui.context import ConsoleContext
from ui.marketing import coupons, flash_sale, lottery, quiz, red_envelope
from ui.metrics import panel as metrics
from ui.obs import dock as obs
from ui.orders import panel as orders
from ui.products import panel as products
from ui.replay import sessions as replay
from ui.shortcuts import ActionSpec
from ui.team import panel as team

LAYOUT_VERSION = 5  # bump when PANELS/TABBED change: older saved layouts are then ignored


@dataclass(frozen=True)
class PanelSpec:
    key: str  # objectName of the dock is f"dock:{key}"; the layout is remembered by it
    title: str  # Chinese source text (tr at the dock)
    make: Callable[[ConsoleContext], QWidget]
    area: Qt.DockWidgetArea
    scroll: bool = False  # a form that may be taller than its dock: scroll instead of growing
    #: what the platform must offer for this panel to work; lacking any → the Unavailable note
    needs: tuple[Capability, ...] = ()
    #: the window-wide keys the panel registers: with the note instead, they only say why
    keys: tuple[ActionSpec, ...] = ()


L = Qt.DockWidgetArea.LeftDockWidgetArea
R = Qt.DockWidgetArea.RightDockWidgetArea
B = Qt.DockWidgetArea.BottomDockWidgetArea
C = Capability

# Panels, in the order their docks are created.
PANELS: list[PanelSpec] = [
    PanelSpec("comments", "评论", chat.make, R),
    PanelSpec(
        "products", "排品", products.make, L, needs=(C.CATALOGUE,), keys=products.WINDOW_KEYS
    ),
    PanelSpec("obs", "OBS", obs.make, L, scroll=True),
    PanelSpec("metrics", "实时数据", metrics.make, R),
    PanelSpec("orders", "订单", orders.make, B, needs=(C.ORDERS,)),
    PanelSpec(
        "coupons",
        "优惠券",
        coupons.make,
        B,
        scroll=True,
        needs=(C.COUPONS,),
        keys=(coupons.ISSUE, coupons.END),
    ),
    PanelSpec(
        "flash_sale",
        "秒杀",
        flash_sale.make,
        B,
        scroll=True,
        needs=(C.FLASH_SALES, C.CATALOGUE),
        keys=(flash_sale.START,),
    ),
    PanelSpec(
        "lottery",
        "福袋抽奖",
        lottery.make,
        B,
        scroll=True,
        needs=(C.COMMENTS,),  # the platform's lotteries, else the console's own among commenters
        keys=(lottery.START, lottery.DRAW),
    ),
    PanelSpec(
        "quiz",
        "答题",
        quiz.make,
        B,
        scroll=True,
        needs=(C.COMMENTS,),  # LiveDesk's own game: answers are comments, on any platform
        keys=(quiz.START_OR_REVEAL,),
    ),
    PanelSpec(
        "red_envelope",
        "红包雨",
        red_envelope.make,
        B,
        scroll=True,
        needs=(C.RED_ENVELOPES,),
        keys=(red_envelope.START,),
    ),
    PanelSpec("replay", "复盘", replay.make, B),
    PanelSpec("team", "团队", team.make, B),
]

# Docks that share one place by default, the first one in front: the streamer keeps the product
# queue in view (scenes switch by Alt+1…9 anyway), the assistant flips between orders and replays.
TABBED: list[tuple[str, ...]] = [
    ("products", "obs"),
    ("orders", "replay", "team"),
    ("coupons", "flash_sale", "lottery", "quiz", "red_envelope"),
]


def spec(key: str) -> PanelSpec:
    """The registry's row for ``key`` (KeyError for an unknown id)."""
    for row in PANELS:
        if row.key == key:
            return row
    raise KeyError(key)


def build(row: PanelSpec, ctx: ConsoleContext) -> QWidget:
    """The panel of ``row`` for this console: made by its ``make(ctx)``, or, when the platform
    lacks what it needs, the :class:`Unavailable` note giving the platform's reasons (and the
    panel's window-wide keys, registered off, only say why)."""
    lacking = missing(ctx.room, row.needs)
    if not lacking:
        return row.make(ctx)
    for key in row.keys:  # listed in 快捷键 as usual, off, and pressed: the reason, nothing else
        action = ctx.shortcuts.register(key, lambda: None, enabled=False)
        explain_key(ctx.room, ctx.notifier, action, lacking[0], ctx.window)
    return Unavailable(ctx.room, lacking, row.title)
