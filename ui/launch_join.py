"""``python -m ui.launch_join ARGS``: ``livedesk join ARGS`` without the installed entry point
(the ``join`` command of ``livedesk.commands`` is registered when the package is installed)."""

from __future__ import annotations

import sys

from ui.launch import join

if __name__ == "__main__":
    sys.exit(join(sys.argv[1:]))
