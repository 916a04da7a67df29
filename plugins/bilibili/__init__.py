"""Bilibili Live (直播) platform plugin: the pure protocol core shared by both adapters.

Modules (no network code here; the adapters build on them):

- :mod:`plugins.bilibili.codec` — the danmaku long-connection packet codec (frames ↔ packets).
- :mod:`plugins.bilibili.protobuf` — a bounded protobuf wire reader and the ``*_V2`` decoders.
- :mod:`plugins.bilibili.messages_web` / :mod:`plugins.bilibili.messages_open` — commands of the
  web protocol / the official open-live platform mapped to LiveDesk events.
- :mod:`plugins.bilibili.signing` — WBI signing (web) and ``x-bili-*`` HMAC-SHA256 headers
  (open-live).

The adapters: ``bilibili`` (the official open-live platform: :mod:`plugins.bilibili.open_api`,
:mod:`plugins.bilibili.open_adapter`) and ``bilibili-web`` (:mod:`plugins.bilibili.web_api`,
:mod:`plugins.bilibili.web_adapter`), both reading through :mod:`plugins.bilibili.link`; the
local stand-ins they are tested against are in :mod:`plugins.bilibili.standin`.
"""
