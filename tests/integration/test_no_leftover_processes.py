"""A test run that dies — a segfault, the OOM killer, `kill -9` from CI — leaves nothing running.

A real pytest run of the suite's own fixtures (the sandbox server, the shared OBS under Xvfb, and a
process that escapes into a session of its own, as OBS's or chromium's helpers may) is SIGKILLed
mid-test; afterwards none of the processes it started is alive. They are found by the run's mark in
their environment (tests/support/processes.py), and by the pids the run reported.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.polling import patience
from tests.support.processes import MARK, describe, leftovers, spawn, stop

TESTS = Path(__file__).resolve().parents[1]

INNER = r"""
import json, os, subprocess, sys, time
from pathlib import Path
from tests.support.processes import spawn

ESCAPE = (
    "import subprocess, sys, time\n"
    "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(3600)'],"
    " start_new_session=True)\n"
    "print(p.pid, flush=True)\n"
    "time.sleep(3600)\n"
)


def test_hangs_until_killed(sandbox_server, obs_instance):
    srv = sandbox_server()
    helper = spawn([sys.executable, "-c", ESCAPE], stdout=subprocess.PIPE)
    escaped = int(helper.stdout.readline())  # its child left the helper's process group
    pids = {
        "sandbox": srv.proc.pid,
        "obs": obs_instance.obs.pid,
        "xvfb": obs_instance.xvfb.pid,
        "helper": helper.pid,
        "escaped": escaped,
    }
    Path(os.environ["READY_FILE"]).write_text(json.dumps(pids))
    time.sleep(3600)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.obs
@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_a_sigkilled_test_run_leaves_no_process_behind(
    tmp_path: Path, need_tool: object, request: pytest.FixtureRequest
) -> None:
    need_tool("obs")  # type: ignore[operator]
    need_tool("Xvfb")  # type: ignore[operator]
    (tmp_path / "test_inner.py").write_text(INNER, encoding="utf-8")
    ready = tmp_path / "ready.json"
    env = dict(
        os.environ,
        READY_FILE=str(ready),
        PYTHONPATH=os.pathsep.join(
            [str(TESTS), str(TESTS.parent), os.environ.get("PYTHONPATH", "")]
        ),
    )
    # the suite's tests/conftest.py as the inner run's plugin: its fixtures, its mark and guard
    run = spawn(
        [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "-q",
         "-s", "test_inner.py"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    request.addfinalizer(lambda: stop(run, signal.SIGKILL))
    deadline = time.monotonic() + patience(120)
    while not (ready.exists() and ready.read_text()):
        if run.poll() is not None:
            out = run.stdout.read().decode(errors="replace") if run.stdout else ""
            pytest.fail(f"the inner run ended ({run.returncode}) before it was ready:\n{out}")
        assert time.monotonic() < deadline, "the inner run did not start its processes"
        time.sleep(0.2)
    pids: dict[str, int] = json.loads(ready.read_text())
    inner = str(run.pid)  # the inner pytest's run id (tests/support/processes.py run_id)
    started = leftovers(inner)
    assert all(_alive(pid) for pid in pids.values()), pids
    assert set(pids.values()) <= set(started), f"not all marked {MARK}={inner}: {pids} {started}"

    run.send_signal(signal.SIGKILL)  # the test process only, as a crash ends it
    run.wait(30)

    deadline = time.monotonic() + patience(30)
    while (left := leftovers(inner)) or any(_alive(p) for p in pids.values()):
        if time.monotonic() > deadline:
            alive = [p for p in pids.values() if _alive(p)]
            pytest.fail(
                "processes outlived the killed test run:\n" + describe(sorted({*left, *alive}))
            )
        time.sleep(0.2)
