"""The comments dock: derived views (all / questions / intent / keyword / fans / gifts), the
pinned comment, actions on the selected line (menu and shortcuts) and keyword highlight rules.

Muting has a safety net (ui/chat/mutes.py): the menu's 禁言 offers durations, the key mutes for
5 minutes (never for good), each mute shows an undo toast, a buyer is named as one, and the
禁言列表 (ui/chat/mute_list.py) lifts mutes.

The reply box counts characters live (N/300) and refuses a reply over the platform's limit before
sending (「回复最多 300 字，当前 N 字」); the typed text stays in the box until the platform took
it, so a refused or failed send loses nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QColor, QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTabBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)
from shiboken6 import isValid

from app.live.comment_kinds import NOT_A_COMMENT, Kind
from app.live.room import MODERATION, PINNED, ChatLine, LiveRoom
from app.platform.capabilities import Capability
from app.settings import UiSettings
from ui import theme
from ui.capability import explain_disabled, explain_key
from ui.chat.delegate import ChatDelegate, Rule
from ui.chat.highlight_dialog import HighlightRulesDialog
from ui.chat.model import ChatModel
from ui.chat.mute_list import MuteListDialog
from ui.chat.mutes import DEFAULT, DURATIONS, UNDO_SECONDS, MuteDuration, muted_text
from ui.chat.view import ChatView
from ui.i18n import tr
from ui.lifetime import unsubscribe_on_destroy
from ui.notify import Notifier
from ui.shortcuts import ActionSpec, ShortcutRegistry
from ui.undo_bar import UndoBar

if TYPE_CHECKING:
    from ui.context import ConsoleContext

GROUP = "评论"
#: the platform's comment limit (docs/platform-api.md "Limits"): longer replies are refused here
REPLY_MAX = 300


def _has(kind: Kind) -> Callable[[ChatLine], bool]:
    """A view's filter: the line has this kind. Runs per line and view at the stream's rate, so it
    tests the plain int (``Kind in kind`` goes through the enum machinery, ~0.5 µs a time)."""
    bit = int(kind)
    return lambda line: line.kind._value_ & bit != 0


VIEWS: tuple[tuple[str, str, Callable[[ChatLine], bool] | None], ...] = (
    ("all", "全部", None),
    ("questions", "提问", _has(Kind.QUESTION)),
    ("intent", "想买", _has(Kind.INTENT)),
    ("fans", "粉丝", _has(Kind.FAN)),
    ("gifts", "礼物", _has(Kind.GIFT)),
    ("keyword", "关键词", None),  # predicate set from the keyword box
)

#: what the platform must offer for each action on a comment (copy is the console's own)
NEEDS: dict[str, Capability] = {
    "pin": Capability.PIN,
    "hide": Capability.HIDE,
    "mute": Capability.MUTE,
    "reply": Capability.REPLY,
}

#: (key, action id, label, default key) of the actions on the selected comment
ACTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("pin", "comment.pin", "置顶", "Ctrl+Shift+P"),
    ("hide", "comment.hide", "隐藏", "Ctrl+Shift+H"),
    ("mute", "comment.mute", "禁言 5 分钟", "Ctrl+Shift+M"),  # the menu offers longer ones
    ("reply", "comment.reply", "回复", "Ctrl+Shift+R"),
    ("copy", "comment.copy", "复制", "Ctrl+Shift+C"),
)


class ChatPanel(QWidget):
    def __init__(
        self,
        room: LiveRoom,
        notifier: Notifier,
        *,
        capacity: int = 20_000,
        settings: UiSettings | None = None,
        save_settings: Callable[[], None] = lambda: None,
        shortcuts: ShortcutRegistry | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("chatPanel")
        self.room = room
        self.notifier = notifier
        self.settings = settings if settings is not None else UiSettings()
        self.save_settings = save_settings
        self._rules: list[Rule] = []
        self._load_rules()
        self.models: dict[str, ChatModel] = {}
        for key, _label, accept in VIEWS:
            model = ChatModel(capacity, accept=accept, parent=self)
            if key == "keyword":
                model.accept = lambda line: False
            self.models[key] = model
        self._unsub_chat = room.subscribe_chat(self._arrived)
        unsubscribe_on_destroy(self, self._unsub_chat)
        self._unsub_state = room.subscribe(self._room_changed)
        unsubscribe_on_destroy(self, self._unsub_state)

        self._build_filters()
        self._build_pinned_bar()
        self._build_view()
        self._build_reply()
        self._show_capabilities()
        self.actions_by_key: dict[str, QAction] = {}
        if shortcuts is not None:
            self.register_shortcuts(shortcuts)
        self._lay_out()
        self._show_pinned()
        # floats over the feed's bottom, above the reply row: the layout never moves
        self.toast = UndoBar(self, UNDO_SECONDS, bottom=52)

    # --- layout ------------------------------------------------------------------------------
    def _build_filters(self) -> None:
        """The view tabs, the highlight rules button and the keyword filter."""
        self.tabs = QTabBar(self)
        for _key, label, _ in VIEWS:
            self.tabs.addTab(tr(label))
        self.rules_button = QToolButton(self)
        self.rules_button.setObjectName("chatHighlightRules")
        self.rules_button.setText(tr("高亮…"))
        self.rules_button.setToolTip(tr("关键词高亮规则"))
        self.rules_button.clicked.connect(self.edit_highlight_rules)
        self.keyword = QLineEdit(self)
        self.keyword.setPlaceholderText(tr("筛选关键词，如 尺码"))
        self.keyword.setClearButtonEnabled(True)
        self.keyword.textChanged.connect(self._keyword_changed)
        self.keyword.hide()

    def _build_pinned_bar(self) -> None:
        # the pinned comment, as viewers see it on top of the stream (plain text, never HTML)
        self.pinned_bar = QFrame(self)
        self.pinned_bar.setObjectName("chatPinned")
        self.pinned_bar.setFrameShape(QFrame.Shape.StyledPanel)
        self.pinned_bar.setStyleSheet(f"#chatPinned {{ background: {theme.WARNING_BG}; }}")
        tag = QLabel(tr("置顶"), self.pinned_bar)
        tag.setStyleSheet("color: #d81b60; font-weight: 600;")
        self.pinned_text = QLabel(self.pinned_bar)
        self.pinned_text.setObjectName("chatPinnedText")
        self.pinned_text.setTextFormat(Qt.TextFormat.PlainText)
        self.pinned_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout(self.pinned_bar)
        row.setContentsMargins(6, 2, 6, 2)
        row.addWidget(tag)
        row.addWidget(self.pinned_text, 1)
        self.pinned_bar.hide()

    def _build_view(self) -> None:
        """The feed, and the bar saying it is held still while a line is selected."""
        self.view = ChatView(self)
        self.view.setObjectName("chatView")
        # a selected line holds the list still: say so, and offer to follow again
        self.paused_bar = QFrame(self)
        self.paused_bar.setObjectName("chatPaused")
        self.paused_bar.setStyleSheet(
            f"#chatPaused {{ background: {theme.INFO_BG}; border-radius: 4px; }}"
        )
        self.paused_text = QLabel(self.paused_bar)
        self.paused_text.setObjectName("chatPausedText")
        self.paused_text.setTextFormat(Qt.TextFormat.PlainText)
        self.resume_button = QPushButton(tr("回到最新"), self.paused_bar)
        self.resume_button.setObjectName("chatResume")
        self.resume_button.clicked.connect(self.view.jump_to_newest)
        paused_row = QHBoxLayout(self.paused_bar)
        paused_row.setContentsMargins(6, 2, 6, 2)
        paused_row.addWidget(self.paused_text, 1)
        paused_row.addWidget(self.resume_button)
        self.paused_bar.hide()
        self.view.pause_changed.connect(self._show_paused)
        self.delegate = ChatDelegate(
            self.view, moderation=self.room.moderation, highlight_rules=lambda: self._rules
        )
        self.view.setItemDelegate(self.delegate)
        self.view.setModel(self.models["all"])
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        self.tabs.currentChanged.connect(self._tab_changed)

    def _build_reply(self) -> None:
        """The mute list button, and the host's reply box with its counter and send button."""
        self.mute_list_button = QToolButton(self)
        self.mute_list_button.setObjectName("chatMuteList")
        self.mute_list_button.setText(tr("禁言列表"))
        self.mute_list_button.setToolTip(tr("查看被禁言的用户，解除禁言"))
        self.mute_list_button.clicked.connect(self.show_mute_list)
        self._mute_list: MuteListDialog | None = None

        self.reply = QLineEdit(self)
        self.reply.setObjectName("chatReply")
        self.reply.setPlaceholderText(tr("以主播身份回复…（回车发送）"))
        self.reply.returnPressed.connect(self._send_reply)
        self.reply.textChanged.connect(self._count_reply)
        self.reply_count = QLabel(self)
        self.reply_count.setObjectName("chatReplyCount")
        self.reply_count.setToolTip(tr("回复字数 / 上限"))
        self._count_reply()
        self.send = QPushButton(tr("发送"), self)
        self.send.clicked.connect(self._send_reply)
        self.reply.setEnabled(self.room.can_act)
        self.send.setEnabled(self.room.can_act)

    def _lay_out(self) -> None:
        # the view tabs get the panel's whole width (six of them must fit the default layout);
        # the rules button sits with the reply box
        top = QHBoxLayout()
        top.addWidget(self.tabs, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.rules_button)
        bottom.addWidget(self.mute_list_button)
        bottom.addWidget(self.reply, 1)
        bottom.addWidget(self.reply_count)
        bottom.addWidget(self.send)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.keyword)
        layout.addWidget(self.pinned_bar)
        layout.addWidget(self.paused_bar)
        layout.addWidget(self.view, 1)
        layout.addLayout(bottom)

    # --- feeding -----------------------------------------------------------------------------
    def _arrived(self, lines: Sequence[ChatLine]) -> None:
        for model in self.models.values():
            model.add(lines)

    def _room_changed(self, changes: frozenset[str]) -> None:
        if PINNED in changes:
            self._show_pinned()
        if MODERATION in changes:
            # hidden / muted marks are painted from the room: repaint the rows on screen now,
            # even when no new line arrives (a calm room)
            self.view.viewport().update()

    def _show_paused(self) -> None:
        view = self.view
        if not view.paused_by_selection:
            self.paused_bar.hide()
            return
        n = view.new_count
        self.paused_text.setText(
            tr("已暂停滚动 · 有 {n} 条新评论").format(n=f"{n:,}")
            if n
            else tr("已暂停滚动 · 选中了评论")
        )
        self.paused_bar.show()

    def _show_pinned(self) -> None:
        c = self.room.pinned
        if c is None:
            self.pinned_bar.hide()
            self.pinned_text.clear()
            return
        self.pinned_text.setText(f"{c.nickname}：{c.text}")
        self.pinned_text.setToolTip("")
        self.pinned_bar.show()

    def show_view(self, key: str) -> None:
        self.tabs.setCurrentIndex(next(i for i, v in enumerate(VIEWS) if v[0] == key))

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

    # --- highlight rules ---------------------------------------------------------------------
    def _load_rules(self) -> None:
        self._rules = [(r.keyword, QColor(r.colour)) for r in self.settings.highlight_rules]

    def edit_highlight_rules(self) -> HighlightRulesDialog:
        """Open the rules dialog (non-blocking); OK saves the rules and repaints at once."""
        dialog = HighlightRulesDialog(self.settings.highlight_rules, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.set_highlight_rules(dialog))
        dialog.open()
        return dialog

    def set_highlight_rules(self, dialog: HighlightRulesDialog) -> None:
        self.settings.highlight_rules = dialog.rules()
        self.save_settings()
        self._load_rules()
        self.view.viewport().update()

    def _show_capabilities(self) -> None:
        """What the platform cannot do here is off, saying why: the reply box (its placeholder
        gives the reason) and the mute list."""
        why = self.room.why_not(Capability.REPLY)
        if why is not None:
            self.reply.setEnabled(False)
            self.send.setEnabled(False)
            self.reply.setPlaceholderText(why)
            self.reply.setToolTip(why)
        explain_disabled(self.room, self.mute_list_button, Capability.MUTE)

    def retranslate(self) -> None:
        """After a language switch (ui/i18n.py): the platform's reasons are formatted text."""
        self._show_capabilities()

    # --- actions -----------------------------------------------------------------------------
    def register_shortcuts(self, registry: ShortcutRegistry) -> None:
        """A window-wide shortcut per action on the selected comment (configurable)."""
        slots: dict[str, Callable[[], None]] = {
            "pin": lambda: self._on_selected(self.pin),
            "hide": lambda: self._on_selected(self.hide_line),
            "mute": lambda: self._on_selected(self.mute),
            "reply": lambda: self._on_selected(self.start_reply),
            "copy": self.copy_selected,
        }
        for key, aid, label, default in ACTIONS:
            needs = NEEDS.get(key)
            self.actions_by_key[key] = registry.register(
                ActionSpec(aid, label, default, GROUP),
                slots[key],
                enabled=key == "copy" or (self.room.can_act and self.can(key)),
            )
            if needs is not None:  # the platform cannot: the key only says why
                explain_key(
                    self.room, self.notifier, self.actions_by_key[key], needs, registry.window
                )

    def can(self, key: str) -> bool:
        """The platform offers action ``key`` (see :data:`NEEDS`)."""
        needs = NEEDS.get(key)
        return needs is None or self.room.can(needs)

    def target(self) -> ChatLine | None:
        """The line the operator picked: the current row, else the first selected one."""
        line = self.view.current_line()
        if line is not None:
            return line
        lines = self.view.selected_lines()
        return lines[0] if lines else None

    def _on_selected(self, action: Callable[[ChatLine], None]) -> None:
        line = self.target()
        if line is None:
            self.notifier.warning(tr("请先选中一条评论"))
            return
        if line.kind & NOT_A_COMMENT:
            self.notifier.warning(tr("礼物消息和平台提示不能置顶、隐藏或回复"))
            return
        action(line)

    def context_menu(self) -> QMenu | None:
        """The menu for the selected lines (None when nothing is selected)."""
        line = self.view.current_line()
        lines = self.view.selected_lines() or ([line] if line else [])
        if not lines:
            return None
        menu = QMenu(self)
        menu.setToolTipsVisible(True)  # a disabled entry tells why the platform cannot
        copy = QAction(tr("复制"), menu)
        copy.setObjectName("comment.copy")
        copy.triggered.connect(lambda: self.copy(lines))
        menu.addAction(copy)
        first = lines[0]
        is_comment = not first.kind & NOT_A_COMMENT
        handlers: dict[str, Callable[[ChatLine], None]] = {
            "pin": self.pin,
            "hide": self.hide_line,
            "mute": self.mute,
            "reply": self.start_reply,
        }
        for key, aid, label, _default in ACTIONS:
            if key == "copy":
                continue
            if key == "mute":
                sub = self._mute_menu(menu, first, self.room.can_act and is_comment)
                explain_disabled(self.room, sub.menuAction(), NEEDS[key])
                menu.addMenu(sub)
                continue
            act = QAction(tr(label), menu)
            act.setObjectName(aid)
            shortcut = self.actions_by_key.get(key)
            if shortcut is not None:
                act.setShortcut(shortcut.shortcut())  # shown in the menu; fired by the window
            act.setEnabled(self.room.can_act and is_comment)
            explain_disabled(self.room, act, NEEDS[key])  # off, with the platform's reason
            act.triggered.connect(lambda _c=False, h=handlers[key]: h(first))
            menu.addAction(act)
        menu.addSeparator()
        mutes = QAction(tr("禁言列表…"), menu)
        mutes.setObjectName("comment.mutes")
        mutes.triggered.connect(self.show_mute_list)
        menu.addAction(mutes)
        return menu

    def _mute_menu(self, parent: QMenu, line: ChatLine, enabled: bool) -> QMenu:
        """禁言 → 5 分钟 / 1 小时 / 本场 / 永久 (the key's 5 分钟 shown on its entry); a buyer of
        this session is named as one at the top."""
        sub = QMenu(tr("禁言"), parent)
        sub.setObjectName("comment.mute")
        sub.menuAction().setObjectName("comment.mute")
        sub.setEnabled(enabled)
        if enabled and self.room.has_ordered(line.user_id):
            # a label, not a greyed-out entry: it must catch the eye before a buyer is muted
            note = QWidgetAction(sub)
            note.setObjectName("comment.mute.buyer")
            note.setText(tr("⚠ 该用户本场已下单"))
            label = QLabel(note.text(), sub)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setStyleSheet(
                f"color: {theme.WARNING_STRONG}; font-weight: 700; padding: 4px 12px;"
            )
            note.setDefaultWidget(label)
            sub.addAction(note)
            sub.addSeparator()
        for d in DURATIONS:
            act = QAction(tr(d.label), sub)
            act.setObjectName(f"comment.mute.{d.key}")
            if d is DEFAULT and "mute" in self.actions_by_key:
                act.setShortcut(self.actions_by_key["mute"].shortcut())
            act.setEnabled(enabled)
            act.triggered.connect(lambda _c=False, d=d: self.mute(line, d))
            sub.addAction(act)
        return sub

    def show_mute_list(self) -> MuteListDialog:
        """The 禁言列表 (one per panel, non-modal; raised when already open)."""
        if self._mute_list is None:
            dialog = MuteListDialog(self.room, self.notifier, self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.destroyed.connect(lambda *_: setattr(self, "_mute_list", None))
            self._mute_list = dialog
        if self._mute_list.isVisible():  # already open, maybe behind the console: bring it up
            self._mute_list.raise_()
            self._mute_list.activateWindow()
        else:
            self._mute_list.show()
        return self._mute_list

    def _menu(self, pos: QPoint) -> None:
        menu = self.context_menu()
        if menu is not None:
            menu.exec(self.view.viewport().mapToGlobal(pos))
            menu.deleteLater()

    def copy_selected(self) -> None:
        lines = self.view.selected_lines()
        if not lines:
            line = self.target()
            lines = [line] if line else []
        if not lines:
            self.notifier.warning(tr("请先选中一条评论"))
            return
        self.copy(lines)

    def copy(self, lines: list[ChatLine]) -> None:
        QGuiApplication.clipboard().setText("\n".join(f"{ln.nickname}：{ln.text}" for ln in lines))

    def pin(self, line: ChatLine) -> None:
        self.notifier.run(tr("置顶评论"), self.room.pin_comment(line.id), done=tr("已置顶"))

    def hide_line(self, line: ChatLine) -> None:
        self.notifier.run(tr("隐藏评论"), self.room.hide_comment(line.id))

    def mute(self, line: ChatLine, duration: MuteDuration = DEFAULT) -> None:
        """Mute the line's author for ``duration`` (the key: 5 minutes); once the platform took
        it, the undo toast says for how long (and that the user bought, if so)."""
        user_id, nickname = line.user_id, line.nickname
        buyer = self.room.has_ordered(user_id)

        async def go() -> None:
            await self.room.mute_user(
                user_id,
                duration.seconds,
                until_session_end=duration.until_session_end,
                nickname=nickname,
            )
            if isValid(self):
                self.toast.offer(
                    muted_text(nickname, duration),
                    lambda: self.undo_mute(user_id, nickname),
                    note=tr("该用户本场已下单") if buyer else "",
                )

        self.notifier.run(tr("禁言"), go())

    def undo_mute(self, user_id: str, nickname: str) -> None:
        self.notifier.run(
            tr("撤销禁言"),
            self.room.unmute_user(user_id),
            done=tr("已解除禁言 {n}").format(n=nickname),
        )

    def start_reply(self, line: ChatLine) -> None:
        self.reply.setText(f"@{line.nickname} ")
        self.reply.setFocus()

    def _count_reply(self) -> None:
        n = len(self.reply.text().strip())
        self.reply_count.setText(f"{n}/{REPLY_MAX}")
        self.reply_count.setStyleSheet(
            theme.text_style(theme.DANGER, bold=True) if n > REPLY_MAX else ""
        )

    def _send_reply(self) -> None:
        """Send the reply; the typed text stays in the box until the platform took it (a refused
        or failed send loses nothing), and an over-long reply is refused here, before sending."""
        text = self.reply.text().strip()
        if not text:
            return
        if len(text) > REPLY_MAX:
            self.notifier.warning(
                tr("回复最多 {max} 字，当前 {n} 字").format(max=REPLY_MAX, n=len(text))
            )
            return
        reply = self.reply

        def sent() -> None:  # clear only what was sent: the operator may have typed on meanwhile
            if isValid(reply) and reply.text().strip() == text:
                reply.clear()

        self.notifier.run(tr("发送评论"), self.room.send_comment(text), on_done=sent)


def make(ctx: ConsoleContext) -> ChatPanel:
    """The 评论 dock (ui/panels.py)."""
    return ChatPanel(
        ctx.room,
        ctx.notifier,
        capacity=ctx.settings.ui.comment_buffer,
        settings=ctx.settings.ui,
        save_settings=ctx.save_settings,
        shortcuts=ctx.shortcuts,
    )
