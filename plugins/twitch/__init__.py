"""Twitch: chat, cheers, subs and follows through EventSub over WebSocket, reply and mute
through Helix.

- :mod:`plugins.twitch.payloads` — EventSub messages and events as Twitch documents them.
- :mod:`plugins.twitch.mapping` — notifications → LiveDesk events (pure).
- :mod:`plugins.twitch.helix` — OAuth (validate, device code flow) and the Helix calls.
- :mod:`plugins.twitch.eventsub` — one EventSub WebSocket session (welcome, watchdog, close codes).
- :mod:`plugins.twitch.adapter` — the ``twitch`` adapter and its factory.
- :mod:`plugins.twitch.standin` — the local Twitch tests run against.
"""
