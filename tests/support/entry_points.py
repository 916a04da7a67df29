"""Make a child process see this checkout's entry points (pyproject.toml) even when the installed
package metadata is older — e.g. a branch that registers a new platform adapter runs against a
virtualenv installed from main.

:func:`child_env` returns an environment whose ``PYTHONPATH`` starts with the repository root and
a directory holding a tiny ``*.dist-info`` that declares exactly the entry points pyproject.toml
has and the installed metadata lacks (nothing when it is up to date, so no name is registered
twice).
"""

from __future__ import annotations

import os
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GROUPS = ("livedesk.commands", "livedesk.platforms")


def missing_entry_points() -> dict[str, dict[str, str]]:
    """Group → {name: target} declared in pyproject.toml but not installed."""
    meta = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    declared = meta["project"].get("entry-points", {})
    out: dict[str, dict[str, str]] = {}
    for group in GROUPS:
        installed = {ep.name for ep in entry_points(group=group)}
        missing = {n: t for n, t in declared.get(group, {}).items() if n not in installed}
        if missing:
            out[group] = missing
    return out


def child_env(workdir: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) for a child that imports this checkout and
    sees its entry points; the shim (if any is needed) is written under ``workdir``."""
    env = dict(os.environ if base is None else base)
    paths = [str(REPO)]
    missing = missing_entry_points()
    if missing:
        info = workdir / "livedesk_checkout_entry_points-0.dist-info"
        info.mkdir(parents=True, exist_ok=True)
        (info / "METADATA").write_text(
            "Metadata-Version: 2.1\nName: livedesk-checkout-entry-points\nVersion: 0\n"
        )
        text = "".join(
            f"[{group}]\n" + "".join(f"{n} = {t}\n" for n, t in eps.items()) + "\n"
            for group, eps in missing.items()
        )
        (info / "entry_points.txt").write_text(text)
        paths.append(str(workdir))
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env
