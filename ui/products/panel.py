"""The product queue dock (排品): the bag in order; explain, next/previous, hold, list/delist,
edit, drag or paste to reorder. Every action goes to the platform; the list re-renders from the
room when the platform's events come back.

Stage tools and safety nets:
- every row has a 讲解 button (painted by the delegate; Space still explains the selected row);
- 下一个/上一个 pass over sold-out products and say which (「已跳过售罄：…」), or warn when only
  sold-out ones are left;
- a risky price asks first (the editor, app/live/price_guard.py); every price/stock edit made
  here can be undone for 10 s from the toast or with ``product.undo_edit`` (Ctrl+Z). The undo
  sends the previous values through the same update path and is refused, with the reason, when
  someone changed the product meanwhile.

The explain hold is the console's (ui/context.py), shared with the stage: the panel starts and
releases it and listens to it while it lives; the window closes it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.aio import spawn
from app.compliance import Clearances, check_many
from app.format import money
from app.live.hold import ExplainHold
from app.live.price_guard import (
    DEFAULT_MAX_DROP_PERCENT,
    UNDO_SECONDS,
    ProductEdit,
    UndoLog,
    UndoRefused,
    undo_patch,
)
from app.live.queue import RunOrderError, move, parse_run_order, reorder, run_order, step_in_stock
from app.live.room import BAG, EXPLAINING, FLASH_SALES, OPERATOR, LiveRoom
from app.platform import models as m
from app.platform.errors import PlatformError, StaleVersionError
from ui.coalesce import Coalescer
from ui.compliance_dialog import confirm_push
from ui.i18n import localize, tr
from ui.notify import Notifier
from ui.products.delegate import QueueDelegate
from ui.products.editor import ProductEditor
from ui.products.images import ImageCache
from ui.products.model import QueueModel
from ui.shortcuts import ActionSpec, ShortcutRegistry
from ui.theme import DANGER, text_style
from ui.undo_bar import UndoBar

if TYPE_CHECKING:
    from ui.context import ConsoleContext

GROUP = "排品"
#: the queue's keys; all but Space (scoped to the queue itself) work window-wide, and on a
#: platform without a catalogue they only say why (ui/panels.py lists them)
SHORTCUTS: dict[str, ActionSpec] = {
    "explain": ActionSpec("product.explain_selected", "讲解选中商品", "Space", GROUP),
    "prev": ActionSpec("product.prev", "上一个商品", "Ctrl+Left", GROUP),
    "next": ActionSpec("product.next", "下一个商品", "Ctrl+Right", GROUP),
    "stop": ActionSpec("product.stop", "停止讲解", "Ctrl+Down", GROUP),
    "hold": ActionSpec("product.hold", "保持讲解卡片", "Ctrl+H", GROUP),
    "listed": ActionSpec("product.toggle_listed", "上架/下架", "Ctrl+L", GROUP),
    "edit": ActionSpec("product.edit", "改价/改库存", "F2", GROUP),
    "up": ActionSpec("product.move_up", "上移", "Alt+Up", GROUP),
    "down": ActionSpec("product.move_down", "下移", "Alt+Down", GROUP),
    "undo": ActionSpec("product.undo_edit", "撤销改价/改库存", "Ctrl+Z", GROUP),
}
WINDOW_KEYS = tuple(spec for key, spec in SHORTCUTS.items() if key != "explain")
#: the queue redraws stock and sales at most this often while orders pour in (explains: at once)
REFRESH_MS = 250


class ProductQueuePanel(QWidget):
    def __init__(
        self,
        room: LiveRoom,
        notifier: Notifier,
        shortcuts: ShortcutRegistry,
        hold: ExplainHold,
        *,
        max_drop_percent: int = DEFAULT_MAX_DROP_PERCENT,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("productQueue")
        self.room = room
        self.notifier = notifier
        self.confirm: Callable[..., bool] = confirm_push
        self.clearances = Clearances()  # 仍要讲解 answers, per session and product
        self.tasks: list[asyncio.Task[Any]] = []  # the latest actions (tests await them)
        #: the console's explain hold (ui/context.py owns it, the stage shows it): never closed here
        self.hold = hold
        self.images = ImageCache(getattr(room.adapter, "base_url", None), parent=self)
        self.model = QueueModel(self.images, self)
        self.model.move_requested.connect(self.request_move)
        self.max_drop_percent = max_drop_percent
        #: the price this console first saw for each product (the show's starting price)
        self.start_prices: dict[str, int] = {}
        self.undo_log = UndoLog()

        self.view = self._build_view()
        self.acts = self._register_keys(shortcuts)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self._build_buttons())
        layout.addWidget(self.view, 1)
        layout.addLayout(self._build_run_order())
        layout.addWidget(self.paste_error)
        self.toast = UndoBar(self, UNDO_SECONDS)  # floats over the list: moves no row
        self._listen()
        self.refresh()

    # --- layout ------------------------------------------------------------------------------
    def _build_view(self) -> QListView:
        """The queue: one row per product, dragged to reorder when this role may act."""
        room = self.room
        self.view = QListView(self)
        self.view.setObjectName("queueView")
        self.view.setModel(self.model)
        self.delegate = QueueDelegate(self.view, explain_button=room.can_act)
        self.delegate.explain_clicked.connect(self.explain)
        self.view.setItemDelegate(self.delegate)
        self.view.setUniformItemSizes(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        if room.can_act:
            self.view.setDragEnabled(True)
            self.view.setAcceptDrops(True)
            self.view.setDropIndicatorShown(True)
            self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
            self.view.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.view.doubleClicked.connect(lambda _i: self._edit())
        return self.view

    def _register_keys(self, shortcuts: ShortcutRegistry) -> dict[str, QAction]:
        """The queue's actions, each with its key in the console's one shortcut registry."""
        act = self.room.can_act
        reg = shortcuts.register
        acts: dict[str, QAction] = {
            "explain": reg(
                SHORTCUTS["explain"],
                self.explain_selected,
                enabled=act,
                scope=self.view,  # Space only from the queue: not from the comments or a field
            ),
            "prev": reg(SHORTCUTS["prev"], self.prev, enabled=act),
            "next": reg(
                SHORTCUTS["next"],
                self.next,
                enabled=act,
            ),
            "stop": reg(
                SHORTCUTS["stop"],
                self.stop_explaining,
                enabled=act,
            ),
            "hold": reg(
                SHORTCUTS["hold"],
                self.toggle_hold,
                enabled=act,
            ),
            "listed": reg(
                SHORTCUTS["listed"],
                self.toggle_listed,
                enabled=act,
            ),
            "edit": reg(
                SHORTCUTS["edit"],
                self._edit,
                enabled=act,
            ),
            "up": reg(
                SHORTCUTS["up"],
                lambda: self.move_selected(-1),
                enabled=act,
            ),
            "down": reg(
                SHORTCUTS["down"],
                lambda: self.move_selected(+1),
                enabled=act,
            ),
            "undo": reg(
                SHORTCUTS["undo"],
                self.undo_last_edit,
                enabled=act,
            ),
        }
        acts["hold"].setCheckable(True)
        return acts

    def _build_buttons(self) -> QVBoxLayout:
        """Two rows of buttons for the actions."""
        # two rows, so the queue stays narrow enough to leave the stage room: what goes on air
        # first (explain, stop, hold), then moving through and editing the bag
        bar = QVBoxLayout()
        bar.setSpacing(4)
        self.buttons: dict[str, QToolButton] = {}
        for keys in (("explain", "stop", "hold"), ("prev", "next", "listed", "edit")):
            row = QHBoxLayout()
            row.setSpacing(4)
            for key in keys:
                button = QToolButton(self)
                button.setObjectName(f"queue_{key}")  # the theme makes "explain" the primary one
                button.setDefaultAction(self.acts[key])
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
                button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
                row.addWidget(button, 2 if key == "explain" else 1)
                self.buttons[key] = button
            bar.addLayout(row)
        return bar

    def _build_run_order(self) -> QHBoxLayout:
        """The pasted run order (1,4,7 or product ids) and its error line."""
        act = self.room.can_act
        self.paste = QLineEdit(self)
        self.paste.setObjectName("runOrderEdit")
        self.paste.setPlaceholderText(tr("粘贴排品顺序，如 1,4,7 或商品 ID（其余保持原顺序）"))
        self.paste.returnPressed.connect(self.apply_run_order)
        self.paste.setEnabled(act)
        apply = QPushButton(tr("重排"), self)
        apply.setObjectName("runOrderApply")
        apply.clicked.connect(self.apply_run_order)
        apply.setEnabled(act)
        self.paste_error = QLabel(self)
        self.paste_error.setObjectName("runOrderError")
        self.paste_error.setTextFormat(Qt.TextFormat.PlainText)
        self.paste_error.setStyleSheet(text_style(DANGER))
        self.paste_error.setWordWrap(True)
        self.paste_error.hide()
        paste_row = QHBoxLayout()
        paste_row.addWidget(self.paste, 1)
        paste_row.addWidget(apply)
        return paste_row

    def _listen(self) -> None:
        """Follow the room and the hold until Qt destroys the panel."""
        room = self.room
        # stock ticks (every order) redraw the queue a few times a second, not per batch
        self._refresher = Coalescer(self.refresh, REFRESH_MS, self)
        unsub = room.subscribe(self._changed)
        hold = self.hold
        unsub_hold = hold.subscribe(lambda _pid: self.refresh())

        def _gone(*_: object) -> None:  # never touch the deleted widget, only what it held
            unsub()
            unsub_hold()

        self.destroyed.connect(_gone)

    # --- rendering -----------------------------------------------------------------------------
    def _changed(self, changes: frozenset[str]) -> None:
        if EXPLAINING in changes or (OPERATOR in changes and changes & {BAG, FLASH_SALES}):
            # an explain, or a reorder / price edit made by this console or a teammate: a person
            # is waiting to see it, so at once; stock ticks from orders are coalesced
            self._refresher.now()
        elif changes & {BAG, FLASH_SALES}:
            self._refresher.request()

    def refresh(self) -> None:
        room = self.room
        flash = {
            fs.product_id: fs.price_cents
            for fs in room.flash_sales.values()
            if fs.status == "active"
        }
        explaining = room.explaining.product_id if room.explaining else None
        bag = room.bag
        for p in bag:
            self.start_prices.setdefault(p.id, p.price_cents)
        self.model.set_rows(bag, explaining, self.hold.product_id, flash, self.room.currency)
        self._prefetch(bag)
        try:
            self.acts["hold"].setChecked(self.hold.active)
            self.acts["stop"].setEnabled(room.can_act and explaining is not None)
        except RuntimeError:  # the window (which owns the actions) is being torn down
            return

    def _prefetch(self, bag: list[m.Product] | None = None) -> None:
        """Every product's picture, not only the rows on screen: a row scrolled to later (the
        first explain of a product further down) has its picture at once. Only while the
        queue is shown: a hidden queue starts no downloads."""
        if self.isVisible():
            self.images.prefetch(p.image_url for p in (self.room.bag if bag is None else bag))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._prefetch()

    # --- selection -----------------------------------------------------------------------------
    def selected_id(self) -> str | None:
        idx = self.view.currentIndex()
        if not idx.isValid():
            return None
        return self.model.row(idx.row()).product.id

    def select(self, product_id: str) -> None:
        row = self.model.row_of(product_id)
        if row >= 0:
            self.view.selectionModel().setCurrentIndex(
                self.model.index(row),
                QItemSelectionModel.SelectionFlag.ClearAndSelect,
            )

    def _selected_product(self) -> m.Product | None:
        pid = self.selected_id()
        if pid is None:
            self.notifier.warning(tr("请先在排品列表中选中一个商品"))
            return None
        return self.room.product(pid)

    # --- explain -------------------------------------------------------------------------------
    def _run(self, what: str, coro: Coroutine[Any, Any, Any], done: str | None = None) -> None:
        """Through the window's one runner (:meth:`ui.notify.Notifier.run`), task remembered."""
        self._track(self.notifier.run(what, coro, done=done))

    def _track(self, task: asyncio.Task[Any]) -> None:
        self.tasks = [t for t in self.tasks if not t.done()] + [task]

    def cleared_for_push(self, product: m.Product) -> bool:
        """Compliance: True if the title and selling points are clean or the operator confirms.

        The operator is asked once per product and live session: after 仍要讲解 the product
        goes on air again without a question until the session ends (the stage keeps showing
        the hits)."""
        hits = check_many([product.title, *product.selling_points])
        if not hits:
            return True
        session_id = self.room.session.id if self.room.session is not None else ""
        if self.clearances.cleared(session_id, product.id, hits):
            return True
        ok = bool(
            self.confirm(
                self,
                hits,
                what=tr("商品「{title}」").format(title=product.title),
                action=tr("仍要讲解"),
            )
        )
        if not ok:
            self.notifier.warning(tr("已取消讲解：{title}").format(title=product.title))
            return False
        self.clearances.remember(session_id, product.id, hits)
        return True

    def explain(self, product_id: str) -> None:
        product = self.room.product(product_id)
        if product is None or not self.cleared_for_push(product):
            return
        if self.hold.active and self.hold.product_id != product_id:
            self.hold.release()
        self.select(product_id)
        self._run(
            tr("讲解"),
            self.room.explain(product_id),
            tr("正在讲解：{title}").format(title=product.title),
        )

    def explain_selected(self) -> None:
        product = self._selected_product()
        if product is not None:
            self.explain(product.id)

    def _step(self, direction: int) -> None:
        room = self.room
        current = room.explaining.product_id if room.explaining else self.selected_id()
        target, skipped = step_in_stock(room.product_ids, room.products, current, direction)
        titles = "、".join(room.products[pid].title for pid in skipped)
        if target is None:
            if skipped:
                self.notifier.warning(
                    (
                        tr("后面的商品都已售罄：{titles}")
                        if direction > 0
                        else tr("前面的商品都已售罄：{titles}")
                    ).format(titles=titles)
                )
            else:
                self.notifier.warning(
                    tr("已经是最后一个商品") if direction > 0 else tr("已经是第一个商品")
                )
            return
        if skipped:
            self.notifier.warning(tr("已跳过售罄：{titles}").format(titles=titles))
        self.explain(target)

    def next(self) -> None:
        self._step(+1)

    def prev(self) -> None:
        self._step(-1)

    def stop_explaining(self) -> None:
        if self.room.explaining is None:
            return
        self._run(tr("停止讲解"), self.hold.stop_explain(self.room.explaining.product_id))

    def toggle_hold(self) -> None:
        if self.hold.active:
            self.hold.release()
            self.notifier.info(tr("已取消保持"))
            return
        pid = self.room.explaining.product_id if self.room.explaining else self.selected_id()
        product = self.room.product(pid) if pid else None
        if product is None:
            self.refresh()
            self.notifier.warning(tr("请先讲解或选中一个商品"))
            return
        explained = self.room.explaining is not None and self.room.explaining.product_id == pid
        if not explained and not self.cleared_for_push(product):
            self.refresh()
            return
        self.hold.hold(product.id)
        self.notifier.info(tr("保持讲解卡片：{title}").format(title=product.title))

    # --- product edits -------------------------------------------------------------------------
    def toggle_listed(self) -> None:
        product = self._selected_product()
        if product is None:
            return
        listed = not product.listed
        self._run(
            tr("上架") if listed else tr("下架"),
            self.room.update_product(product.id, listed=listed),
            (tr("已上架：{title}") if listed else tr("已下架：{title}")).format(
                title=product.title
            ),
        )

    def _edit(self) -> None:
        self.edit_selected()

    def edit_selected(self) -> ProductEditor | None:
        product = self._selected_product()
        if product is None or not self.room.can_act:
            return None
        editor = ProductEditor(
            self.room,
            product,
            self,
            max_drop_percent=self.max_drop_percent,
            start_cents=self.start_prices.get(product.id),
        )
        editor.saved.connect(lambda _pid: self.notifier.info(tr("已保存价格和库存")))
        editor.edited.connect(self.edited)
        editor.finished.connect(editor.deleteLater)
        editor.open()
        return editor

    # --- undo -----------------------------------------------------------------------------------
    def edited(self, edit: ProductEdit) -> None:
        """A price/stock edit of this console went through: offer to undo it for a while."""
        self.undo_log.record(edit)
        key = self.acts["undo"].shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        self.toast.offer(edit.summary(), self.undo_last_edit, key=key)

    def undo_last_edit(self) -> None:
        """Put back the values from before this console's last edit (within the undo window)."""
        edit = self.undo_log.take()
        self.toast.withdraw()
        if edit is None:
            self.notifier.info(tr("没有可撤销的改价/改库存（只能撤销本机 10 秒内的修改）"))
            return
        try:
            patch = undo_patch(edit, self.room.product(edit.product_id))
        except UndoRefused as exc:
            self.notifier.error(tr("撤销失败：{reason}").format(reason=str(exc)))
            return
        b, a = edit.before, edit.after
        parts = []
        if "price_cents" in patch:
            cur = self.room.currency
            parts.append(f"{money(a.price_cents, cur)} → {money(b.price_cents, cur)}")
        if "stock" in patch:
            parts.append(tr("库存 {old} → {new}").format(old=a.stock, new=patch["stock"]))
        self._run(
            tr("撤销"),
            self.room.update_product(
                edit.product_id, price_cents=patch.get("price_cents"), stock=patch.get("stock")
            ),
            tr("已撤销：{title} {change}").format(title=a.title, change="，".join(parts)),
        )

    # --- reorder ---------------------------------------------------------------------------------
    def request_move(self, product_id: str, to_index: int) -> None:
        """A drag (or Alt+Up/Down) asked for ``product_id`` to end at ``to_index``."""
        ids = list(self.room.product_ids)
        if product_id not in ids:
            return
        _order, mv = move(ids, product_id, to_index)
        self._reorder(tr("调整排品顺序"), mv.apply)

    def move_selected(self, delta: int) -> None:
        pid = self.selected_id()
        if pid is None:
            return
        pos = self.room.product_ids.index(pid) + delta
        if 0 <= pos < len(self.room.product_ids):
            self.request_move(pid, pos)

    def apply_run_order(self) -> None:
        text = self.paste.text()
        try:
            chosen = parse_run_order(text, self.room.product_ids)
        except RunOrderError as exc:
            self.paste_error.setText(tr("排品顺序有误：{reason}").format(reason=str(exc)))
            self.paste_error.show()
            return
        self.paste_error.hide()
        self.paste.clear()
        self._reorder(tr("按顺序重排"), lambda ids: run_order(ids, chosen))

    def _reorder(self, what: str, build: Callable[[list[str]], list[str]]) -> None:
        async def go() -> None:
            try:
                result = await reorder(self.room, build)
            except StaleVersionError:
                self.notifier.error(
                    tr("{what}失败：排品正被其他控制台连续修改，请稍后再试").format(what=what)
                )
                return
            except PlatformError as exc:
                self.notifier.error(
                    tr("{what}失败：{reason}").format(what=what, reason=localize(exc.message))
                )
                return
            if result.resolved_conflict:
                self.notifier.warning(
                    tr(
                        "另一台控制台刚刚也调整了排品：已在最新顺序上重新应用你的调整，两边的改动都保留"
                    )
                )
            else:
                self.notifier.info(tr("排品顺序已更新"))

        self._track(spawn(go(), name=f"product:{what}"))


def make(ctx: ConsoleContext) -> ProductQueuePanel:
    """The 排品 dock (ui/panels.py): the console's hold, shown on the window's stage."""
    return ProductQueuePanel(
        ctx.room,
        ctx.notifier,
        ctx.shortcuts,
        ctx.hold,
        max_drop_percent=ctx.settings.ui.price_drop_confirm_percent,
    )
