"""The frozen app's entry script (PyInstaller runs this as ``__main__``; packaging/livedesk.spec).

Everything a frozen start needs before LiveDesk's own start-up path, then :func:`app.main.main`:
- ``multiprocessing.freeze_support()`` first, on every OS (PyInstaller's "Multi-processing");
- :data:`app.self_command.FROZEN`: LiveDesk starts its own children as ``livedesk --run-module …``
  (also for a freezer that does not set ``sys.frozen``);
- :func:`app.self_command.restore_library_path`: the bootloader's ``LD_LIBRARY_PATH`` (the
  bundle's libraries) is not passed on to the browser or OBS;
- no ``os.chdir``: paths given on the command line stay relative to where the user started it.
Windowed builds (no stdout/stderr) are handled by app.main itself (app/logs.py).
"""

from __future__ import annotations

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    import app.self_command

    app.self_command.FROZEN = True
    app.self_command.restore_library_path()  # external programs get the user's, not ours
    from app.main import main

    sys.exit(main())
