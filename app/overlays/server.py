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

_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>LiveDesk 叠加层</title>
<style>body{margin:0;background:transparent;font-family:"Noto Sans CJK SC","PingFang SC",
"Microsoft YaHei",sans-serif;color:#fff}.card{display:none;margin:16px;padding:16px 20px;
border-radius:18px;background:rgba(20,20,28,.85);max-width:640px}.card.on{display:block}
.big{font-size:44px;font-weight:700;color:#ffd666}.t{font-size:28px;font-weight:700}
.m{font-size:22px;color:#d2d2dc}</style></head><body data-kind="__KIND__">
<div id="product" class="card"><div class="m">正在讲解</div><div class="t" id="p-title"></div>
<div class="big" id="p-price"></div><div class="m" id="p-stock"></div></div>
<div id="coupon" class="card"><div class="big" id="c-amount"></div><div class="t" id="c-cond"></div>
<div class="m" id="c-left"></div></div>
<div id="flash_sale" class="card"><div class="m">限时秒杀</div><div class="big" id="f-clock"></div>
<div class="t" id="f-title"></div><div class="m" id="f-left"></div></div>
<div id="lottery" class="card"><div class="m">福利抽奖</div><div class="t" id="l-prize"></div>
<div class="big" id="l-clock"></div><div class="m" id="l-info"></div></div>
<div id="winners" class="card"><div class="m">中奖名单</div><div class="t" id="w-prize"></div>
<div class="m" id="w-names"></div></div>
<script>
const only=document.body.dataset.kind;
const y=c=>{const w=Math.floor(c/100),f=c%100;return f?(w+"."+String(f).padStart(2,"0")).replace(/0$/,""):String(w)};
const clk=s=>String(Math.floor(s/60)).padStart(2,"0")+":"+String(s%60).padStart(2,"0");
const T=(id,v)=>{document.getElementById(id).textContent=v};
function show(st){for(const k of ["product","coupon","flash_sale","lottery","winners"]){
 const c=st[k],el=document.getElementById(k);el.classList.toggle("on",!!c&&(only==="all"||only===k));
 if(!c)continue;
 if(k==="product"){T("p-title",c.title);T("p-price","¥"+y(c.flash_price_cents??c.price_cents));T("p-stock","仅剩 "+c.stock_left+" 件")}
 if(k==="coupon"){T("c-amount",c.percent_off?((100-c.percent_off)/10)+"折":"¥"+y(c.amount_cents||0));
  T("c-cond",c.threshold_cents>0?"满"+y(c.threshold_cents)+"元可用":"无门槛");T("c-left","剩余 "+c.remaining+" 张")}
 if(k==="flash_sale"){T("f-clock",clk(c.seconds_left));T("f-title",c.product_title);T("f-left","¥"+y(c.price_cents)+" · 剩 "+c.remaining+" 件")}
 if(k==="lottery"){T("l-prize",c.prize);T("l-clock",clk(c.seconds_left));T("l-info","评论“"+c.keyword+"”参与 · 已有 "+c.entrants+" 人")}
 if(k==="winners"){T("w-prize",c.prize);T("w-names",c.nicknames.join("、"))}}}
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

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the overlay server only listens on the loopback interface")
        self.host = host
        self.port = port
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

    async def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
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
