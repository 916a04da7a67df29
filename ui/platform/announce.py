"""平台 → 在聊天中播报讲解与抽奖: the option of posting this console's explains and lotteries in
the room's chat (app/live/chat_announce.py), and the language of those messages.

Guarantees:

- the console's :class:`~app.live.chat_announce.ChatAnnouncer` is made here, one per window,
  and closed with the window (the room outlives windows);
- the option is on the 平台 menu on every platform; where the console cannot write in the chat
  (no ``Capability.REPLY``, or a reviewer) it is off and disabled, the reason as its tool tip;
- until the operator chooses, it is on where the chat platform shows no product card of its own
  (Twitch) and off on live-commerce platforms (``announces_by_default``);
- both choices are remembered in the settings (``ui.chat_announce``,
  ``ui.chat_announce_language``) and take effect at the next action; the language is also the
  on-stream overlay cards' (app/obs/stack.py), redrawn in it at once;
- a message that did not go out is told through the notifier (a warning: the action itself
  went through).
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu

from app.i18n import LANGUAGES
from app.live.chat_announce import ChatAnnouncer, announces_by_default, chat_language
from app.platform.capabilities import Capability
from ui.context import ConsoleContext
from ui.i18n import tr


class AnnounceControls:
    """The announcer and its two menu entries (see the module docstring)."""

    def __init__(self, ctx: ConsoleContext, menu: QMenu) -> None:
        self.ctx = ctx
        ui = ctx.settings.ui
        on = ui.chat_announce if ui.chat_announce is not None else announces_by_default(ctx.room)
        self.announcer = ChatAnnouncer(
            ctx.room,
            enabled=on,
            language=ui.chat_announce_language,
            on_failure=ctx.notifier.warning,
        )
        announcer = self.announcer
        ctx.window.destroyed.connect(lambda *_: announcer.close())
        menu.addSeparator()
        self.action = QAction(tr("在聊天中播报讲解与抽奖"), ctx.window)
        self.action.setObjectName("action:chat-announce")
        self.action.setCheckable(True)
        self.languages = QMenu(tr("聊天播报语言"), menu)
        self.languages.setObjectName("menu:chat-announce-language")
        group = QActionGroup(self.languages)
        platform_lang = chat_language(ctx.room)
        choices = [("", tr("跟随聊天平台（{language}）").format(language=LANGUAGES[platform_lang]))]
        choices += list(LANGUAGES.items())
        self.language_actions: dict[str, QAction] = {}
        for code, label in choices:
            act = QAction(label, self.languages)
            act.setObjectName(f"action:chat-announce-language:{code or 'auto'}")
            act.setCheckable(True)
            act.setChecked(code == ui.chat_announce_language)
            act.triggered.connect(lambda _on=False, c=code: self._set_language(c))
            group.addAction(act)
            self.languages.addAction(act)
            self.language_actions[code] = act
        if announcer.available:
            self.action.setChecked(on)
            self.action.setToolTip(
                tr("讲解商品、抽奖开始和开奖时，用本账号在直播间聊天里发一条简短消息")
            )
            self.action.toggled.connect(self._set_enabled)
        else:
            reason = ctx.room.why_not(Capability.REPLY) or tr("只读角色不能操作")
            self.action.setEnabled(False)
            self.action.setToolTip(reason)
            self.languages.setEnabled(False)
        menu.setToolTipsVisible(True)
        menu.addAction(self.action)
        menu.addMenu(self.languages)

    def _set_enabled(self, on: bool) -> None:
        self.announcer.enabled = on
        self.ctx.settings.ui.chat_announce = on
        self.ctx.save_settings()

    def _set_language(self, code: str) -> None:
        self.announcer.language = code
        self.ctx.settings.ui.chat_announce_language = code  # type: ignore[assignment]
        self.ctx.save_settings()
        if self.ctx.obs is not None:  # the overlays speak the chat's language: redraw them now
            self.ctx.obs.controller.refresh()


def install_announce(ctx: ConsoleContext, menu: QMenu) -> AnnounceControls:
    """The chat announcements' option at the end of ``menu`` (the window's 平台 menu)."""
    return AnnounceControls(ctx, menu)
