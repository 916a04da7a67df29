"""A blocking obs-websocket v5 client on top of obs-websocket-py, used only from the worker thread.

obs-websocket-py 1.0 drops the request status code and the WebSocket close code, and its receive
thread dies uncleanly when OBS goes away. This subclass keeps the library's handshake/auth and
request objects, and adds: a connect timeout, the close code (4009 wrong password, 4011 kicked),
request status codes (207 not ready …), and a receive thread that reports the end of the link once.

A change of event subscriptions (:meth:`RawClient.reidentify`) waits for OBS's ``Identified``
reply, and closing the session waits for a change still under way. obs-websocket 5.1 counts the
sessions that want ``InputVolumeMeters`` without a lock between a Reidentify (processed on its
worker pool) and a close (on its network thread): a Reidentify that drops the meters while the
same session closes is counted twice, the count wraps below zero, and that OBS process sends no
volume meters to anyone again until it restarts (every microphone then looks silent). Measured
here: 20 "meters off, then close" sessions in a row were enough to break a fresh OBS 29.
Events and the close are reported through plain callbacks *on the receive thread*; the async layer
(:mod:`app.obs.connection`) hands them to the event loop.
"""

from __future__ import annotations

import json
import logging
import struct
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import websocket
from obswebsocket import exceptions as obs_exc
from obswebsocket import obsws
from websocket import ABNF

from app.i18n import tr
from app.obs.errors import (
    CLOSE_AUTH_FAILED,
    CLOSE_SESSION_INVALIDATED,
    ObsAuthError,
    ObsConnectError,
    ObsOfflineError,
    ObsRequestError,
    ObsTimeoutError,
)

log = logging.getLogger(__name__)

#: every obs-websocket 5 event category, Ui (1 << 10) included; high-volume ones are opt-in
EVENTS_ALL = (1 << 11) - 1
#: the high-volume InputVolumeMeters event (about 20 a second per audio input): opt-in
EVENTS_METERS = 1 << 16

EventCallback = Callable[[str, dict[str, Any]], None]
ClosedCallback = Callable[[int | None], None]


def _is_loopback(host: str) -> bool:
    return host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")


def obs_process_running() -> bool:
    """Whether an OBS Studio process runs on this machine (Linux: /proc; elsewhere: unknown → False).

    Lets a refused connection say "OBS runs, but its WebSocket server is off" instead of "start OBS".
    """
    proc = Path("/proc")
    if not proc.is_dir():
        return False
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() in ("obs", "obs64", "obs-studio"):
                return True
        except OSError:
            continue
    return False


class _Socket(websocket.WebSocket):
    """websocket-client socket that remembers the close code the server sent."""

    close_code: int | None = None

    def recv(self) -> str | bytes:
        with self.readlock:
            opcode, data = self.recv_data()
        if opcode == ABNF.OPCODE_TEXT:
            return data.decode("utf-8") if isinstance(data, bytes) else data
        if opcode == ABNF.OPCODE_CLOSE:
            if isinstance(data, bytes) and len(data) >= 2:
                self.close_code = int(struct.unpack("!H", data[:2])[0])
            raise websocket.WebSocketConnectionClosedException("closed by OBS")
        return ""


