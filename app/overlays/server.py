"""The local overlay server (127.0.0.1 only): pages for OBS Browser Source, updated live over a
WebSocket from the same overlay state, so no manual refresh is ever needed.

``/`` all overlays, ``/overlay/{kind}`` one overlay, ``/state`` the state as JSON, ``/ws`` pushes
``{"state": …}`` on connect and on every change. Text is inserted with ``textContent`` (plain text).
The page carries no words of its own: each card comes with its ``words`` (app/overlays/words.py,
the same the PNG cards draw) in the audience's language (``OverlayState.language``), and the
state with the page's ``lang``.

Guarantees:

- :meth:`OverlayServer.apply` never waits on a page: each WebSocket client has a one-message
  mailbox (latest state wins: a page only ever needs the newest state) and its own sender; a
  client whose send has not gone out within :data:`SEND_TIMEOUT` (it stopped reading) is dropped
  — its connection aborted, not closed politely, as a close would wait on the same full buffer.
  A page that is dropped reconnects by itself and gets the current state. So one dead Browser
  Source never freezes the others, nor the PNG overlays (they have their own feed in the
  controller). What a client sends is read and discarded (at most :data:`MAX_INCOMING` a message).
- Only this machine's pages: every HTTP request and WebSocket must name the server by a loopback
  ``Host`` (``127.0.0.1:PORT``, ``localhost:PORT``, ``[::1]:PORT``) and, when a browser sends an
  ``Origin``, come from one of those origins (OBS Browser Source loads our page over http, so its
  WebSocket has our own origin; other programs send none). Anything else is answered 403: a web
  page that rebinds its DNS name to 127.0.0.1 (or opens ``ws://127.0.0.1:PORT`` from elsewhere)
  can read nothing. ``Origin: null`` (sandboxed frames, ``file:`` pages) is refused too.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import socket
from collections.abc import Generator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from app.aio import spawn, wait_within
from app.i18n import language, tr, translator
from app.overlays.layout import Kind
from app.overlays.state import OverlayState
from app.overlays.words import PAGE_TITLE, card_words, page_language

log = logging.getLogger(__name__)

#: the overlay page server's port unless settings say otherwise (fixed, so Browser Source URLs
#: survive restarts; obs-websocket's own default is 4455)
DEFAULT_PORT = 4480
#: a push to one page that has not gone out after this long: the page stopped reading, drop it
SEND_TIMEOUT = 5.0
#: pages send nothing; what a client sends anyway is read and dropped, at most this much a message
MAX_INCOMING = 64 * 1024
#: the ASGI scope extension through which the server can abort a connection (see _WsProtocol)
_ABORT = "livedesk.abort"

_PAGE = """<!doctype html><html lang="__LANG__"><head><meta charset="utf-8"><title>__TITLE__</title>
<style>body{margin:0;background:transparent;font-family:"Noto Sans CJK SC","PingFang SC",
"Microsoft YaHei",sans-serif;color:#fff}.card{display:none;margin:16px;padding:16px 20px;
border-radius:18px;background:rgba(20,20,28,.85);max-width:640px}.card.on{display:block}
.big{font-size:44px;font-weight:700;color:#ffd666}.t{font-size:28px;font-weight:700;
overflow-wrap:break-word}.m{font-size:22px;color:#d2d2dc}
.was{font-size:22px;color:#aaa;text-decoration:line-through}
.badge{display:inline-block;padding:2px 10px;border-radius:8px;background:#ff7800;font-size:20px}
#product.on{display:flex;gap:18px;align-items:center}#p-img{width:200px;height:200px;
object-fit:cover;border-radius:14px;background:#464656}#p-img[src=""]{visibility:hidden}</style>
</head><body data-kind="__KIND__">
<div id="product" class="card"><img id="p-img" src="" alt=""><div><div class="m" id="p-head"></div>
<div class="t" id="p-title"></div><div><span class="badge" id="p-flash"></span>
<span class="big" id="p-price"></span></div><div class="was" id="p-was"></div>
<div class="m" id="p-stock"></div></div></div>
<div id="coupon" class="card"><div class="big" id="c-amount"></div><div class="t" id="c-cond"></div>
<div class="m" id="c-left"></div></div>
<div id="flash_sale" class="card"><div class="m" id="f-head"></div><div class="big" id="f-clock"></div>
<div class="t" id="f-title"></div><div class="m" id="f-left"></div><div class="was" id="f-was"></div></div>
<div id="lottery" class="card"><div class="m" id="l-head"></div><div class="t" id="l-prize"></div>
<div class="big" id="l-clock"></div><div class="m" id="l-info"></div><div class="m" id="l-commit"></div></div>
<div id="winners" class="card"><div class="m" id="w-head"></div><div class="t" id="w-prize"></div>
<div class="m" id="w-names"></div></div>
<div id="quiz" class="card"><div class="m" id="q-head"></div><div class="t" id="q-question"></div>
<div class="m" id="q-options"></div><div class="m" id="q-foot"></div></div>
<div id="red_envelope" class="card"><div class="m" id="r-head"></div><div class="big" id="r-clock"></div>
<div class="t" id="r-title"></div><div class="m" id="r-left"></div><div class="m" id="r-best"></div></div>
<script>
const only=document.body.dataset.kind;
const E=id=>document.getElementById(id);
const T=(id,v)=>{E(id).textContent=v};
const V=(id,on)=>{E(id).style.display=on?"":"none"};
function img(url){const el=E("p-img"),ok=/^https?:[/][/]/.test(url||"");
 if(el.getAttribute("src")!==(ok?url:""))el.setAttribute("src",ok?url:"")}
function show(st){if(st.lang)document.documentElement.lang=st.lang;
 for(const k of ["product","coupon","flash_sale","lottery","winners","quiz","red_envelope"]){
 const c=st[k],el=E(k);el.classList.toggle("on",!!c&&(only==="all"||only===k));
 if(!c)continue;const w=c.words;
 if(k==="product"){T("p-head",w.badge);T("p-flash",w.flash_badge);T("p-title",c.title);img(c.image_url);
  const fl=c.flash_price_cents!=null;const was=fl?(c.original_price_cents||c.price_cents):c.original_price_cents;
  T("p-price",fl?c.money.flash_price_cents:c.money.price_cents);V("p-flash",fl);
  T("p-was",was&&(fl||was>c.price_cents)?(was===c.original_price_cents?c.money.original_price_cents:c.money.price_cents):"");
  T("p-stock",w.stock)}
 if(k==="coupon"){T("c-amount",w.big);T("c-cond",w.condition);T("c-left",w.left)}
 if(k==="flash_sale"){T("f-head",w.badge);T("f-clock",w.clock);
  T("f-title",c.product_title);T("f-left",c.money.price_cents+" · "+w.left);
  T("f-was",c.original_price_cents?c.money.original_price_cents:"")}
 if(k==="lottery"){T("l-head",w.badge);T("l-prize",c.prize);T("l-clock",w.head);
  T("l-info",w.keyword+" · "+w.entrants);T("l-commit",w.commitment)}
 if(k==="winners"){T("w-head",w.badge);T("w-prize",c.prize);T("w-names",w.list||w.nobody)}
 if(k==="quiz"){T("q-head",c.status!=="open"?w.head:c.manual?w.badge:w.badge+" "+w.head);T("q-question",c.question);
  T("q-options",c.options.map((o,i)=>"ABCD"[i]+". "+o+" · "+c.tally[i]+(c.correct===i?" ✓":"")).join("\u3000"));
  T("q-foot",w.foot)}
 if(k==="red_envelope"){T("r-head",w.badge);T("r-clock",w.clock);T("r-title",w.title);
  T("r-left",w.status);T("r-best",c.best_nickname?w.best:"")}}
 document.body.dataset.updates=String(Number(document.body.dataset.updates||0)+1)}
function connect(){const ws=new WebSocket("ws://"+location.host+"/ws");
 ws.onmessage=e=>show(JSON.parse(e.data).state);ws.onclose=()=>setTimeout(connect,1000)}
connect();
</script></body></html>"""


class _EmbeddedServer(uvicorn.Server):
    """uvicorn inside the console: it must not take over SIGINT/SIGTERM (by default it does, for
    as long as it serves, and then the console would ignore a shutdown request)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class _WsProtocol(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol, plus a way for the app to abort a connection: a polite close
    of a peer that stopped reading waits for a send buffer that never drains (asyncio closes a
    transport only once its buffer is flushed), so a dead Browser Source would stay forever."""

    async def run_asgi(self) -> None:
        self.scope["extensions"][_ABORT] = {"abort": self.transport.abort}  # type: ignore[index]
        await super().run_asgi()


def _abort(ws: WebSocket) -> None:
    ext: dict[str, Any] = ws.scope.get("extensions") or {}
    abort = (ext.get(_ABORT) or {}).get("abort")
    if callable(abort):
        abort()


class _Client:
    """One WebSocket page: the newest message waiting for it (one slot) and whether it stalled."""

    def __init__(self, ws: WebSocket, send_timeout: float) -> None:
        self.ws = ws
        self.send_timeout = send_timeout
        self.stalled = False
        self.gone = False
        self.sending = False  # a send is under way (it waits while the page does not read)
        self.sent = 0
        self._pending: str | None = None
        self._wake = asyncio.Event()

    def offer(self, message: str) -> None:
        """Replace whatever this client has not been sent yet (never waits)."""
        self._pending = message
        self._wake.set()

    def leave(self) -> None:
        self.gone = True
        self._wake.set()

    async def run(self) -> None:
        """Send the newest message whenever there is one; return once the page left or stalled."""
        while not self.gone:
            await self._wake.wait()
            self._wake.clear()
            message, self._pending = self._pending, None
            if message is None or self.gone:
                continue
            self.sending = True
            try:
                async with asyncio.timeout(self.send_timeout):
                    await self.ws.send_text(message)
            except TimeoutError:
                self.stalled = True
                return
            except Exception:  # the page went away mid-send
                return
            finally:
                self.sending = False
            self.sent += 1


class _LoopbackOnly:
    """ASGI middleware: 403 unless ``Host`` names this server by a loopback name and ``Origin``
    (when there is one) is one of those origins — defeats DNS rebinding and foreign pages."""

    def __init__(self, app: ASGIApp, server: OverlayServer) -> None:
        self.app = app
        self.server = server

    def allowed(self, scope: Scope) -> bool:
        names = {f"{h}:{self.server.port}" for h in ("127.0.0.1", "localhost", "[::1]")}
        headers = {k.lower(): v for k, v in scope.get("headers") or ()}
        host = headers.get(b"host", b"").decode("latin-1").strip().lower()
        if host not in names:
            return False
        origin = headers.get(b"origin")
        if origin is None:
            return True  # not a browser page (OBS' own requests, tools, tests)
        return origin.decode("latin-1").strip().lower() in {f"http://{n}" for n in names}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self.allowed(scope):
            await self.app(scope, receive, send)
            return
        log.warning(
            "overlay server refused a request for %s (not a page of this machine)", scope["path"]
        )
        if scope["type"] == "http":
            await PlainTextResponse("forbidden", status_code=403)(scope, receive, send)
        else:
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008})  # before accept: HTTP 403


class OverlayServer:
    """Serves the overlay state; also an overlay sink (``apply``) for the controller."""

    uses_images = False  # pages load product images themselves

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        *,
        send_timeout: float = SEND_TIMEOUT,
    ) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the overlay server only listens on the loopback interface")
        self.host = host
        self.port = port
        self.wanted_port = port
        self.send_timeout = send_timeout
        #: set when the wanted port was taken and another one is used (shown to the operator)
        self.note: str | None = None
        self.state = OverlayState()
        self._clients: set[_Client] = set()
        #: pages dropped because they stopped reading (since start)
        self.dropped = 0
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.app = Starlette(
            routes=[
                Route("/", self._page),
                Route("/overlay/{kind}", self._page),
                Route("/state", self._state),
                WebSocketRoute("/ws", self._ws),
            ]
        )
        self.app.add_middleware(_LoopbackOnly, server=self)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def page_url(self, kind: Kind | None = None) -> str:
        """The Browser Source URL of one overlay (``None``: all overlays on one page)."""
        return self.url + ("/" if kind is None else f"/overlay/{kind.value}")

    def page_urls(self) -> dict[Kind, str]:
        return {kind: self.page_url(kind) for kind in Kind}

    def _bind(self, port: int) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            # a restart may reuse the port at once (TIME_WAIT), but a second server on it must fail
            # here and fall back: Linux/macOS SO_REUSEADDR still refuses a port someone listens on;
            # on Windows the same option would allow that, so take the port exclusively there
            if hasattr(socket, "SO_EXCLUSIVEADDRUSE"):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
            else:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, port))
        except OSError:
            sock.close()
            raise
        return sock

    async def start(self) -> None:
        """Listen on the configured port; when it is taken, on a free one (``note`` says so), so
        a Browser Source URL stays the same from one start to the next whenever it can."""
        try:
            sock = self._bind(self.wanted_port)
            self.note = None
        except OSError as exc:
            if self.wanted_port == 0:
                raise
            sock = self._bind(0)
            got = sock.getsockname()[1]
            self.note = tr(
                "叠加层端口 {port} 已被占用（{why}），本次改用 {got}：浏览器源地址需随之更改"
            ).format(port=self.wanted_port, why=exc.strerror or exc, got=got)
            log.warning("%s", self.note)
        self.port = int(sock.getsockname()[1])
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            lifespan="off",
            ws=_WsProtocol,
            ws_max_size=MAX_INCOMING,
        )
        self._server = _EmbeddedServer(config)
        self._task = spawn(self._server.serve(sockets=[sock]), name="overlay-server")
        while not self._server.started:  # noqa: ASYNC110 - uvicorn exposes only a flag
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        for client in list(self._clients):  # pages reconnect by themselves; a close could wait
            client.leave()
            _abort(client.ws)
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await wait_within(self._task, 5)
        self._server = None
        self._task = None

    @property
    def clients(self) -> int:
        """WebSocket pages connected now."""
        return len(self._clients)

    @property
    def blocked(self) -> int:
        """Pages whose latest push is still waiting to go out (not reading, for now)."""
        return sum(c.sending for c in self._clients)

    async def apply(self, state: OverlayState, changed: set[Kind]) -> None:
        """Offer ``state`` to every page; returns at once (never waits on a page)."""
        self.state = state
        message = self._message(changed)
        for client in list(self._clients):
            client.offer(message)

    def _state_json(self) -> dict[str, Any]:
        """The state as the page reads it: each shown card with its ``words`` (already in the
        audience's language, app/overlays/words.py) and the page's ``lang``."""
        out = self.state.to_json()
        for kind in Kind:
            card = self.state.get(kind)
            if card is not None:
                out[kind.value]["words"] = card_words(card, self.state.language)
        out["lang"] = page_language(self.state.language)
        return out

    def _message(self, changed: set[Kind]) -> str:
        return json.dumps({"state": self._state_json(), "changed": sorted(changed)})

    async def _page(self, request: Request) -> Response:
        kind = request.path_params.get("kind", "all")
        if kind != "all" and kind not in {k.value for k in Kind}:
            return Response("unknown overlay", status_code=404)
        lang = self.state.language
        page = _PAGE.replace("__KIND__", kind).replace("__LANG__", page_language(lang))
        return HTMLResponse(
            page.replace("__TITLE__", html.escape(translator(lang or language())(PAGE_TITLE)))
        )

    async def _state(self, _request: Request) -> Response:
        return JSONResponse(self._state_json())

    async def _ws(self, ws: WebSocket) -> None:
        await ws.accept()
        client = _Client(ws, self.send_timeout)
        self._clients.add(client)
        client.offer(self._message(set()))
        reader = spawn(self._read(client), name="overlay-ws-read")
        try:
            await client.run()
        finally:
            self._clients.discard(client)
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
            if client.stalled:
                self.dropped += 1
                log.warning("overlay page %s stopped reading: dropped", ws.client)
                _abort(ws)

    @staticmethod
    async def _read(client: _Client) -> None:
        """Read (and drop) what the page sends, until it leaves."""
        try:
            while True:
                message = await client.ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
        except Exception:  # any failure to read means the page is gone
            pass
        finally:
            client.leave()
