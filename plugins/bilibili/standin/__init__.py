"""Local stand-ins for Bilibili's servers, for tests and ``livedesk events`` runs (never shipped
traffic): they speak the real protocols through :mod:`plugins.bilibili.codec` and
:mod:`plugins.bilibili.signing`, on 127.0.0.1 only.

- :mod:`~plugins.bilibili.standin.danmaku` — the danmaku WebSocket (``/sub``), shared by the web
  and open-live stand-ins: auth within 5 s, op-3 heartbeat replies, a scripted command stream.
- :mod:`~plugins.bilibili.standin.web` — the web HTTP endpoints (buvid3, nav, get_info,
  getDanmuInfo with the WBI check) plus ``/sub``.
- :mod:`~plugins.bilibili.standin.open_live` — the open-live HTTP API (``/v2/app/start``,
  ``heartbeat``, ``end``: signature, 身份码, 7001/7003…) plus ``/sub`` for its games.
- :mod:`~plugins.bilibili.standin.runner` — serve an app on a free port, in the running loop or in
  a thread of its own.
"""
