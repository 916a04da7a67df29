"""A chat list that follows new lines, pauses while the operator reads, and offers "N new"."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QEnterEvent, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QAbstractSlider, QListView, QPushButton, QWidget

from app.live.room import ChatLine
from ui.chat.model import ChatModel, LineRole
from ui.i18n import tr


class ChatView(QListView):
    #: emitted when following resumes or pauses (True: following the newest line)
    following_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setUniformItemSizes(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self._hovering = False
        self._scrolled_away = False
        self.new_count = 0
        self._was_following = True
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

    def setModel(self, model: ChatModel) -> None:  # type: ignore[override]
        old = self.model()
        if isinstance(old, ChatModel):
            old.flushed.disconnect(self._on_flushed)
        super().setModel(model)
        model.flushed.connect(self._on_flushed)
        model.modelReset.connect(self.jump_to_newest)
        self.selectionModel().selectionChanged.connect(lambda *_: self._update_following())

    def current_line(self) -> ChatLine | None:
        idx = self.currentIndex()
        return idx.data(LineRole) if idx.isValid() else None

    def selected_lines(self) -> list[ChatLine]:
        rows = sorted(i.row() for i in self.selectionModel().selectedRows())
        model = self.model()
        return [model.index(r, 0).data(LineRole) for r in rows]

    def _on_flushed(self, inserted: int, removed: int, _ms: float) -> None:
        if self.following:
            self.scrollToBottom()
            return
        self.new_count += inserted
        if removed:
            # rows left the top: keep the lines the operator is reading still in place
            bar = self.verticalScrollBar()
            bar.setValue(max(0, bar.value() - removed))
        self._show_new_button()

    def _show_new_button(self) -> None:
        if self.new_count <= 0:
            self.new_button.hide()
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

    # --- Qt events ---------------------------------------------------------------------------
    def enterEvent(self, event: QEnterEvent) -> None:
        self._hovering = True
        self._update_following()
        super().enterEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._hovering = False
        self._update_following()
        super().leaveEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_button()

    def scroll_row_into_view(self, index: QModelIndex) -> None:
        self.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
