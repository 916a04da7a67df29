"""The console's composition root: one :class:`ConsoleContext` per console window, built once.

It owns what the panels share — the room, the settings, the notifier (one way to tell the
operator), the shortcut registry, OBS (``None`` when OBS control is off), the explain hold and the
streamer's stage — and every panel is made from it by its own ``make(ctx)`` (the registry is
ui/panels.py). Panels never reach into the main window: no ui module imports ``ui.main_window``
(an import-linter contract), so a panel can be built on a context alone (tests/support/console.py).

Guarantees:
- the hold and the stage belong to the context, not to a panel: the product queue and the stage
  receive the same :class:`ExplainHold`; the hold is closed (released, unsubscribed from the room)
  when the window the context was built for is destroyed — the room outlives windows;
- an explain hold that fails is reported through the notifier as an error;
- on a platform with comments the context holds the console's own lotteries
  (:class:`~app.live.console_lottery.ConsoleLotteries`, ``lotteries``: the lottery panel draws
  with them where the platform has no lotteries, and a blind box or a quiz's draw anywhere) and
  its quizzes (:class:`~app.live.quiz.Quizzes`, ``quizzes``); None without comments. Both are
  closed with the window like the hold: a panel may be rebuilt, what it opened stays. Both keep
  a journal in the data dir (app/live/pending_games.py): after the room's first snapshot, an
  undrawn lottery or an unrevealed quiz of the live session that a previous run of the console
  left comes back (seed and commitment unchanged), one of an ended session is voided, and the
  notifier says which as a warning;
- on a platform that keeps the team's settings, the settings' ``review`` section follows the
  team's replay-score settings while the window lives (app/live/team_review.py): the sessions
  list and the 复盘评分 tab read the team's values;
- nothing here subscribes a widget to the room: each panel does that itself and unsubscribes
  when Qt deletes it (ui/lifetime.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QMainWindow

from app.live.console_lottery import ConsoleLotteries
from app.live.hold import ExplainHold
from app.live.pending_games import GameJournal, GameRecovery
from app.live.quiz import Quizzes
from app.live.room import LiveRoom
from app.live.team_review import follow_team_review
from app.obs.stack import ObsStack
from app.platform.capabilities import Capability
from app.platform.errors import PlatformError
from app.settings import Settings
from ui.i18n import localize, tr
from ui.notify import Notifier
from ui.shortcuts import ShortcutRegistry
from ui.stage import Stage


@dataclass(eq=False)
class ConsoleContext:
    """What every panel of one console is made from (see the module docstring)."""

    window: QMainWindow  # the parent of dialogs and the host of window-wide shortcuts
    room: LiveRoom
    settings: Settings
    notifier: Notifier
    shortcuts: ShortcutRegistry
    hold: ExplainHold
    stage: Stage
    obs: ObsStack | None = None
    #: where the built-in sandbox listens ("127.0.0.1" or "0.0.0.0"); None: not built in
    platform_listen: str | None = None
    #: the console's own lotteries among commenters; None without comments
    lotteries: ConsoleLotteries | None = None
    #: the console's quizzes (答题); None without comments
    quizzes: Quizzes | None = None

    @classmethod
    def build(
        cls, window: QMainWindow, room: LiveRoom, settings: Settings, *, obs: ObsStack | None = None
    ) -> ConsoleContext:
        notifier = Notifier(window)

        def hold_failed(exc: PlatformError) -> None:
            notifier.error(tr("保持讲解卡片失败：{reason}").format(reason=localize(exc.message)))

        hold = ExplainHold(room, interval=settings.ui.explain_hold_seconds, on_error=hold_failed)
        window.destroyed.connect(lambda *_: hold.close())  # holds the hold, never the window
        lotteries: ConsoleLotteries | None = None
        quizzes: Quizzes | None = None
        if room.can(Capability.TEAM_SETTINGS):  # the local review section caches the team's
            from app.settings import save_settings

            unfollow = follow_team_review(room, settings, lambda: save_settings(settings))
            window.destroyed.connect(lambda *_: unfollow())
        if room.can(Capability.COMMENTS):
            lotteries = ConsoleLotteries(room, journal=GameJournal.for_room(room, "lotteries"))
            quizzes = Quizzes(room, lotteries, journal=GameJournal.for_room(room, "quiz"))
            recovery = GameRecovery(room, (lotteries, quizzes), notifier.warning)
            closing = (recovery, quizzes, lotteries)

            def close_games(*_: object) -> None:
                for game in closing:
                    game.close()

            window.destroyed.connect(close_games)
        return cls(
            window=window,
            room=room,
            settings=settings,
            notifier=notifier,
            shortcuts=ShortcutRegistry(window, settings.ui.shortcuts),
            hold=hold,
            stage=Stage(room, hold),
            obs=obs,
            lotteries=lotteries,
            quizzes=quizzes,
        )

    def save_settings(self) -> None:
        """Write the settings file (after a panel changed a preference)."""
        from app.settings import save_settings

        save_settings(self.settings)
