"""Twitch's HTTP side: OAuth (validate, the device code flow) and the Helix calls LiveDesk makes.

:class:`Helix` wraps one ``httpx.AsyncClient``. Endpoints (the same pattern the Twitch CLI's
mock server uses): ``auth_base`` + ``/oauth2/validate``, ``/oauth2/device``, ``/oauth2/token``
(default https://id.twitch.tv); ``helix_base`` + ``/helix/...`` (default https://api.twitch.tv).
Every Helix call sends ``Authorization: Bearer <token>`` and ``Client-Id``; validate sends
``Authorization: OAuth <token>`` as Twitch documents.

Failures are :class:`HelixError` (``status`` and Twitch's ``message`` from the
``{"error", "status", "message"}`` body) or :class:`Unreachable` (network, timeout, a body that
is not JSON). The token never appears in an exception or a log line.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

DEFAULT_HELIX = "https://api.twitch.tv"
DEFAULT_AUTH = "https://id.twitch.tv"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


class HelixError(Exception):
    def __init__(self, status: int, message: str, path: str) -> None:
        super().__init__(f"{path}: {status} {message}")
        self.status = status
        self.message = message


class Unreachable(Exception):
    pass


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """``GET /oauth2/validate``: whose token it is and what it may do."""

    client_id: str
    login: str
    user_id: str
    scopes: frozenset[str]
    expires_in: int


@dataclass(frozen=True, slots=True)
class User:
    id: str
    login: str
    display_name: str


@dataclass(frozen=True, slots=True)
class DeviceCode:
    """``POST /oauth2/device``: what the streamer is shown (``verification_uri``, ``user_code``)."""

    device_code: str
    user_code: str
    verification_uri: str
    expires_in: int
    interval: float


class Helix:
    def __init__(
        self,
        token: str,
        client_id: str,
        *,
        helix_base: str = DEFAULT_HELIX,
        auth_base: str = DEFAULT_AUTH,
        timeout: float = 10.0,
    ) -> None:
        self.token = token
        self.client_id = client_id
        self.helix_base = helix_base.rstrip("/")
        self.auth_base = auth_base.rstrip("/")
        self._http = httpx.AsyncClient(timeout=timeout)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _send(
        self, method: str, url: str, path: str, *, headers: dict[str, str], **kw: Any
    ) -> Any:
        try:
            r = await self._http.request(method, url, headers=headers, **kw)
        except httpx.HTTPError as exc:
            raise Unreachable(f"{path}: {type(exc).__name__}") from None
        if r.status_code == 204:
            return None
        try:
            body = r.json()
        except ValueError:
            raise Unreachable(f"{path}: {r.status_code}, not JSON") from None
        if r.status_code >= 400:
            message = body.get("message", "") if isinstance(body, dict) else ""
            raise HelixError(r.status_code, str(message), path)
        return body

    async def helix(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: dict[str, Any] | None = None,
    ) -> Any:
        headers = {"Authorization": f"Bearer {self.token}", "Client-Id": self.client_id}
        url = f"{self.helix_base}/helix{path}"
        return await self._send(method, url, path, headers=headers, params=params, json=json)

    # --- OAuth ---------------------------------------------------------------------------------
    async def validate(self) -> TokenInfo:
        url = f"{self.auth_base}/oauth2/validate"
        headers = {"Authorization": f"OAuth {self.token}"}
        body = await self._send("GET", url, "/oauth2/validate", headers=headers)
        if not isinstance(body, dict):
            raise Unreachable("/oauth2/validate: not an object")
        return TokenInfo(
            client_id=str(body.get("client_id", "")),
            login=str(body.get("login", "")),
            user_id=str(body.get("user_id", "")),
            scopes=frozenset(str(s) for s in body.get("scopes") or ()),
            expires_in=int(body.get("expires_in") or 0),
        )

    async def start_device_flow(self, scopes: tuple[str, ...]) -> DeviceCode:
        """Step 1 of the Device Code Grant flow (public client: no secret)."""
        data = {"client_id": self.client_id, "scopes": " ".join(scopes)}
        body = await self._send(
            "POST", f"{self.auth_base}/oauth2/device", "/oauth2/device", headers={}, data=data
        )
        return DeviceCode(
            device_code=str(body["device_code"]),
            user_code=str(body["user_code"]),
            verification_uri=str(body["verification_uri"]),
            expires_in=int(body["expires_in"]),
            interval=float(body.get("interval") or 5),
        )

    async def poll_device_token(self, device_code: str, scopes: tuple[str, ...]) -> str | None:
        """Step 2: the access token once the streamer has authorised, None while pending
        (``authorization_pending``); a :class:`HelixError` for a refusal or an expired code."""
        data = {
            "client_id": self.client_id,
            "scopes": " ".join(scopes),
            "device_code": device_code,
            "grant_type": DEVICE_GRANT,
        }
        url = f"{self.auth_base}/oauth2/token"
        try:
            body = await self._send("POST", url, "/oauth2/token", headers={}, data=data)
        except HelixError as exc:
            if exc.status == 400 and exc.message == "authorization_pending":
                return None
            raise
        return str(body["access_token"])

    async def device_login(
        self, scopes: tuple[str, ...], show: Callable[[DeviceCode], None]
    ) -> str:
        """The whole Device Code Grant flow: ``show(code)`` tells the streamer where to go
        and what to enter; the token once they agreed. A :class:`HelixError` when they
        refused or the code expired (Twitch: ``invalid device code``)."""
        code = await self.start_device_flow(scopes)
        show(code)
        deadline = time.monotonic() + code.expires_in
        while time.monotonic() < deadline:
            await asyncio.sleep(code.interval)
            token = await self.poll_device_token(code.device_code, scopes)
            if token is not None:
                return token
        raise HelixError(400, "invalid device code", "/oauth2/token")

    # --- Helix ---------------------------------------------------------------------------------
    async def user_by_login(self, login: str) -> User | None:
        body = await self.helix("GET", "/users", params={"login": login})
        data = body.get("data") if isinstance(body, dict) else None
        if not data:
            return None
        u = data[0]
        return User(str(u["id"]), str(u["login"]), str(u.get("display_name") or u["login"]))

    async def stream(self, user_id: str) -> dict[str, Any] | None:
        """``GET /streams``: the channel's live stream, None when it is offline."""
        body = await self.helix("GET", "/streams", params={"user_id": user_id, "type": "live"})
        data = body.get("data") if isinstance(body, dict) else None
        return dict(data[0]) if data else None

    async def subscribe(
        self, sub_type: str, version: str, condition: dict[str, str], session_id: str
    ) -> dict[str, Any]:
        body = {
            "type": sub_type,
            "version": version,
            "condition": condition,
            "transport": {"method": "websocket", "session_id": session_id},
        }
        answer = await self.helix("POST", "/eventsub/subscriptions", json=body)
        return dict(answer["data"][0])

    async def send_chat(
        self, broadcaster_id: str, sender_id: str, text: str, reply_to: str | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "broadcaster_id": broadcaster_id,
            "sender_id": sender_id,
            "message": text,
        }
        if reply_to:
            body["reply_parent_message_id"] = reply_to
        answer = await self.helix("POST", "/chat/messages", json=body)
        return dict(answer["data"][0])

    async def ban(
        self, broadcaster_id: str, moderator_id: str, user_id: str, seconds: int | None, reason: str
    ) -> None:
        data: dict[str, Any] = {"user_id": user_id, "reason": reason}
        if seconds is not None:
            data["duration"] = seconds
        params = {"broadcaster_id": broadcaster_id, "moderator_id": moderator_id}
        await self.helix("POST", "/moderation/bans", params=params, json={"data": data})

    async def unban(self, broadcaster_id: str, moderator_id: str, user_id: str) -> None:
        params = {
            "broadcaster_id": broadcaster_id,
            "moderator_id": moderator_id,
            "user_id": user_id,
        }
        await self.helix("DELETE", "/moderation/bans", params=params)
