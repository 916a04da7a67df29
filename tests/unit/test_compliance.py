"""The compliance check finds absolute / prohibited terms with the reason an operator is shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import compliance
from app.compliance import DEFAULT_PATH, Hit, WordList, check, check_many, merged_spans


def _spans(text: str) -> list[tuple[str, str]]:
    return [(h.term, text[h.start : h.end]) for h in check(text)]


def test_bundled_list_has_the_required_terms_each_with_a_reason() -> None:
    words = WordList.load(DEFAULT_PATH)
    required = ["最", "第一", "国家级", "顶级", "100%", "最佳", "最低价", "全网最低", "独家"]
    required += ["万能", "根治", "无副作用", "特效", "纯天然"]
    assert set(required) <= set(words.terms)
    assert len(words) >= 40
    assert all(reason for reason in words.terms.values())
    assert "广告法" in words.terms["最"]


def test_hits_carry_term_reason_and_position() -> None:
    text = "这款是顶级面料"
    hits = check(text)
    assert hits == [Hit("顶级", hits[0].reason, 3, 5)]
    assert "绝对化" in hits[0].reason
    assert text[hits[0].start : hits[0].end] == "顶级"


def test_overlapping_terms_are_all_reported_and_contained_ones_once() -> None:
    # 全网最低 and 最低价 overlap without one containing the other: both; 最 inside them: not again
    assert _spans("全网最低价") == [("全网最低", "全网最低"), ("最低价", "最低价")]
    assert _spans("最佳选择") == [("最佳", "最佳")]  # not also 最
    assert merged_spans(check("全网最低价!")) == [(0, 5)]


def test_allow_list_keeps_everyday_words_clean_but_not_what_follows() -> None:
    assert check("最近上新，最后一批，第一次来的宝宝") == []
    assert _spans("最近最火") == [("最", "最")]  # the second 最 is outside 最近


def test_full_width_and_case_are_matched() -> None:
    assert _spans("１００％纯棉") == [("100%", "１００％")]
    assert _spans("销量No.1") == [("NO.1", "No.1")]


def test_check_many_returns_only_texts_with_hits_in_order() -> None:
    result = check_many(["干净的标题", "纯天然无副作用", "顶级", "干净的标题"])
    assert list(result) == ["纯天然无副作用", "顶级"]
    assert [h.term for h in result["纯天然无副作用"]] == ["纯天然", "无副作用"]


def test_user_override_replaces_the_bundled_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIVEDESK_CONFIG_DIR", str(tmp_path))
    (tmp_path / "compliance").mkdir()
    (tmp_path / "compliance" / "words.txt").write_text(
        "# 团队自定义\n爆款\t团队禁用词\n!爆款式\t例外\n", encoding="utf-8"
    )
    try:
        words = compliance.reload()
        assert words.source.endswith("words.txt") and str(tmp_path) in words.source
        assert [(h.term, h.reason) for h in check("今日爆款")] == [("爆款", "团队禁用词")]
        assert check("顶级") == []  # the bundled list is replaced, not merged
        assert check("爆款式样") == []
    finally:
        monkeypatch.delenv("LIVEDESK_CONFIG_DIR")
        compliance.reload()
    assert check("顶级") != []


def test_empty_and_clean_texts() -> None:
    assert check("") == []
    assert check("宽松版型，男女同款") == []
