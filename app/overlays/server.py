"""The local overlay server (127.0.0.1 only): pages for OBS Browser Source, updated live over a
WebSocket from the same overlay state, so no manual refresh is ever needed.

``/`` all overlays, ``/overlay/{kind}`` one overlay, ``/state`` the state as JSON, ``/ws`` pushes
``{"state": …}`` on connect and on every change. Text is inserted with ``textContent`` (plain text).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from collections.abc import Generator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from app.aio import spawn
from app.overlays.layout import Kind
from app.overlays.state import OverlayState

log = logging.getLogger(__name__)

#: the overlay page server's port unless settings say otherwise (fixed, so Browser Source URLs
#: survive restarts; obs-websocket's own default is 4455)
DEFAULT_PORT = 4480

_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>LiveDesk 叠加层</title>
<style>body{margin:0;background:transparent;font-family:"Noto Sans CJK SC","PingFang SC",
"Microsoft YaHei",sans-serif;color:#fff}.card{display:none;margin:16px;padding:16px 20px;
border-radius:18px;background:rgba(20,20,28,.85);max-width:640px}.card.on{display:block}
.big{font-size:44px;font-weight:700;color:#ffd666}.t{font-size:28px;font-weight:700}
.m{font-size:22px;color:#d2d2dc}.was{font-size:22px;color:#aaa;text-decoration:line-through}
.badge{display:inline-block;padding:2px 10px;border-radius:8px;background:#ff7800;font-size:20px}
#product.on{display:flex;gap:18px;align-items:center}#p-img{width:200px;height:200px;
object-fit:cover;border-radius:14px;background:#464656}#p-img[src=""]{visibility:hidden}</style>
</head><body data-kind="__KIND__">
<div id="product" class="card"><img id="p-img" src="" alt=""><div><div class="m">正在讲解</div>
<div class="t" id="p-title"></div><div><span class="badge" id="p-flash">秒杀价</span>
<span class="big" id="p-price"></span></div><div class="was" id="p-was"></div>
<div class="m" id="p-stock"></div></div></div>
<div id="coupon" class="card"><div class="big" id="c-amount"></div><div class="t" id="c-cond"></div>
<div class="m" id="c-left"></div></div>
<div id="flash_sale" class="card"><div class="m" id="f-head">限时秒杀</div><div class="big" id="f-clock"></div>
<div class="t" id="f-title"></div><div class="m" id="f-left"></div><div class="was" id="f-was"></div></div>
<div id="lottery" class="card"><div class="m">福利抽奖</div><div class="t" id="l-prize"></div>
<div class="big" id="l-clock"></div><div class="m" id="l-info"></div></div>
<div id="winners" class="card"><div class="m">中奖名单</div><div class="t" id="w-prize"></div>
<div class="m" id="w-names"></div></div>
<script>
const only=document.body.dataset.kind;
const y=c=>{const w=Math.floor(c/100),f=c%100;return f?(w+"."+String(f).padStart(2,"0")).replace(/0$/,""):String(w)};
const clk=s=>String(Math.floor(s/60)).padStart(2,"0")+":"+String(s%60).padStart(2,"0");
const E=id=>document.getElementById(id);
const T=(id,v)=>{E(id).textContent=v};
const V=(id,on)=>{E(id).style.display=on?"":"none"};
function img(url){const el=E("p-img"),ok=/^https?:[/][/]/.test(url||"");
 if(el.getAttribute("src")!==(ok?url:""))el.setAttribute("src",ok?url:"")}
function show(st){for(const k of ["product","coupon","flash_sale","lottery","winners"]){
 const c=st[k],el=E(k);el.classList.toggle("on",!!c&&(only==="all"||only===k));
 if(!c)continue;
 if(k==="product"){T("p-title",c.title);img(c.image_url);const fl=c.flash_price_cents!=null;
  const was=fl?(c.original_price_cents||c.price_cents):c.original_price_cents;
  T("p-price","¥"+y(fl?c.flash_price_cents:c.price_cents));V("p-flash",fl);
  T("p-was",was&&(fl||was>c.price_cents)?"¥"+y(was):"");
  T("p-stock",c.stock_left>0?"仅剩 "+c.stock_left+" 件":"已售罄")}
 if(k==="coupon"){T("c-amount",c.percent_off?((100-c.percent_off)/10)+"折":"¥"+y(c.amount_cents||0));
  T("c-cond",c.threshold_cents>0?"满"+y(c.threshold_cents)+"元可用":"无门槛");T("c-left","剩余 "+c.remaining+" 张")}
 if(k==="flash_sale"){T("f-head",c.scheduled?"秒杀即将开始":"限时秒杀");T("f-clock",clk(c.seconds_left));
  T("f-title",c.product_title);T("f-left","¥"+y(c.price_cents)+" · 剩 "+c.remaining+" 件");
  T("f-was",c.original_price_cents?"¥"+y(c.original_price_cents):"")}
 if(k==="lottery"){T("l-prize",c.prize);T("l-clock",clk(c.seconds_left));T("l-info","评论“"+c.keyword+"”参与 · 已有 "+c.entrants+" 人")}
 if(k==="winners"){T("w-prize",c.prize);T("w-names",c.nicknames.join("、"))}}
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


class OverlayServer:
    """Serves the overlay state; also an overlay sink (``apply``) for the controller."""

    def __init__(self, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the overlay server only listens on the loopback interface")
        self.host = host
        self.port = port
        self.wanted_port = port
        #: set when the wanted port was taken and another one is used (shown to the operator)
        self.note: str | None = None
        self.state = OverlayState()
        self._clients: set[WebSocket] = set()
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
            self.note = (
                f"叠加层端口 {self.wanted_port} 已被占用（{exc.strerror or exc}），本次改用 {got}："
                f"浏览器源地址需随之更改 (overlay port {self.wanted_port} is taken, using {got})"
            )
            log.warning("%s", self.note)
        self.port = int(sock.getsockname()[1])
        config = uvicorn.Config(
            self.app, log_level="warning", lifespan="off", ws="websockets-sansio"
        )
        self._server = _EmbeddedServer(config)
        self._task = spawn(self._server.serve(sockets=[sock]), name="overlay-server")
        while not self._server.started:  # noqa: ASYNC110 - uvicorn exposes only a flag
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        for ws in list(self._clients):
            with contextlib.suppress(Exception):
                await ws.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._task, 5)
        self._server = None
        self._task = None

    async def apply(self, state: OverlayState, changed: set[Kind]) -> None:
        self.state = state
        message = json.dumps({"state": state.to_json(), "changed": sorted(changed)})
        for ws in list(self._clients):
            try:
                await ws.send_text(message)
            except Exception:
                self._clients.discard(ws)

    async def _page(self, request: Request) -> Response:
        kind = request.path_params.get("kind", "all")
        if kind != "all" and kind not in {k.value for k in Kind}:
            return Response("unknown overlay", status_code=404)
        return HTMLResponse(_PAGE.replace("__KIND__", kind))

    async def _state(self, _request: Request) -> Response:
        return JSONResponse(self.state.to_json())

    async def _ws(self, ws: WebSocket) -> None:
        await ws.accept()
        self._clients.add(ws)
        try:
            await ws.send_text(json.dumps({"state": self.state.to_json(), "changed": []}))
            while True:
                await ws.receive_text()  # keep the socket open; pages send nothing
        except WebSocketDisconnect:
            pass
        finally:
            self._clients.discard(ws)
