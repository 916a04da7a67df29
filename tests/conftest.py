"""The suite's root conftest: the CI rule for external tools; every process of the run marked and
guarded (tests/support/processes.py: nothing the suite starts outlives it, even a SIGKILLed
pytest); the fixtures of tests/support that every test directory uses."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator

import pytest

from tests.support.processes import mark_this_run, start_guard

mark_this_run()  # before any test starts a process: children of product code inherit the mark


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require_tool(name: str) -> str:
    """Return the path of executable ``name``; skip when absent, but fail when CI=true."""
    path = shutil.which(name)
    if path is None:
        if in_ci():
            pytest.fail(f"{name} is required in CI but was not found on PATH")
        pytest.skip(f"{name} is not installed")
    return path


@pytest.fixture(scope="session")
def need_tool() -> Callable[[str], str]:
    """``need_tool("obs")`` in a test or fixture: :func:`require_tool` for any test directory."""
    return require_tool


@pytest.fixture(autouse=True, scope="session")
def _own_config_and_data_dirs(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Settings and recordings written by tests never land in the developer's own folders."""
    for var, name in (("LIVEDESK_CONFIG_DIR", "config"), ("LIVEDESK_DATA_DIR", "data")):
        if var not in os.environ:
            os.environ[var] = str(tmp_path_factory.mktemp(name))


@pytest.fixture(autouse=True, scope="session")
def _guard_the_run() -> None:
    """The guard that kills this run's processes once pytest is gone (however it went)."""
    start_guard()


@pytest.fixture(autouse=True)
def _chinese_unless_a_test_says_otherwise() -> Iterator[None]:
    """Each test starts in the default UI language (zh_CN): a command run in-process (``livedesk
    report --lang en``) sets the language for its run, as it should, and must not leak into the
    next test's expectations."""
    from app.i18n import language, set_language

    yield
    if language() != "zh_CN":
        set_language("zh_CN")


# The real sandbox server as a subprocess, for every test directory (ui/ and integration/).
# The shared real OBS (``obs_instance``, ``clean_obs``) for ui/ and integration/ tests.
from tests.support.obs_fixtures import (  # noqa: E402, F401
    clean_obs,
    obs_instance,
    pytest_runtest_makereport,
)
from tests.support.sandbox_server import SandboxServer, sandbox_server  # noqa: E402, F401
