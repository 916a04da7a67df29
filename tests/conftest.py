"""Shared test helpers: the CI rule for external tools."""

from __future__ import annotations

import os
import shutil

import pytest


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


# The real sandbox server as a subprocess, for every test directory (ui/ and integration/).
from sandbox_server import SandboxServer, sandbox_server  # noqa: E402, F401
