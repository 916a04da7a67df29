"""The team's replay-score settings on this console: the local ``review`` section follows them.

On a platform that keeps the team's settings (``team_settings``), :class:`~app.live.room.LiveRoom`
holds the team's values (``team_review``). :func:`follow_team_review` makes the settings' local
``review`` section (app/settings.py) a cache of them: each time the room holds new team values
they replace the section and the settings file is written, so everything that reads
``settings.review`` — the sessions list's score, ``livedesk report`` and ``livedesk replay`` on
this machine later — scores with the team's values, and keeps the last ones it saw when the
platform is away. Until the team first saves (version 0), and on a platform without the
capability, the section is the console's own, as before.
"""

from __future__ import annotations

from collections.abc import Callable

from app.live.room import TEAM_REVIEW, LiveRoom
from app.settings import Settings


def follow_team_review(
    room: LiveRoom, settings: Settings, save: Callable[[], None]
) -> Callable[[], None]:
    """Keep ``settings.review`` equal to the team's values the room holds (now, and after each
    change); ``save`` writes the settings file. Returns the unsubscribe."""

    def take(changes: frozenset[str]) -> None:
        team = room.team_review
        if TEAM_REVIEW in changes and team is not None and team != settings.review:
            settings.review = team
            save()

    take(frozenset({TEAM_REVIEW}))
    return room.subscribe(take)
