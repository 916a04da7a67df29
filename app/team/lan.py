"""Which URL a teammate on another machine can use to reach the platform.

The built-in sandbox listens on 127.0.0.1 unless the LAN setting (``platform.lan``) is on; a
loopback URL works on this machine only. :func:`invite_urls` lists the candidates with a note
for each; :func:`lan_addresses` finds this machine's IPv4 addresses without sending anything
(a UDP ``connect`` only picks the outgoing interface) and never blocks on a name lookup for long.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from app.i18n import tr


@dataclass(frozen=True)
class InviteUrl:
    url: str
    reachable: bool  # from other machines
    note: str


def lan_addresses() -> list[str]:
    """This machine's non-loopback IPv4 addresses, the default route's first."""
    found: list[str] = []
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))  # TEST-NET-1: no packet is sent by a UDP connect
        found.append(s.getsockname()[0])
    with contextlib.suppress(OSError, UnicodeError):
        for addr in socket.gethostbyname_ex(socket.gethostname())[2]:
            if addr not in found:
                found.append(addr)
    return [a for a in found if not ipaddress.ip_address(a).is_loopback and a != "0.0.0.0"]


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def invite_urls(
    base_url: str, listen: str | None, addresses: list[str] | None = None
) -> list[InviteUrl]:
    """Candidates for an invite's URL: ``listen`` is where the built-in platform listens
    (``"0.0.0.0"``: every interface; ``"127.0.0.1"``: this machine only; None: a platform the
    console did not start, reached at ``base_url``)."""
    parts = urlsplit(base_url)
    if not is_loopback(parts.hostname):
        return [InviteUrl(base_url, True, tr("平台地址"))]
    local = InviteUrl(base_url, False, tr("仅本机可用"))
    if listen not in ("0.0.0.0", "::"):
        return [local]
    port = f":{parts.port}" if parts.port else ""
    lan = [
        InviteUrl(
            urlunsplit((parts.scheme, f"{addr}{port}", parts.path, "", "")),
            True,
            tr("局域网"),
        )
        for addr in (lan_addresses() if addresses is None else addresses)
    ]
    return [*lan, local]
