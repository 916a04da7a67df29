"""English is available: every tr("…") and tr_noop("…") string in ui/, app/ and plugins/ (the
session report and the names of app/names.py included) has an English translation, and it is
used."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from app.resources import resource
from ui import i18n

REPO = Path(__file__).resolve().parents[2]


def _tr_literals() -> dict[str, str]:
    found: dict[str, str] = {}
    dirs = ("ui", "app", "plugins")  # plugins: an adapter's refusals and notes reach the UI
    for path in sorted(p for d in dirs for p in (REPO / d).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("tr", "tr_noop")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.setdefault(node.args[0].value, f"{path.relative_to(REPO)}:{node.lineno}")
    return found


def test_every_ui_string_has_an_english_translation() -> None:
    catalog = json.loads(resource("i18n", "en.json").read_text(encoding="utf-8"))
    literals = _tr_literals()
    # the scan reaches the report (app/session/) and the names tables (tr_noop)
    assert literals["直播复盘报告"].startswith("app/session/report.py:")
    assert literals["OBS 切换场景"].startswith("app/names.py:")
    missing = {text: where for text, where in literals.items() if text not in catalog}
    assert not missing, "untranslated UI strings:\n" + "\n".join(
        f"{w}: {t}" for t, w in missing.items()
    )


def test_translations_keep_their_placeholders() -> None:
    catalog = json.loads(resource("i18n", "en.json").read_text(encoding="utf-8"))
    import string

    def fields(s: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(s) if f is not None}

    bad = {k: v for k, v in catalog.items() if fields(k) != fields(v)}
    assert not bad, f"placeholders differ: {bad}"


def test_switching_language_changes_what_tr_returns() -> None:
    try:
        i18n.set_language("en")
        assert i18n.tr("开播") == "Go live"
        i18n.set_language("zh_CN")
        assert i18n.tr("开播") == "开播"
    finally:
        i18n.set_language("zh_CN")


def test_messages_from_the_core_show_in_the_ui_language(tmp_path: Path) -> None:
    """Errors the core makes (platform, OBS, camera) read in English in the English UI, whole
    in Chinese: what an English-speaking operator sees in the health bar and status line."""
    from app.camera.devices import CameraSource
    from app.camera.errors import diagnose_open_failure
    from app.live.queue import RunOrderError, parse_run_order
    from app.obs.errors import ObsOfflineError, ObsRequestError
    from app.obs.output_watch import stream_failure_text
    from app.obs.stats import ObsStats, alerts_between
    from app.platform.errors import OfflineError

    missing = CameraSource(kind="file", ref=str(tmp_path / "gone.mp4"), label="gone.mp4")
    offline = OfflineError().message
    try:
        i18n.set_language("en")
        assert i18n.localize(offline) == "Platform offline: action not sent"
        assert i18n.localize("网络错误 (network error: ConnectError(refused))") == (
            "Network error: ConnectError(refused)"
        )
        assert diagnose_open_failure(missing).message.startswith("Video file not found: ")
        assert i18n.localize("没有括号的中文消息") == "没有括号的中文消息"
        refused = ObsRequestError("SetInputSettings", 600, "No source was found")
        assert refused.message == "OBS refused SetInputSettings: No source was found (code 600)"
        assert alerts_between(ObsStats(), ObsStats(stream_dropped=3, stream_total=100)) == [
            "Stream dropped 3 frames (unstable network, 3.0% in all)"
        ]
        # the core's own messages are whole-sentence templates, made in the UI language
        assert ObsOfflineError().message == "OBS offline: action not sent"
        assert stream_failure_text("rtmp://x/live").startswith(
            "Stream failed to start: OBS could not connect to the streaming server “rtmp://x/live”"
        )
        with pytest.raises(
            RunOrderError, match=r"^Position 9 is not in 1–2: there are 2 products$"
        ):
            parse_run_order("1,9", ["a", "b"])
        i18n.set_language("zh_CN")
        assert i18n.localize(offline) == offline
        assert diagnose_open_failure(missing).message.startswith("找不到视频文件：")
        assert ObsOfflineError().message == "OBS 未连接，操作未执行"
        with pytest.raises(RunOrderError, match=r"^序号 9 超出范围：当前共 2 个商品$"):
            parse_run_order("1,9", ["a", "b"])
    finally:
        i18n.set_language("zh_CN")


def test_every_compliance_reason_has_english() -> None:
    """The reasons the compliance check shows the operator (app/resources/compliance/words.txt) read
    in English in the English UI, in the dialog and in the marketing panels' problem line."""
    from app.compliance import DEFAULT_PATH, WordList, check
    from ui.compliance_dialog import reasons_html
    from ui.marketing.common import compliance_problems

    words = WordList.load(DEFAULT_PATH)
    try:
        i18n.set_language("en")
        untranslated = {r for r in set(words.terms.values()) if i18n.localize(r) == r}
        assert not untranslated, f"compliance reasons without English: {untranslated}"
        assert "Absolute term (Advertising Law, Art. 9)" in compliance_problems("全网第一")
        assert "Advertising Law" in reasons_html(check("全网第一"))
    finally:
        i18n.set_language("zh_CN")


def test_the_compliance_question_names_the_button_it_asks_for(qapp: object) -> None:
    """The product queue's prompt asks 「确定仍要讲解吗？」 / "Explain anyway?" above its 仍要讲解 /
    "Explain anyway" button, not the stage's "Push anyway?"."""
    from app.compliance import check
    from ui.compliance_dialog import ComplianceDialog

    hits = {"全网第一的好茶": check("全网第一的好茶")}
    try:
        i18n.set_language("en")
        explain = ComplianceDialog(hits, action=i18n.tr("仍要讲解"))
        push = ComplianceDialog(hits)
        assert explain.header.text().endswith("Explain anyway?")
        assert explain.push_button.text() == "Explain anyway"
        assert (
            push.header.text().endswith("Push anyway?") and push.push_button.text() == "Push anyway"
        )
        i18n.set_language("zh_CN")
        zh = ComplianceDialog(hits, action=i18n.tr("仍要讲解"))
        assert zh.header.text().endswith("确定仍要讲解吗？") and zh.push_button.text() == "仍要讲解"
        for dialog in (explain, push, zh):
            dialog.deleteLater()
    finally:
        i18n.set_language("zh_CN")
