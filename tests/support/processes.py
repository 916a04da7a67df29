"""The processes the tests start, and finding them again (Linux /proc). Used by the tests, by
tests/bench and by .ci/leftover_processes.py.

Guarantees (the suite must leave nothing running, even when pytest itself is SIGKILLed):

- Every process of a test run carries ``LIVEDESK_TEST_RUN=<id of the pytest process>`` in its
  environment: :func:`mark_this_run` (called by tests/conftest.py) puts it into pytest's own
  environment, so children started by product code (the console's sandbox child) inherit it too,
  and :func:`spawn` sets it for the processes the tests start.
- :func:`spawn` starts a child in a session (process group) of its own, so :func:`stop` ends it
  *with* its children (OBS's helpers, chromium's renderers); from the main thread the child also
  gets ``PR_SET_PDEATHSIG(SIGKILL)``: it dies with the pytest process. (Linux sends it when the
  *thread* that forked exits, so it is not set when spawning from another thread.)
- A guard process (one per pytest process, started by :func:`start_guard`) holds a pipe from
  pytest; when that pipe closes — pytest exited, crashed or was killed — the guard SIGKILLs every
  process still marked with this run's id (grandchildren included, which PDEATHSIG cannot reach),
  says which on stderr, and exits.
- :func:`leftovers` lists the processes marked with a run id (any run, or one run): the CI
  leftover check (.ci/leftover_processes.py) and the SIGKILL test use it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MARK = "LIVEDESK_TEST_RUN"
PR_SET_PDEATHSIG = 1

_guard: subprocess.Popen[bytes] | None = None
_guard_lock = threading.Lock()


def run_id() -> str:
    """This pytest process's id (the value of :data:`MARK` its children carry)."""
    return str(os.getpid())


def mark_this_run() -> None:
    """Mark this process's environment: every child, whoever starts it, inherits the mark."""
    os.environ[MARK] = run_id()


# --- finding processes -----------------------------------------------------------------------
def _cmdline(pid: int) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


def _environ(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:  # gone, or another user's
        return b""


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def _pids() -> list[int]:
    return [int(e.name) for e in Path("/proc").iterdir() if e.name.isdigit()]


def processes_with(text: str) -> list[int]:
    """Pids of the processes whose command line contains ``text``."""
    return [pid for pid in _pids() if text in _cmdline(pid)]


def marked(run: str | None = None) -> list[int]:
    """Live (not zombie) processes carrying ``LIVEDESK_TEST_RUN`` (= ``run`` if given), not this one."""
    needle = (f"{MARK}={run}\0" if run is not None else f"{MARK}=").encode()
    me = os.getpid()
    out = []
    for pid in _pids():
        if pid == me:
            continue
        env = b"\0" + _environ(pid) + b"\0"
        if b"\0" + needle in env and not _is_zombie(pid):
            out.append(pid)
    return out


def leftovers(run: str | None = None) -> dict[int, str]:
    """``{pid: command line}`` of the marked processes still alive."""
    return {pid: _cmdline(pid) for pid in marked(run)}


def describe(pids: Sequence[int] | dict[int, str]) -> str:
    """One line per process, as ``ps`` would show them (pid, parent, command line)."""
    lines = []
    for pid in pids:
        try:
            ppid = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[1]
        except (OSError, IndexError):
            ppid = "?"
        lines.append(f"{pid:>7} {ppid:>7} {_cmdline(pid)[:200]}")
    return "\n".join(lines)


# --- starting and stopping -------------------------------------------------------------------
# resolved here, not in the forked child: dlopen() there could wait forever on a loader lock that
# another thread of this process held at the fork
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None


def _die_with_parent(parent: int) -> None:
    """preexec_fn (in the child, before exec): SIGKILL when the parent (its forking thread) dies.
    Ctrl+C (SIGINT) is given back its default: a suite run as a background job ignores SIGINT,
    and a child would inherit that — the tests that send it Ctrl+C expect a terminal's."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def spawn(args: Sequence[str], **kwargs: Any) -> subprocess.Popen[Any]:
    """``subprocess.Popen(args, **kwargs)`` in a process group of its own, marked as this run's,
    tied to this process (PDEATHSIG from the main thread; the guard in any case).
    End it with :func:`stop`."""
    start_guard()
    env = dict(kwargs.pop("env", None) or os.environ)
    env[MARK] = run_id()  # this process's guard kills them
    kwargs["env"] = env
    kwargs.setdefault("start_new_session", True)
    if sys.platform == "linux" and threading.current_thread() is threading.main_thread():
        parent = os.getpid()
        kwargs.setdefault("preexec_fn", lambda: _die_with_parent(parent))
    return subprocess.Popen(args, **kwargs)


def stop(
    proc: subprocess.Popen[Any] | None, sig: int = signal.SIGTERM, grace: float = 10.0
) -> None:
    """End ``proc`` and its process group: ``sig`` to the group, SIGKILL after ``grace`` s; the
    group's other members (children that outlived their parent) are SIGKILLed too."""
    if proc is None:
        return
    pgid = proc.pid  # spawn() made it a group leader
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, sig)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)
            proc.wait(30)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)  # what is left of the group (the leader is reaped)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


# The guard: reads its stdin until EOF (the pytest process is gone, however it went), then
# SIGKILLs every process marked with the run id, a few rounds (forks racing the kill), and exits.
GUARD = r"""
import os, signal, sys, time
sys.path.insert(0, sys.argv[2])
from tests.support.processes import leftovers
run = sys.argv[1]
try:
    while sys.stdin.buffer.read(65536):
        pass
except OSError:
    pass
killed = {}
for _ in range(20):
    left = leftovers(run)
    if not left:
        break
    for pid, cmd in left.items():
        killed.setdefault(pid, cmd)
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    time.sleep(0.1)
for pid, cmd in killed.items():
    print(f"livedesk test guard: killed leftover {pid} {cmd[:200]}", file=sys.stderr, flush=True)
"""


def start_guard() -> None:
    """Start this pytest process's guard once (see the module's docstring)."""
    global _guard
    if sys.platform != "linux":
        return
    with _guard_lock:
        if _guard is not None and _guard.poll() is None:
            return
        env = {k: v for k, v in os.environ.items() if k != MARK}  # the guard is not a leftover
        _guard = subprocess.Popen(
            [sys.executable, "-c", GUARD, run_id(), str(Path(__file__).resolve().parents[2])],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # outlives a kill of pytest's process group
            pass_fds=(),
        )
        # the pipe's write end stays open in this process only, until it exits
        assert _guard.stdin is not None
        os.set_inheritable(_guard.stdin.fileno(), False)
