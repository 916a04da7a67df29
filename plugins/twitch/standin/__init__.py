"""The local Twitch the ``twitch`` adapter is tested against: EventSub WebSocket (the Twitch CLI
mock server's semantics) and Helix/OAuth HTTP in one app (:mod:`plugins.twitch.standin.server`),
served by the Bilibili stand-ins' runner; ``python -m plugins.twitch.standin`` runs it as a
process with a script."""
