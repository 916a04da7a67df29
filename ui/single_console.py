"""One console per user and room: a second ``livedesk`` for the room a console already has open
brings that console's window forward and exits, instead of connecting again and starting a
second recorder on the same session file (and, for the built-in sandbox, a second platform on
the same database).

Guarantees:
- "The same room" is the same data dir (the OS user's, or ``LIVEDESK_DATA_DIR``), platform
  adapter, URL (none: the built-in sandbox) and room id — what names the session files.
  Other rooms, and the same room from another data dir, start normally.
- The first console holds a :class:`QLockFile` in ``<data dir>/run/`` (a crashed console's lock
  is stale and taken over: Qt checks that its process is gone) and answers on a
  :class:`QLocalServer` named from the user and that key (a Unix socket / a Windows named pipe).
- The second asks it to come forward (on Windows first handing it the right to take the
  foreground, which only the launch the user just started has); on its answer it exits 0,
  saying so on stderr. If the
  first holds the lock but does not answer (hung, stopped), the second says why it cannot open
  (stderr and the log; a dialog in a windowed build, which has no stderr) and exits 1.
- The claim is made before the platform is connected, so a refused second launch has started
  nothing.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import re
import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QLockFile
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QApplication, QMessageBox

from ui.i18n import tr

log = logging.getLogger(__name__)
RAISE = b"raise\n"
ANSWER = b"ok\n"
ANSWER_S = 5.0  # how long a second launch waits for the first console's answer


def instance_key(data_dir: Path, adapter: str, url: str | None, room: str | None) -> str:
    """A short name for (data dir, platform, room); safe in a socket or a file name."""
    what = "\0".join([str(data_dir.resolve()), adapter, url or "(built-in)", room or ""])
    return hashlib.sha256(what.encode("utf-8")).hexdigest()[:16]


def server_name(key: str) -> str:
    user = re.sub(r"[^A-Za-z0-9_.-]", "_", getpass.getuser())[:32]
    return f"livedesk-{user}-{key}"


class ConsoleClaim:
    """This process's hold on its room (kept for the process's life)."""

    def __init__(self, lock: QLockFile, server: QLocalServer) -> None:
        self.lock = lock
        self.server = server
        server.newConnection.connect(self._answer)

    def _answer(self) -> None:
        while (sock := self.server.nextPendingConnection()) is not None:
            sock.waitForReadyRead(1000)
            if bytes(sock.readLine().data()) == RAISE:
                log.info("another launch for this room: bringing the console forward")
                bring_forward()
                sock.write(ANSWER)
                sock.flush()
                sock.waitForBytesWritten(1000)
            sock.disconnectFromServer()
            sock.deleteLater()


def bring_forward() -> None:
    """Show the console's windows (un-minimised) on top, the open dialog (if any) first."""
    windows = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    for w in windows:
        if w.isMinimized():
            w.showNormal()
        w.raise_()
    top = QApplication.activeModalWidget() or max(
        windows, key=lambda w: w.width() * w.height(), default=None
    )
    if top is not None:
        top.activateWindow()


def _allow_foreground(pid: int) -> None:
    """Windows gives the foreground only to a process the user just started — this launch, not
    the running console, whose raise would only flash its taskbar button: pass the right on
    (AllowSetForegroundWindow; ASFW_ANY when the lock names no process). Elsewhere nothing:
    X11 window managers and macOS decide by themselves (untested on Windows: no machine here)."""
    if sys.platform == "win32":
        import ctypes

        ctypes.windll.user32.AllowSetForegroundWindow(pid or -1)


def _ask_forward(name: str) -> bool:
    """Ask the console answering on ``name`` to come forward; True once it answered."""
    deadline = time.monotonic() + ANSWER_S
    while time.monotonic() < deadline:
        sock = QLocalSocket()
        sock.connectToServer(name)
        if sock.waitForConnected(500):
            sock.write(RAISE)
            sock.flush()
            answered = sock.waitForReadyRead(int(ANSWER_S * 1000))
            ok = answered and bytes(sock.readLine().data()) == ANSWER
            sock.disconnectFromServer()
            if ok:
                return True
        time.sleep(0.2)  # the first console may be between its lock and its listen
    return False


def claim_for(args: Any, settings: Any) -> ConsoleClaim | int:
    """The console's claim on the room its arguments and settings name (see :func:`claim_console`)."""
    from app.settings import data_dir

    plat = settings.platform
    adapter = getattr(args, "platform", None) or plat.adapter
    key = instance_key(data_dir(), adapter, args.url or plat.url, args.room or plat.room)
    return claim_console(data_dir() / "run", key)


def claim_console(run_dir: Path, key: str) -> ConsoleClaim | int:
    """This process's claim on the room, or the exit code when another console has it."""
    run_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    lock = QLockFile(str(run_dir / f"console-{key}.lock"))
    lock.setStaleLockTime(0)  # never stale by age: only when its process is gone
    name = server_name(key)
    if lock.tryLock(0):
        QLocalServer.removeServer(name)  # a crashed console's socket file (Unix)
        server = QLocalServer()
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(name):
            log.warning("one console per room: cannot listen on %s: %s", name, server.errorString())
        else:
            log.info("this console answers for its room on %s", name)
        return ConsoleClaim(lock, server)
    pid, _host, _app = lock.getLockInfo()  # PySide6: (0, "", "") when unreadable
    owner = str(pid) if pid else "?"
    _allow_foreground(pid)
    if _ask_forward(name):
        print(
            f"livedesk: the console for this room is already open (process {owner}): "
            "brought it forward",
            file=sys.stderr,
        )
        return 0
    why = tr(
        "这个直播间的中控台已在运行（进程 {pid}），但没有响应。请先关闭它，再重新打开。"
    ).format(pid=owner)
    log.error("%s", why)
    print(f"livedesk: {why}", file=sys.stderr)
    from app.logs import windowed

    if windowed():
        QMessageBox.warning(None, tr("LiveDesk 直播中控台"), why)
    return 1
