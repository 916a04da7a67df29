"""The sandbox's HTTP and WebSocket routes, one router per resource (docs/platform-api.md).

:mod:`~plugins.sandbox.routes.context` holds what every route shares (authentication, the
once-per-Idempotency-Key action runner); each other module builds one resource's router from a
:class:`~plugins.sandbox.routes.context.RoomApi`. Routes only parse, authorise, call the
:class:`~plugins.sandbox.engine.RoomEngine` and map its errors: the business rules are the
engine's. :func:`plugins.sandbox.server.create_app` assembles them.
"""
