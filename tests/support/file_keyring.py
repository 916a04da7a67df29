"""A keyring backend kept in one JSON file, for tests that save a secret in one process (as the
console's connection dialog does) and read it in another (as ``livedesk events`` does) on a box
without an OS keyring. Enable it in a child's environment with :func:`env`."""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend

PATH_ENV = "LIVEDESK_TEST_KEYRING_FILE"


def env(path: Path) -> dict[str, str]:
    """The environment variables that make a child process use the keyring file ``path``."""
    return {"PYTHON_KEYRING_BACKEND": f"{__name__}.FileKeyring", PATH_ENV: str(path)}


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def _path(self) -> Path:
        return Path(os.environ[PATH_ENV])

    def _load(self) -> dict[str, str]:
        try:
            data: dict[str, str] = json.loads(self._path().read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return data

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}\n{username}"] = password
        self._path().write_text(json.dumps(data), encoding="utf-8")

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        data.pop(f"{service}\n{username}", None)
        self._path().write_text(json.dumps(data), encoding="utf-8")
