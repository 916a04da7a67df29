"""The one startup path: ``livedesk`` (the console), ``livedesk sandbox`` (the sandbox platform),
``livedesk events`` (a room's events as JSON lines, app/events_tap.py), ``livedesk replay FILE``
and ``livedesk report FILE`` (a recording's replay window and its report), ``livedesk --version``.

Subcommands are entry points of the ``livedesk.commands`` group (each a ``run(argv) -> int``), so
the core never imports the UI or a plugin: ``console`` lives in ``ui``, ``sandbox`` in
``plugins.sandbox``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points

from app import __version__
from app.logs import ensure_streams
from app.self_command import RUN_MODULE, run_module

DEFAULT_COMMAND = "console"
USAGE = """usage: livedesk [--version] [COMMAND] [ARGS...]

commands:
{commands}
Run `livedesk COMMAND --help` for a command's options. With no command, opens the console."""


def commands() -> dict[str, Callable[[], Callable[[list[str]], int]]]:
    """Every registered subcommand: name → loader of its ``run(argv) -> int``."""
    found: dict[str, Callable[[], Callable[[list[str]], int]]] = {}
    for ep in entry_points(group="livedesk.commands"):
        found[ep.name] = ep.load
    return found


def main(argv: Sequence[str] | None = None) -> int:
    ensure_streams()  # a windowed build has none: print() and uvicorn would raise
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == [RUN_MODULE]:  # a frozen app starting itself as another program
        return run_module(args[1:])
    if args[:1] in (["--version"], ["-V"]):
        print(f"livedesk {__version__}")
        return 0
    available = commands()
    if args[:1] in (["-h"], ["--help"]):
        print(USAGE.format(commands="".join(f"  {name}\n" for name in sorted(available))))
        return 0
    name = DEFAULT_COMMAND
    if args and not args[0].startswith("-"):
        name = args.pop(0)
    loader = available.get(name)
    if loader is None:
        print(f"livedesk: unknown command {name!r} (try --help)", file=sys.stderr)
        return 2
    run = loader()
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
