"""How LiveDesk starts itself as one of its own programs (the built-in sandbox's child, the PDF
printer, a restart of the console), from a source checkout, a wheel and a frozen bundle alike.

Guarantees:
- :func:`self_command` is the one way to build such a command line; nothing else spawns
  ``sys.executable`` (a test greps app/, ui/ and plugins/ for it).
- From source or an installed wheel it is ``[python, "-m", module, *args]``.
- In a frozen app ``sys.executable`` is LiveDesk itself, which knows no ``-m`` (PyInstaller's
  "Using sys.executable to spawn subprocesses"): the command is ``[livedesk, RUN_MODULE, module,
  *args]``, which :func:`app.main.main` hands to :func:`run_module` before any other parsing;
  ``app.main`` itself is just ``[livedesk, *args]``. Frozen means ``sys.frozen`` (PyInstaller
  sets it) or :data:`FROZEN` (set by packaging/entry.py, for a freezer that does not).
- Only the modules in :data:`SELF_MODULES` can be run that way (anything else exits 2): a
  bundle is not a general-purpose Python.
- External programs (the browser that 用浏览器登录 opens through xdg-open, OBS, anything added
  later) never inherit the bundle's library path: PyInstaller's bootloader starts a frozen Linux
  app with ``LD_LIBRARY_PATH=<bundle>/_internal`` (measured here), which would make them load
  the bundle's libssl/libstdc++/Qt instead of their own. :func:`restore_library_path`, called by
  packaging/entry.py before anything else, puts the user's value back (``LD_LIBRARY_PATH_ORIG``)
  or removes it, for the whole process: the dynamic loader read it once at exec, so the bundle's
  own libraries and Qt plugins still load, and LiveDesk's own children get it again from their
  bootloader (PyInstaller: "Launching External Programs from the Frozen Application").
  ``livedesk selfcheck`` starts a real child and checks what it sees (``child_env``).
  Windows: the bootloader's ``SetDllDirectoryW(_internal)`` is inherited too; LiveDesk starts no
  external program there except through ShellExecute (the browser), which resolves the program
  itself — a program launched directly must call ``SetDllDirectoryW(None)`` first (not needed
  yet, not done). macOS: no library path is set (the bundle's libraries are found by @rpath).
"""

from __future__ import annotations

import os
import runpy
import sys
from collections.abc import MutableMapping, Sequence

RUN_MODULE = "--run-module"  # hidden: `livedesk --run-module MODULE ARGS` in a frozen app
SELF_MODULES = frozenset({"app.main", "plugins.sandbox.adapter", "ui.replay.pdf_print"})
FROZEN = False  # packaging/entry.py sets it; PyInstaller also sets sys.frozen


def frozen() -> bool:
    return FROZEN or bool(getattr(sys, "frozen", False))


def self_command(module: str, *args: str) -> list[str]:
    """The command line that runs ``python -m module args`` in this installation."""
    if module not in SELF_MODULES:
        raise ValueError(f"{module} is not one of LiveDesk's own programs")
    if not frozen():
        return [sys.executable, "-m", module, *args]
    if module == "app.main":
        return [sys.executable, *args]
    return [sys.executable, RUN_MODULE, module, *args]


def restore_library_path(environ: MutableMapping[str, str] | None = None) -> bool:
    """In a frozen Linux app, give the process environment the user's ``LD_LIBRARY_PATH`` back
    (what external programs started from here inherit); True if it was changed."""
    env = os.environ if environ is None else environ
    if not frozen() or not sys.platform.startswith("linux") or "LD_LIBRARY_PATH" not in env:
        return False
    original = env.pop("LD_LIBRARY_PATH_ORIG", None)
    if original:
        env["LD_LIBRARY_PATH"] = original
    else:
        del env["LD_LIBRARY_PATH"]
    return True


def run_module(argv: Sequence[str]) -> int:
    """``livedesk --run-module MODULE ARGS``: run MODULE as ``__main__`` with ``ARGS`` (what
    ``python -m`` does), for the modules in :data:`SELF_MODULES`."""
    if not argv or argv[0] not in SELF_MODULES:
        print(f"livedesk: {RUN_MODULE} takes one of {sorted(SELF_MODULES)}", file=sys.stderr)
        return 2
    sys.argv = [argv[0], *argv[1:]]
    try:
        runpy.run_module(argv[0], run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0
