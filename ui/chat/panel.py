"""The comments dock: derived views (all / questions / intent / keyword / fans / gifts), actions."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QPushButton,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from app.live.comment_kinds import Kind
from app.live.room import ChatLine, LiveRoom
from ui.chat.delegate import ChatDelegate
from ui.chat.model import ChatModel
from ui.chat.view import ChatView
from ui.i18n import tr
from ui.lifetime import unsubscribe_on_destroy
from ui.notify import Notifier

VIEWS: tuple[tuple[str, str, Callable[[ChatLine], bool] | None], ...] = (
    ("all", "全部", None),
    ("questions", "提问", lambda line: Kind.QUESTION in line.kind),
    ("intent", "想买", lambda line: Kind.INTENT in line.kind),
    ("fans", "粉丝", lambda line: Kind.FAN in line.kind),
    ("gifts", "礼物", lambda line: Kind.GIFT in line.kind),
    ("keyword", "关键词", None),  # predicate set from the keyword box
)


class ChatPanel(QWidget):
    def __init__(
        self,
        room: LiveRoom,
        notifier: Notifier,
        *,
        capacity: int = 20_000,
        highlight_words: Callable[[], tuple[str, ...]] = lambda: (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.room = room
        self.notifier = notifier
        self.models: dict[str, ChatModel] = {}
        for key, _label, accept in VIEWS:
            model = ChatModel(capacity, accept=accept, parent=self)
            if key == "keyword":
                model.accept = lambda line: False
            self.models[key] = model
        self._unsub = room.subscribe_chat(self._arrived)
        unsubscribe_on_destroy(self, self._unsub)

        self.tabs = QTabBar(self)
        for _key, label, _ in VIEWS:
            self.tabs.addTab(tr(label))
        self.keyword = QLineEdit(self)
        self.keyword.setPlaceholderText(tr("筛选关键词，如 尺码"))
        self.keyword.setClearButtonEnabled(True)
        self.keyword.textChanged.connect(self._keyword_changed)
        self.keyword.hide()

        self.view = ChatView(self)
        self.view.setObjectName("chatView")
        self.view.setItemDelegate(
            ChatDelegate(
                self.view,
                is_hidden=lambda line: (
                    line.id in room.hidden_comment_ids or line.user_id in room.muted_user_ids
                ),
                highlight_words=highlight_words,
            )
        )
        self.view.setModel(self.models["all"])
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        self.tabs.currentChanged.connect(self._tab_changed)

        self.reply = QLineEdit(self)
        self.reply.setPlaceholderText(tr("以主播身份回复…（回车发送）"))
        self.reply.returnPressed.connect(self._send_reply)
        send = QPushButton(tr("发送"), self)
        send.clicked.connect(self._send_reply)
        self.reply.setEnabled(room.can_act)
        send.setEnabled(room.can_act)

        bottom = QHBoxLayout()
        bottom.addWidget(self.reply, 1)
        bottom.addWidget(send)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs)
        layout.addWidget(self.keyword)
        layout.addWidget(self.view, 1)
        layout.addLayout(bottom)

    # --- feeding -----------------------------------------------------------------------------
    def _arrived(self, lines: Sequence[ChatLine]) -> None:
        for model in self.models.values():
            model.add(lines)

    def current_key(self) -> str:
        return VIEWS[self.tabs.currentIndex()][0]

    def _tab_changed(self, index: int) -> None:
        key = VIEWS[index][0]
        self.keyword.setVisible(key == "keyword")
        self.view.setModel(self.models[key])
        self.view.jump_to_newest()

    def _keyword_changed(self, text: str) -> None:
        words = text.strip()
        model = self.models["keyword"]
        model.accept = (lambda line: words in line.text) if words else (lambda line: False)
        model.reset_to(self.room.chat)  # once per edit; arrivals are then filtered at ingest

    # --- actions -----------------------------------------------------------------------------
    def _menu(self, pos: QPoint) -> None:
        line = self.view.current_line()
        lines = self.view.selected_lines() or ([line] if line else [])
        if not lines:
            return
        menu = QMenu(self)
        copy = QAction(tr("复制"), menu)
        copy.triggered.connect(lambda: self.copy(lines))
        menu.addAction(copy)
        first = lines[0]
        is_comment = Kind.GIFT not in first.kind
        for label, slot in (
            (tr("置顶"), lambda: self.pin(first)),
            (tr("隐藏"), lambda: self.hide_line(first)),
            (tr("禁言该用户"), lambda: self.mute(first)),
            (tr("回复"), lambda: self.start_reply(first)),
        ):
            act = QAction(label, menu)
            act.setEnabled(self.room.can_act and is_comment)
            act.triggered.connect(slot)
            menu.addAction(act)
        menu.exec(self.view.viewport().mapToGlobal(pos))

    def copy(self, lines: list[ChatLine]) -> None:
        QGuiApplication.clipboard().setText("\n".join(f"{ln.nickname}：{ln.text}" for ln in lines))

    def pin(self, line: ChatLine) -> None:
        self.notifier.run(tr("置顶评论"), self.room.pin_comment(line.id), done=tr("已置顶"))

    def hide_line(self, line: ChatLine) -> None:
        self.notifier.run(tr("隐藏评论"), self.room.hide_comment(line.id))

    def mute(self, line: ChatLine) -> None:
        self.notifier.run(
            tr("禁言"),
            self.room.mute_user(line.user_id),
            done=tr("已禁言 {n}").format(n=line.nickname),
        )

    def start_reply(self, line: ChatLine) -> None:
        self.reply.setText(f"@{line.nickname} ")
        self.reply.setFocus()

    def _send_reply(self) -> None:
        text = self.reply.text().strip()
        if not text:
            return
        self.reply.clear()
        self.notifier.run(tr("发送评论"), self.room.send_comment(text))
