"""Camera failures in words a person understands, with what to do about them."""

from __future__ import annotations

import errno
import os
import sys
from dataclasses import dataclass
from typing import Literal

from app.camera.devices import CameraSource
from app.i18n import tr

ErrorKind = Literal["not_found", "permission", "busy", "unreadable", "network", "unknown"]


@dataclass
class CameraError(Exception):
    kind: ErrorKind
    message: str  # a plain sentence for the user (in the UI language), with the fix

    def __str__(self) -> str:
        return self.message


def holders_of(path: str, proc: str = "/proc") -> list[str]:
    """Names (and pids) of processes that have ``path`` open — who is using the camera (Linux)."""
    out: list[str] = []
    try:
        pids = [p for p in os.listdir(proc) if p.isdigit()]
    except OSError:
        return out
    me = str(os.getpid())
    for pid in pids:
        if pid == me:
            continue
        fd_dir = f"{proc}/{pid}/fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"{fd_dir}/{fd}") == path:
                    with open(f"{proc}/{pid}/comm", encoding="utf-8") as f:
                        out.append(f"{f.read().strip()} (pid {pid})")
                    break
            except OSError:
                continue
    return out


def error_for_errno(
    source: CameraSource, err: int, holders: list[str] | None = None
) -> CameraError:
    """Map an OS error number met while opening ``source`` to a message."""
    name = source.label
    if err in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
        return CameraError(
            "not_found",
            tr("找不到摄像头「{name}」：请检查是否已插好（USB 线、转接头）。").format(name=name),
        )
    if err in (errno.EACCES, errno.EPERM):
        fix = (
            tr("把当前用户加入 video 组（sudo usermod -aG video $USER）后重新登录。")
            if sys.platform.startswith("linux")
            else tr("请在系统的隐私设置中允许本程序使用摄像头。")
        )
        return CameraError(
            "permission", tr("没有权限使用摄像头「{name}」：{fix}").format(name=name, fix=fix)
        )
    if err == errno.EBUSY:
        who = tr("、").join(holders or [])
        by = tr("（正在使用的程序：{who}）").format(who=who) if who else ""
        return CameraError(
            "busy",
            tr(
                "摄像头「{name}」正被其他程序占用{by}：请先关闭 OBS、浏览器或会议软件中的这个摄像头。"
            ).format(name=name, by=by),
        )
    return CameraError(
        "unknown", tr("打不开摄像头「{name}」（{e}）。").format(name=name, e=os.strerror(err))
    )


def diagnose_open_failure(source: CameraSource) -> CameraError:
    """OpenCV only says "not opened": find out why, as precisely as this OS allows."""
    if source.kind == "file":
        if not os.path.exists(source.ref):
            return CameraError("not_found", tr("找不到视频文件：{f}").format(f=source.ref))
        if not os.access(source.ref, os.R_OK):
            return CameraError("permission", tr("没有权限读取视频文件：{f}").format(f=source.ref))
        return CameraError(
            "unreadable",
            tr("无法解码视频文件「{name}」：格式不受支持或文件已损坏。").format(name=source.label),
        )
    if source.kind == "url":
        return CameraError(
            "network",
            tr(
                "连不上视频流 {url}：请确认手机（或编码器）已开始推流、与电脑在同一网络，地址和端口正确。"
            ).format(url=source.ref),
        )
    if source.index is None:  # a Linux device path: ask the kernel
        try:
            fd = os.open(source.ref, os.O_RDWR | os.O_NONBLOCK)
        except OSError as exc:
            return error_for_errno(source, exc.errno or errno.EIO)
        os.close(fd)
        holders = holders_of(source.ref)
        if holders:
            return error_for_errno(source, errno.EBUSY, holders)
        return CameraError(
            "busy",
            tr(
                "摄像头「{name}」无法开始取图：可能正被其他程序占用，或不支持所选的分辨率/帧率。"
            ).format(name=source.label),
        )
    hint = (
        tr("请在「设置 › 隐私与安全性 › 摄像头」中允许本程序使用摄像头")
        if sys.platform == "darwin"
        else tr(
            "请检查摄像头是否插好、是否被其他程序（OBS、会议软件）占用，以及系统隐私设置是否允许使用摄像头"
        )
    )
    return CameraError(
        "unknown", tr("打不开摄像头「{name}」：{hint}。").format(name=source.label, hint=hint)
    )
