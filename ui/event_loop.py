"""The console's asyncio loop: qasync's, made safe against event loops nested inside a task.

qasync runs each asyncio callback (a task's next step, a ``call_soon``) from a Qt timer event. When
a task runs a nested Qt event loop — ``QDialog.exec()``, ``QApplication.processEvents()`` — those
timer events fire *inside* the running task, and asyncio refuses to step another task there
("Cannot enter into task … while another task is being executed"). qasync reports the error and
drops the callback: the other task is never stepped again. It cannot even be cancelled (its
cancellation is delivered by the step that was dropped), so whatever awaits it — a shutdown, the
end of a test — waits for ever. A task started by a window as it opens (the sessions list's scan,
the team list's first fetch) was lost that way whenever the code that opened the window ran a
nested loop.

:class:`QEventLoop` keeps those callbacks instead: while a task is being executed, a due callback
is put back for a few milliseconds later and runs as soon as that task yields. Only task steps
are deferred (plain callbacks run inside a task as they always did); nothing is dropped, and no
task is stepped inside another one (which asyncio forbids for good reason).
"""

from __future__ import annotations

import asyncio
from typing import Any

import qasync
from PySide6.QtCore import QTimerEvent

#: how long a callback that came due inside another task waits before it is tried again
DEFER_S = 0.005


class _DeferringTimer(qasync._SimpleTimer):  # type: ignore[misc, name-defined]
    """qasync's timer, except that a callback due while a task runs is deferred, not run."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._loop = loop

    def timerEvent(self, event: QTimerEvent) -> None:
        callbacks: dict[int, Any] = self._SimpleTimer__callbacks
        timer_id = event.timerId()
        handle = callbacks.get(timer_id)
        if (
            handle is not None
            and not self._stopped
            and _steps_a_task(handle)
            and asyncio.current_task(self._loop) is not None
        ):
            del callbacks[timer_id]
            self.killTimer(timer_id)
            if not handle._cancelled:
                self.add_callback(handle, DEFER_S)
            return
        super().timerEvent(event)


def _steps_a_task(handle: asyncio.Handle) -> bool:
    """A task's next step or wake-up (asyncio binds those callbacks to the task itself). Other
    callbacks may run inside a task, as they always did."""
    return isinstance(getattr(getattr(handle, "_callback", None), "__self__", None), asyncio.Task)


class QEventLoop(qasync.QEventLoop):  # type: ignore[misc, name-defined]
    """``qasync.QEventLoop`` whose callbacks survive nested Qt event loops inside a task."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._timer = _DeferringTimer(self)  # nothing is scheduled yet: a plain swap