class RawClient(obsws):  # type: ignore[misc]
    """One obs-websocket session. ``open()`` and ``request()`` block; call them off the loop."""

    def __init__(
        self,
        host: str,
        port: int,
        password: str,
        *,
        timeout: float = 5.0,
        on_event: EventCallback,
        on_closed: ClosedCallback,
        subscriptions: int = EVENTS_ALL,
    ) -> None:
        super().__init__(host, port, password, legacy=False, timeout=timeout)
        self.subscriptions = subscriptions
        self._on_event = on_event
        self._on_closed = on_closed
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[threading.Event, list[dict[str, Any]]]] = {}
        self._closed = threading.Event()
        self._reader: threading.Thread | None = None
        self._identified = threading.Event()  # OBS's reply to the last Reidentify
        self._reidentifying = threading.Lock()  # held from a Reidentify's send to its reply

    # --- connect --------------------------------------------------------------------------------
    def open(self) -> None:
        where = f"{self.host}:{self.port}"
        sock = _Socket()
        sock.settimeout(self.timeout)
        self.ws = sock
        try:
            sock.connect(f"ws://{where}", subprotocols=["obswebsocket.json"])
        except ConnectionRefusedError as exc:
            if _is_loopback(self.host) and obs_process_running():
                raise ObsConnectError(
                    tr(
                        "无法连接 OBS：{where} 没有程序在监听。本机的 OBS 正在运行，但没有在端口 "
                        "{port} 上开启 WebSocket 服务器：请在 OBS“工具 → WebSocket 服务器设置”中"
                        "勾选“开启 WebSocket 服务器”，并让端口与这里一致"
                    ).format(where=where, port=self.port)
                ) from exc
            raise ObsConnectError(
                tr(
                    "无法连接 OBS：{where} 没有程序在监听。请确认 OBS 已启动，并在“工具 → WebSocket "
                    "服务器设置”中启用服务器、端口与设置一致"
                ).format(where=where)
            ) from exc
        except TimeoutError as exc:
            raise ObsConnectError(tr("连接 OBS 超时：{where} 无响应").format(where=where)) from exc
        except websocket.WebSocketException as exc:
            raise ObsConnectError(
                tr("{where} 上的程序不是 OBS WebSocket 服务器（握手失败：{e}）。请检查端口").format(
                    where=where, e=exc
                )
            ) from exc
        except OSError as exc:
            raise ObsConnectError(
                tr("无法连接 OBS {where}：{e}").format(where=where, e=exc)
            ) from exc
        try:
            self._auth()
        except (
            obs_exc.ConnectionFailure,
            websocket.WebSocketException,
            ValueError,
            KeyError,
        ) as exc:
            code = sock.close_code
            self._shutdown_socket()
            if code == CLOSE_AUTH_FAILED or "password" in str(exc):
                raise ObsAuthError(
                    tr(
                        "OBS 拒绝了密码：请在连接设置中填写 OBS“WebSocket 服务器设置”里的服务器密码"
                    ),
                    code=code or CLOSE_AUTH_FAILED,
                ) from exc
            raise ObsConnectError(
                tr(
                    "{where} 没有按 obs-websocket v5 协议应答（{e}）。需要 OBS 28 或更新版本"
                ).format(where=where, e=exc)
            ) from exc
        except TimeoutError as exc:
            self._shutdown_socket()
            raise ObsConnectError(
                tr("{where} 接受了连接但没有按 obs-websocket 协议应答，请检查端口").format(
                    where=where
                )
            ) from exc
        sock.settimeout(None)
        self._reader = threading.Thread(target=self._read_loop, name="obs-recv", daemon=True)
        self._reader.start()

    def _auth(self) -> None:
        """Hello → Identify → Identified, subscribing to every event category including Ui
        (the library asks for 1023, which leaves out StudioModeStateChanged)."""
        hello = json.loads(self.ws.recv())
        if hello.get("op") != 0:
            raise obs_exc.ConnectionFailure("Invalid Hello message.")
        challenge = hello["d"].get("authentication")
        auth = (
            self._build_auth_string(challenge["salt"], challenge["challenge"]) if challenge else ""
        )
        identify = {
            "op": 1,
            "d": {
                "rpcVersion": 1,
                "authentication": auth,
                "eventSubscriptions": self.subscriptions,
            },
        }
        self.ws.send(json.dumps(identify))
        reply = self.ws.recv()
        if not reply:
            raise obs_exc.ConnectionFailure("Empty response to Identify: wrong password?")
        if json.loads(reply).get("op") != 2:
            raise obs_exc.ConnectionFailure("Invalid Identified message.")

    def reidentify(self, subscriptions: int) -> None:
        """Change the event subscriptions of the open session (obs-websocket op 3, Reidentify) and
        wait for OBS's ``Identified``: only then has OBS counted the change (see the module
        docstring for why a close must not overtake it)."""
        with self._reidentifying:
            if self._closed.is_set() or self.ws is None:
                raise ObsOfflineError()
            self.subscriptions = subscriptions
            self._identified.clear()
            try:
                self.ws.send(json.dumps({"op": 3, "d": {"eventSubscriptions": subscriptions}}))
            except (websocket.WebSocketException, OSError) as exc:
                raise ObsOfflineError() from exc
            answered = self._identified.wait(self.timeout)
            if self._closed.is_set():
                raise ObsOfflineError()
            if not answered:
                raise ObsTimeoutError(
                    tr("OBS 在 {s} 秒内没有应答 {request}").format(
                        s=f"{self.timeout:g}", request="Reidentify"
                    )
                )

    # --- requests -------------------------------------------------------------------------------
    def request(self, request_type: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        if self._closed.is_set() or self.ws is None:
            raise ObsOfflineError()
        with self._lock:
            request_id = str(self.id)
            self.id += 1
        done = threading.Event()
        box: list[dict[str, Any]] = []
        self._pending[request_id] = (done, box)
        payload = {
            "op": 6,
            "d": {"requestType": request_type, "requestId": request_id, "requestData": data or {}},
        }
        try:
            self.ws.send(json.dumps(payload))
        except (websocket.WebSocketException, OSError) as exc:
            self._pending.pop(request_id, None)
            raise ObsOfflineError() from exc
        answered = done.wait(self.timeout)
        self._pending.pop(request_id, None)
        if not box:
            if self._closed.is_set():
                raise ObsOfflineError()
            if not answered:
                raise ObsTimeoutError(
                    tr("OBS 在 {s} 秒内没有应答 {request}").format(
                        s=f"{self.timeout:g}", request=request_type
                    )
                )
            raise ObsOfflineError()
        reply = box[0]
        status = reply.get("requestStatus", {})
        if not status.get("result"):
            raise ObsRequestError(
                request_type, int(status.get("code", 0)), status.get("comment", "")
            )
        result: dict[str, Any] = reply.get("responseData") or {}
        return result

    # --- receive thread -------------------------------------------------------------------------
    def _read_loop(self) -> None:
        sock = self.ws
        code: int | None = None
        try:
            while not self._closed.is_set():
                message = sock.recv()
                if not message:
                    continue
                msg = json.loads(message)
                op = msg.get("op")
                d = msg.get("d", {})
                if op == 7:
                    slot = self._pending.get(d.get("requestId", ""))
                    if slot is not None:
                        slot[1].append(d)
                        slot[0].set()
                elif op == 2:  # Identified: the reply to a Reidentify
                    self._identified.set()
                elif op == 5:
                    try:
                        self._on_event(d.get("eventType", ""), d.get("eventData") or {})
                    except Exception:
                        log.exception("OBS event handler failed")
        except (websocket.WebSocketException, OSError, ValueError) as exc:
            code = sock.close_code
            if not self._closed.is_set():
                log.info("OBS link ended: %s (close code %s)", exc, code)
        finally:
            was_open = not self._closed.is_set()
            self._closed.set()
            for done, _box in list(self._pending.values()):
                done.set()
            self._identified.set()
            if was_open:
                self._shutdown_socket()
                self._on_closed(code if code is not None else sock.close_code)

    def _shutdown_socket(self) -> None:
        try:
            if self.ws is not None:
                self.ws.shutdown()
        except Exception:
            pass

    def close(self) -> None:
        """Close the session (safe to call from any thread, more than once)."""
        if self._closed.is_set():
            return
        # not while a Reidentify is on its way: OBS would count it twice (module docstring)
        took = self._reidentifying.acquire(timeout=self.timeout)
        self._closed.set()
        if took:
            self._reidentifying.release()
        try:
            if self.ws is not None and self.ws.connected:
                self.ws.close(timeout=1)
        except Exception:
            pass
        self._shutdown_socket()
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(2)


__all__ = ["CLOSE_SESSION_INVALIDATED", "RawClient"]
