"""A chat list that follows new lines, pauses while the operator reads, and offers "N new".

A selected line holds the list still (the operator is about to pin, reply or mute it): that pause
is stated, not silent — :attr:`ChatView.pause_changed` tells the panel, which shows
「已暂停滚动 · 有 N 条新评论」 with 「回到最新」; clearing the selection (Esc, or that button)
follows again.

A one-column table with fixed-height rows rather than a QListView: QListView lays out every row
again on each insert (two calls into the Python model per row: ~100 ms per flush at 20,000 rows,
which starved the event loop at high comment rates); the table's header keeps row positions in
C++ and a flush costs about the rows on screen (tests/bench/feed_ui.py).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QEnterEvent, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QAbstractSlider,
    QHeaderView,
    QPushButton,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from app.live.room import ChatLine
from ui.chat.model import ChatModel, LineRole
from ui.i18n import tr


class ChatView(QTableView):
    #: emitted when following resumes or pauses (True: following the newest line)
    following_changed = Signal(bool)
    #: the selection pause or its count of new lines changed (see :attr:`paused_by_selection`)
    pause_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # a plain list look: no headers, no grid, whole rows, one row height (the delegate's)
        self.horizontalHeader().hide()
        self.horizontalHeader().setStretchLastSection(True)
        rows = self.verticalHeader()
        rows.hide()
        rows.setMinimumSectionSize(1)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self._hovering = False
        self._scrolled_away = False
        self.new_count = 0
        self._was_following = True
        self._top_before_removal: int | None = None
        self.new_button = QPushButton(self)
        self.new_button.setObjectName("chatNewLines")
        self.new_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.new_button.clicked.connect(self.jump_to_newest)
        self.new_button.hide()
        self.verticalScrollBar().actionTriggered.connect(self._user_scrolled)

    # --- following ---------------------------------------------------------------------------
    @property
    def following(self) -> bool:
        return not (self._hovering or self._scrolled_away or self.selectionModel().hasSelection())

    @property
    def paused_by_selection(self) -> bool:
        """A selected line holds the list still (say so: it looks like a frozen feed)."""
        sel = self.selectionModel()
        return sel is not None and sel.hasSelection()

    def setModel(self, model: ChatModel) -> None:  # type: ignore[override]
        old = self.model()
        if isinstance(old, ChatModel):
            old.flushed.disconnect(self._on_flushed)
            old.rowsAboutToBeRemoved.disconnect(self._rows_leaving)
        # connected before the view's own handlers, which move the scroll position themselves
        model.rowsAboutToBeRemoved.connect(self._rows_leaving)
        super().setModel(model)
        self._fit_rows()
        model.flushed.connect(self._on_flushed)
        model.modelReset.connect(self.jump_to_newest)
        self.selectionModel().selectionChanged.connect(lambda *_: self._update_following())

    def setItemDelegate(self, delegate: QAbstractItemDelegate) -> None:
        super().setItemDelegate(delegate)
        self._fit_rows()

    def _fit_rows(self) -> None:
        """Every row as tall as the delegate's size hint (it is the same for every line)."""
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        height = self.itemDelegate().sizeHint(option, QModelIndex()).height()
        self.verticalHeader().setDefaultSectionSize(max(1, height))

    def current_line(self) -> ChatLine | None:
        idx = self.currentIndex()
        return idx.data(LineRole) if idx.isValid() else None

    def selected_lines(self) -> list[ChatLine]:
        rows = sorted(i.row() for i in self.selectionModel().selectedRows())
        model = self.model()
        return [model.index(r, 0).data(LineRole) for r in rows]

    def _on_flushed(self, inserted: int, removed: int, _ms: float) -> None:
        top, self._top_before_removal = self._top_before_removal, None
        if self.following:
            self.scrollToBottom()
            return
        self.new_count += inserted
        if removed:
            # rows left the top: keep the lines the operator is reading still in place
            bar = self.verticalScrollBar()
            bar.setValue(max(0, (bar.value() if top is None else top) - removed))
        self._show_new_button()
        if inserted:
            self.pause_changed.emit()

    def _rows_leaving(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        if self._top_before_removal is None:
            self._top_before_removal = self.verticalScrollBar().value()  # top row (per item)

    def _show_new_button(self) -> None:
        if self.new_count <= 0 or self.paused_by_selection:
            self.new_button.hide()  # a selection's pause has its own bar (the panel's)
            return
        n = self.new_count
        label = f"{n:,}" if n < 100_000 else "99,999+"
        self.new_button.setText(tr("{n} 条新消息 ↓").format(n=label))
        self.new_button.adjustSize()
        self._place_button()
        self.new_button.show()
        self.new_button.raise_()

    def _place_button(self) -> None:
        vp = self.viewport().geometry()
        b = self.new_button
        b.move(vp.x() + (vp.width() - b.width()) // 2, vp.bottom() - b.height() - 8)

    def jump_to_newest(self) -> None:
        self.clearSelection()
        self._scrolled_away = False
        self.new_count = 0
        self.new_button.hide()
        self.scrollToBottom()
        self._update_following()

    def _user_scrolled(self, action: int) -> None:
        if action == QAbstractSlider.SliderAction.SliderNoAction:
            return
        bar = self.verticalScrollBar()
        # value after the action is applied
        self._scrolled_away = bar.sliderPosition() < bar.maximum()
        if not self._scrolled_away and not self._hovering:
            self.new_count = 0
            self.new_button.hide()
        self._update_following()

    def _update_following(self) -> None:
        now = self.following
        if now != self._was_following:
            self._was_following = now
            if now:
                self.jump_to_newest() if self.new_count else self.scrollToBottom()
            self.following_changed.emit(now)
        self._show_new_button()
        self.pause_changed.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.paused_by_selection:
            self.jump_to_newest()  # Esc: let go of the line, follow again
            return
        super().keyPressEvent(event)

    # --- Qt events ---------------------------------------------------------------------------
    def enterEvent(self, event: QEnterEvent) -> None:
        self._hovering = True
        self._update_following()
        super().enterEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._hovering = False
        self._update_following()
        super().leaveEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_rows()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_button()
