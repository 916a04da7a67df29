"""Find processes by their command line (Linux /proc): a test checks that no child (the built-in
sandbox platform) outlives the console it started. Importable from any test module."""

from __future__ import annotations

from pathlib import Path


def processes_with(text: str) -> list[int]:
    """Pids of the processes whose command line contains ``text``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if text in cmdline:
                found.append(int(entry.name))
    return found
