"""Smoke test of a built LiveDesk bundle (`make bundle-smoke`; CI runs it after `make test`).

    python3 packaging/smoke_test.py [dist/livedesk] [--update-baseline]

Standard library only, so any Python runs it against the bundle (which carries its own).
Each check prints one line; a failure prints what the bundle said and the run exits 1.
The last line is a JSON summary (times, size, files). Checks, in order:

1. ``livedesk --version`` says this checkout's version; ``--help`` lists every command.
2. ``livedesk selfcheck``: QMediaPlayer has a backend, cv2/jieba/keyring/certifi import, every
   Qt plugin loads, resources and both entry point groups are there (ui/selfcheck.py).
3. (Linux) every Qt plugin kept in the bundle resolves its libraries: ``ldd`` with the bundle's
   library path finds them all (pruning QtQuick once silently killed the multimedia plugin).
4. ``livedesk sandbox --port 0`` prints its start line, serves a snapshot (the demo catalogue)
   and a product image, and stops with exit 0 on SIGINT.
5. The console, under Xvfb (a display of its own) when Xvfb is installed, else offscreen:
   a. started against its built-in sandbox with ``--screenshot``: exit 0, a PNG that is not
      blank, nothing alarming on stderr (a traceback, a Qt platform plugin that would not load,
      no multimedia backend);
   b. started for good: it stays up, its sandbox child runs; SIGKILLed, it leaves no child.
6. Size: the bundle's bytes within ±10% of packaging/bundle-baseline.json (``--update-baseline``
   records the current build after a deliberate change of what the bundle holds).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BASELINE = HERE / "bundle-baseline.json"
SIZE_TOLERANCE = 0.10
COMMANDS = ("console", "events", "join", "replay", "report", "sandbox", "selfcheck")
ALARMS = (
    "Traceback",
    "Could not load the Qt platform plugin",
    "No QtMultimedia backends found",
    "QLibraryPrivate::loadPlugin failed",
    "unknown command",
)
WINDOWS = sys.platform == "win32"


class SmokeError(Exception):
    pass


def version() -> str:
    text = (REPO / "app" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'__version__ = "([^"]+)"', text)
    assert found is not None
    return found.group(1)


def executable(dist: Path) -> Path:
    for name in ("livedesk-console.exe", "livedesk", "LiveDesk"):  # Windows, Linux, macOS .app
        if (dist / name).is_file():
            return dist / name
    raise SmokeError(f"no livedesk executable in {dist}")


def fresh_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(
        LIVEDESK_CONFIG_DIR=str(tmp / "config"),
        LIVEDESK_DATA_DIR=str(tmp / "data"),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",  # never the user's keyring
        **extra,
    )
    return env


def run(
    cmd: list[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    cwd = Path.home() if WINDOWS else Path("/")  # not the checkout: nothing imported from it
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, cwd=cwd)


def kill_group(proc: subprocess.Popen[str]) -> None:
    """End a process started here with its children (its own session on POSIX)."""
    if proc.poll() is None:
        if WINDOWS:
            proc.kill()
        else:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def alarms(text: str) -> list[str]:
    return [line for line in text.splitlines() if any(a in line for a in ALARMS)]


# --- the checks --------------------------------------------------------------------------------


def check_version_and_help(exe: Path, tmp: Path) -> str:
    out = run([str(exe), "--version"], fresh_env(tmp))
    if out.returncode != 0 or out.stdout.strip() != f"livedesk {version()}":
        raise SmokeError(f"--version: rc {out.returncode}: {out.stdout}{out.stderr}")
    out = run([str(exe), "--help"], fresh_env(tmp))
    missing = [c for c in COMMANDS if f"  {c}\n" not in out.stdout]
    if out.returncode != 0 or missing:
        raise SmokeError(f"--help lacks {missing}: {out.stdout}{out.stderr}")
    return f"livedesk {version()}; commands {', '.join(COMMANDS)}"


def check_selfcheck(exe: Path, tmp: Path) -> str:
    out = run([str(exe), "selfcheck"], fresh_env(tmp), timeout=120)
    try:
        report = json.loads(out.stdout)
    except ValueError as exc:
        raise SmokeError(
            f"selfcheck printed no report (rc {out.returncode}): {out.stderr}"
        ) from exc
    failed = {k: v["detail"] for k, v in report["checks"].items() if not v["ok"]}
    if out.returncode != 0 or failed:
        raise SmokeError(f"selfcheck failed: {json.dumps(failed, ensure_ascii=False, indent=1)}")
    return report["checks"]["qt_plugins"]["detail"].split(" (")[0] + " Qt plugins"


def check_plugin_libraries(dist: Path, tmp: Path) -> str:
    if not sys.platform.startswith("linux") or shutil.which("ldd") is None:
        return "skipped (ldd is Linux's)"
    internal = dist / "_internal"
    qt = internal / "PySide6" / "Qt"
    env = dict(os.environ, LD_LIBRARY_PATH=f"{qt / 'lib'}:{internal}")
    plugins = sorted((qt / "plugins").rglob("*.so"))
    broken = []
    for so in plugins:
        out = subprocess.run(["ldd", str(so)], capture_output=True, text=True, env=env, timeout=30)
        lost = [line.split()[0] for line in out.stdout.splitlines() if "not found" in line]
        if lost:
            broken.append(f"{so.relative_to(qt / 'plugins')}: {', '.join(lost)}")
    if broken:
        raise SmokeError("Qt plugins with unresolved libraries:\n  " + "\n  ".join(broken))
    return f"{len(plugins)} plugins resolve all their libraries"


def check_sandbox(exe: Path, tmp: Path) -> str:
    proc = subprocess.Popen(
        [str(exe), "sandbox", "--port", "0", "--viewers", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=fresh_env(tmp),
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise SmokeError(f"sandbox printed no start line: {proc.communicate(timeout=10)[1]}")
        info = json.loads(line)
        req = urllib.request.Request(
            f"{info['url']}/api/v1/rooms/{info['room']}/snapshot",
            headers={"Authorization": f"Bearer {info['tokens']['host']}"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            products = json.loads(resp.read())["bag"]["products"]
        with urllib.request.urlopen(info["url"] + products[0]["image_url"], timeout=10) as resp:
            if resp.read(8) != b"\x89PNG\r\n\x1a\n":
                raise SmokeError("the product image is not a PNG")
        if WINDOWS:  # no SIGINT to another process there: only that it served
            proc.terminate()
            proc.wait(30)
            return f"{len(products)} products, image served"
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(30)
        err = proc.stderr.read() if proc.stderr else ""
        if rc != 0 or alarms(err):
            raise SmokeError(f"sandbox stopped with {rc}: {err[-2000:]}")
        return f"{len(products)} products, image served, SIGINT → 0"
    finally:
        kill_group(proc)


def png_is_blank(path: Path) -> bool:
    """A uniform image: every scanline the same after PNG filtering (stdlib only, no decoder)."""
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return True
    pos, idat, width, bpp = 8, b"", 0, 4
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width = int.from_bytes(body[:4], "big")
            bpp = {2: 3, 6: 4, 0: 1, 4: 2}.get(body[9], 4)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + width * bpp
    rows = {raw[i : i + stride] for i in range(0, len(raw), stride)}
    return len(rows) < 10


def children_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def check_console_screenshot(exe: Path, tmp: Path, display_env: dict[str, str]) -> str:
    shot = tmp / "console.png"
    start = time.monotonic()
    out = run(
        [str(exe), "--screenshot", str(shot), "--wait", "3"],
        fresh_env(tmp / "shot", **display_env),
        timeout=120,
    )
    took = time.monotonic() - start
    if out.returncode != 0 or alarms(out.stderr):
        raise SmokeError(f"console rc {out.returncode}: {out.stderr[-3000:]}")
    if not shot.is_file() or png_is_blank(shot):
        raise SmokeError(f"the console's screenshot is missing or blank ({shot})")
    keep = os.environ.get("LIVEDESK_SMOKE_SHOT")
    if keep:
        Path(keep).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, keep)
    return f"screenshot drawn, exit 0, {took:.1f} s with --wait 3"


def check_console_stays_and_leaves_nothing(
    exe: Path, tmp: Path, display_env: dict[str, str]
) -> str:
    if WINDOWS or not Path("/proc").is_dir():
        return "skipped (reads /proc)"
    proc = subprocess.Popen(
        [str(exe)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=fresh_env(tmp / "stay", **display_env),
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        kids: list[int] = []
        while not kids:
            if proc.poll() is not None:
                raise SmokeError(
                    f"the console exited ({proc.returncode}): {proc.stderr.read() if proc.stderr else ''}"
                )
            if time.monotonic() > deadline:
                raise SmokeError("the console started no sandbox child within 60 s")
            kids = [k for k in children_of(proc.pid) if alive(k)]
            time.sleep(0.3)
        time.sleep(5)
        if proc.poll() is not None:
            raise SmokeError(f"the console did not stay up (exit {proc.returncode})")
        proc.kill()  # SIGKILL: no clean-up code runs in the console
        proc.wait(10)
        deadline = time.monotonic() + 20
        while any(alive(k) for k in kids):
            if time.monotonic() > deadline:
                raise SmokeError(f"children left after the console was killed: {kids}")
            time.sleep(0.2)
        return f"stayed up with its sandbox child (pid {kids[0]}); killed, it left none"
    finally:
        kill_group(proc)


def bundle_size(dist: Path) -> tuple[int, int]:
    files = [p for p in dist.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files), len(files)


def check_size(dist: Path, update: bool) -> str:
    size, files = bundle_size(dist)
    if update or not BASELINE.exists():
        BASELINE.write_text(
            json.dumps({"bytes": size, "files": files, "platform": sys.platform}, indent=1) + "\n"
        )
        return f"{size / 1e6:.0f} MB, {files} files (recorded as the baseline)"
    base = json.loads(BASELINE.read_text())
    ratio = size / base["bytes"]
    summary = f"{size / 1e6:.0f} MB, {files} files ({ratio - 1:+.1%} vs the baseline {base['bytes'] / 1e6:.0f} MB)"
    if abs(ratio - 1) > SIZE_TOLERANCE:
        raise SmokeError(f"size out of budget: {summary}")
    return summary


# --- a display of our own -----------------------------------------------------------------------


def start_xvfb() -> tuple[subprocess.Popen[bytes] | None, dict[str, str]]:
    """An Xvfb on a free display number (killed by the caller), or offscreen where none exists."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None or WINDOWS:
        return None, {"QT_QPA_PLATFORM": "offscreen"}
    for number in range(170, 200):
        if Path(f"/tmp/.X{number}-lock").exists() or Path(f"/tmp/.X11-unix/X{number}").exists():
            continue
        proc = subprocess.Popen(
            [xvfb, f":{number}", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                return proc, {"DISPLAY": f":{number}", "QT_QPA_PLATFORM": "xcb"}
            time.sleep(0.1)
        proc.kill()
        proc.wait()
    raise SmokeError("could not start Xvfb")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("dist", nargs="?", type=Path, default=REPO / "dist" / "livedesk")
    p.add_argument("--update-baseline", action="store_true")
    args = p.parse_args(argv)
    dist = args.dist.resolve()
    exe = executable(dist)
    summary: dict[str, object] = {"bundle": str(dist)}
    xvfb, display = start_xvfb()
    summary["display"] = display.get("DISPLAY", "offscreen")
    failures = 0
    try:
        with tempfile.TemporaryDirectory(prefix="livedesk-smoke-") as name:
            tmp = Path(name)
            steps: list[tuple[str, Callable[[], str]]] = [
                ("version, help", lambda: check_version_and_help(exe, tmp)),
                ("selfcheck", lambda: check_selfcheck(exe, tmp)),
                ("Qt plugin libraries", lambda: check_plugin_libraries(dist, tmp)),
                ("sandbox", lambda: check_sandbox(exe, tmp)),
                ("console screenshot", lambda: check_console_screenshot(exe, tmp, display)),
                (
                    "console killed",
                    lambda: check_console_stays_and_leaves_nothing(exe, tmp, display),
                ),
                ("size", lambda: check_size(dist, args.update_baseline)),
            ]
            for label, step in steps:
                start = time.monotonic()
                try:
                    detail = step()
                    ok = True
                except (
                    SmokeError,
                    subprocess.TimeoutExpired,
                    OSError,
                    ValueError,
                    KeyError,
                ) as exc:
                    detail, ok = f"{type(exc).__name__}: {exc}", False
                    failures += 1
                took = time.monotonic() - start
                print(f"{'ok  ' if ok else 'FAIL'} {label} ({took:.1f} s): {detail}", flush=True)
                summary[label] = round(took, 2)
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(10)
    size, files = bundle_size(dist)
    summary.update(bytes=size, files=files, ok=failures == 0)
    print(json.dumps(summary, ensure_ascii=False))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
