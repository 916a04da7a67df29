"""Where LiveDesk's logs go, also when it has no terminal (a windowed build: LiveDesk.exe, the
macOS app, a double-clicked desktop entry).

Guarantees:
- :func:`ensure_streams` (first thing in :func:`app.main.main`): a missing ``sys.stdout`` /
  ``sys.stderr`` (``None`` in a windowed PyInstaller build) is replaced by the null device, so
  ``print``, argparse's messages and libraries that ask ``sys.stdout.isatty()`` (uvicorn's default
  log config) never raise. It says whether the streams were missing.
- :func:`setup_logging` (the console's): records go to stderr when there is one, and always to
  ``<data dir>/logs/livedesk.log``, rotated at :data:`MAX_BYTES` with :data:`BACKUPS` old files
  kept — the file a streamer sends to support. A log file that cannot be opened (read-only data
  dir) is said on stderr and skipped; it never stops the console.
- Python's fault handler is on (:func:`enable_faulthandler`, unless already on): a hard crash (a segfault in Qt, a
  deadlock killed with SIGABRT) writes every thread's traceback to ``<data dir>/logs/crash.log``
  (appended, with the time of the start), or to stderr when the file cannot be opened.
"""

from __future__ import annotations

import faulthandler
import logging
import logging.handlers
import os
import sys
import time
from pathlib import Path
from typing import IO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_BYTES = 2 * 1024 * 1024
BACKUPS = 3
_fault_file: IO[str] | None = None  # open for the process's life: faulthandler writes to its fd
_windowed = False  # ensure_streams found no stdout/stderr


def log_dir() -> Path:
    from app.settings import data_dir  # not at import: `livedesk --version` stays light

    return data_dir() / "logs"


def ensure_streams() -> bool:
    """Give a windowed process null stdout/stderr; True if they were missing."""
    global _windowed
    missing = False
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # for the process's life
        missing = True
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # for the process's life
        missing = True
    _windowed = _windowed or missing
    return missing


def windowed() -> bool:
    """Started without stdout/stderr (a windowed build): what the operator must know needs a
    dialog, not a line on stderr."""
    return _windowed


def enable_faulthandler() -> Path | None:
    """Fault tracebacks to the crash log (its path), or to stderr (None) if it cannot be opened;
    left alone (None) where someone already turned it on (``python -X faulthandler``, pytest)."""
    global _fault_file
    if faulthandler.is_enabled() and _fault_file is None:
        return None
    path = log_dir() / "crash.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if _fault_file is None:
            _fault_file = open(path, "a", encoding="utf-8")
            _fault_file.write(f"--- livedesk started {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
            _fault_file.flush()
        faulthandler.enable(file=_fault_file, all_threads=True)
        return path
    except OSError as exc:
        print(
            f"livedesk: crash log {path} unavailable ({exc}): faults go to stderr", file=sys.stderr
        )
        faulthandler.enable(all_threads=True)
        return None


def setup_logging(verbose: bool = False) -> Path | None:
    """Root logging to stderr and the rotated log file; the log file's path (None if unusable)."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    path = log_dir() / "livedesk.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(
            logging.handlers.RotatingFileHandler(
                path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
            )
        )
    except OSError as exc:
        print(f"livedesk: log file {path} unavailable ({exc})", file=sys.stderr)
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO, format=FORMAT, handlers=handlers
    )
    enable_faulthandler()
    return path if len(handlers) > 1 else None
