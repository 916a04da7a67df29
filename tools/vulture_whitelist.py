"""Names vulture (the dead-code check in ``make lint``) cannot see being used. Reviewed: each entry
says who uses the name. Not imported by anything; ``_`` stands for any object.

Whole classes of false positives are ignored by pattern in pyproject.toml ([tool.vulture]):
Qt's virtual methods (``*Event``, ``eventFilter``, the drag-and-drop hooks), route and exception
handler decorators of the sandbox's FastAPI app, pydantic validators, pytest fixtures and marks.
Add a name here only with its reason; code that nothing uses is deleted instead.
"""
# ruff: noqa: B018, F821  (bare attribute expressions on an undefined ``_``: vulture's format)

# entry points (pyproject.toml): main, run and join are common names that vulture sees used anyway
_.SandboxAdapterFactory  # livedesk.platforms
_.BilibiliWebAdapterFactory  # livedesk.platforms

# pydantic: model settings and fields that are part of a wire or settings schema (read by
# pydantic, written to JSON, filled by the platform)
_.model_config
_.valid_seconds  # coupon payloads
_.duration_seconds  # flash sale and lottery payloads
_.stock_delta  # sandbox product patch body
_.released_ts  # Reservation: when the platform gave the units back (wire schema, recorded)
_.plugins  # Settings: per-plugin namespaces

# overrides and callbacks of libraries
_.capture_signals  # uvicorn.Server: the embedded overlay server leaves SIGINT/SIGTERM alone
_.should_exit  # uvicorn.Server: read by its serve loop
_.force_exit  # uvicorn.Server: read by its shutdown (the Bilibili stand-in does not wait)
_.on_ws_connected  # picows.WSListener callbacks
_.on_ws_frame
_.on_ws_disconnected
_.__cause__  # exception chaining, read by traceback
_.do_GET  # http.server.BaseHTTPRequestHandler (tests' stub servers)
_.log_message
_.unraisablehook  # sys.unraisablehook, set by a test child process

# references kept only to keep something alive
_._buffer  # ui/camera/preview_widget.py: the numpy memory the shown QImage points into
_._keep_mates  # tools/team_screenshots.py: teammates stay connected for the window's grab

# names that document a position (plugins/sandbox/audience.py: the activity mix weights by kind)
_.GREET
_.REACTION
_.CLAIM

# counters read by name through dataclasses.fields (app/session/writer.py SecondCounts.values)
_.follows

# decoded protobuf fields kept to document the wire message (plugins/bilibili/protobuf.py)
_.gift_id
_.gift_type
_.face

# a keyring backend loaded by name (PYTHON_KEYRING_BACKEND) in test children: tests/support/file_keyring.py
_.FileKeyring
_.priority
_.delete_password
