"""Joining a room from an invite: check it against the platform, then remember it.

:func:`check_invite` makes one test request with the invite's token (the room info) under a
short deadline and says, in the operator's language, why it failed (unreachable, a token the
platform does not know, another room). :func:`remember` stores the token in the OS keyring
(app/secrets.py, the key the console's launcher reads) and url/room/role in the settings —
never the token in the settings.
"""

from __future__ import annotations

import platform

from app.aio import wait_within
from app.i18n import localize, tr
from app.platform.client import PlatformClient
from app.platform.errors import OfflineError, PlatformError
from app.platform.models import RoomInfo
from app.secrets import set_secret
from app.settings import Settings, save_settings
from app.team.invite import Invite

CHECK_TIMEOUT = 8.0


def token_key(room: str, role: str) -> str:
    """The keyring entry the launcher reads for this room and role (ui/launch.py)."""
    return f"platform.token.{room}.{role}"


def machine_name() -> str:
    return platform.node()[:64] or "LiveDesk"


async def check_invite(invite: Invite) -> RoomInfo:
    """The room the invite opens, asked of the platform with the invite's token; a
    :class:`PlatformError` with an operator-readable message otherwise."""
    client = PlatformClient(
        invite.url, invite.room, invite.token, role=invite.role, action_timeout=CHECK_TIMEOUT / 2
    )
    try:
        return await wait_within(client.room_info(), CHECK_TIMEOUT)
    except (OfflineError, TimeoutError):
        raise PlatformError(
            "unreachable",
            tr("连不上 {url}：请确认主播的中控台在运行，并已开启局域网共享").format(url=invite.url),
        ) from None
    except PlatformError as exc:
        if exc.code in ("unauthorized", "wrong_room", "forbidden"):
            raise PlatformError(
                exc.code, tr("平台不接受这个邀请码（可能已失效），请向主播重新获取")
            ) from None
        raise PlatformError(exc.code, localize(exc.message)) from None
    finally:
        await client.close()


def remember(invite: Invite, settings: Settings, *, save: bool = True) -> None:
    """Keyring ← token; settings ← url, room, role (saved unless ``save`` is False)."""
    set_secret(token_key(invite.room, invite.role), invite.token)
    plat = settings.platform
    plat.url = invite.url
    plat.room = invite.room
    plat.role = invite.role  # type: ignore[assignment]  # validated: assistant or reviewer
    if save:
        save_settings(settings)
