"""The review: five required parts per report with verbatim citations, and the publication deadline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qa.documents import parse_text
from qa.engine import QAEngine
from qa.review import check_timeliness, heading_parts, review_document
from qa.settings import ReviewSettings
from qa.types import REPORT_PARTS, Review
from tests.conftest import SEEDS


def by_town(engine: QAEngine) -> dict[str, Review]:
    return {r.town or "": r for r in engine.reviews()}


def present(r: Review) -> dict[str, str]:
    """part → quote of each present part."""
    return {p.part: p.citation.quote for p in r.parts if p.citation is not None}


def test_every_citation_is_verbatim(cut_seed_engine: QAEngine) -> None:
    for r in cut_seed_engine.reviews():
        text = cut_seed_engine.document(r.doc_id).text
        assert [p.part for p in r.parts] == list(REPORT_PARTS)
        for p in r.parts:
            assert p.present == (p.citation is not None)
            if p.citation is not None:
                assert text[p.citation.start : p.citation.end] == p.citation.quote
            else:
                assert p.reason and "no passage is dedicated" in p.reason


def test_bar_xicang_has_four_parts_each_cited(cut_seed_engine: QAEngine) -> None:
    xicang = by_town(cut_seed_engine)["西仓镇"]
    assert xicang.year == 2025
    assert present(xicang) == {
        "measures": "一、推进法治政府建设的主要举措和成效",
        "shortcomings": "二、推进法治政府建设存在的不足和原因",
        "leader_duty": "三、党政主要负责人履行推进法治建设第一责任人职责情况",
        "plan": "四、下一年推进法治政府建设的主要安排",
    }
    assert {p.part: p.via for p in xicang.parts if p.present} == dict.fromkeys(
        ("measures", "shortcomings", "leader_duty", "plan"), "heading")


def test_bar_cut_longfengchang_lacks_shortcomings(cut_seed_engine: QAEngine) -> None:
    lfc = by_town(cut_seed_engine)["龙凤场镇"]
    assert "三、存在的问题和不足" not in cut_seed_engine.document(lfc.doc_id).text
    assert present(lfc) == {
        "measures": "二、工作举措及工作成效",
        "leader_duty": "一、党政主要负责人履行第一责任情况",
        "plan": "四、下一步工作目标和重点",
    }
    missing = next(p for p in lfc.parts if p.part == "shortcomings")
    assert missing.reason == "none of its 6 headings names it, and no passage is dedicated to 存在的不足和原因 (shortcomings)"


def test_the_uncut_report_has_shortcomings(seed_engine: QAEngine) -> None:
    lfc = by_town(seed_engine)["龙凤场镇"]
    assert present(lfc)["shortcomings"] == "三、存在的问题和不足"


def test_a_combined_heading_counts_for_each_part(seed_engine: QAEngine) -> None:
    gulong = present(by_town(seed_engine)["古龙镇"])
    assert gulong["shortcomings"] == gulong["plan"] == "三、存在的问题及2025年工作思路目标举措"
    assert gulong["measures"] == "一、推进法治政府建设的主要举措及成效"
    assert heading_parts("三、存在的问题及2025年工作思路目标举措", 2024) == {"shortcomings", "plan"}


def test_this_years_plan_words_are_not_next_years_plan() -> None:
    assert heading_parts("一、2024年工作重点", 2024) == set()
    assert heading_parts("三、2025年工作重点", 2024) == {"plan"}
    assert heading_parts("（一）存在问题", None) == {"shortcomings"}
    assert heading_parts("（二）补齐短板，强化执法", None) == set()


def test_a_report_organised_by_theme_has_measures_by_structure(seed_engine: QAEngine) -> None:
    liantang = by_town(seed_engine)["莲塘镇"]
    parts = {p.part: p for p in liantang.parts}
    assert parts["measures"].via == "structure"
    assert parts["measures"].citation is not None
    assert parts["measures"].citation.quote == "(一)全面坚持党委领导不动摇,进一步夯实法治基础。"
    assert parts["shortcomings"].via == "passage"
    assert parts["shortcomings"].citation is not None
    assert parts["shortcomings"].citation.quote == "但也存在一些不容忽视的困难和问题:"


def test_a_report_without_headings_is_reviewed_from_passages() -> None:
    text = (SEEDS / "003_182556944e2e6830.txt").read_text(encoding="utf-8")
    heading = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）])")
    flat = "\n".join(line for line in text.split("\n") if not heading.match(line))
    pd = parse_text(flat, "flat.txt", "utf-8")
    assert pd.structure.headings == ()
    r = review_document(pd.document)
    parts = {p.part: p for p in r.parts}
    assert all(p.via in ("passage", None) for p in r.parts)
    assert parts["shortcomings"].citation is not None
    assert parts["shortcomings"].citation.quote.startswith("基层法律专业人才总量不足")
    assert parts["leader_duty"].citation is not None
    assert parts["leader_duty"].citation.quote.startswith("镇党委、政府主要负责人坚决扛起法治建设第一责任人职责")
    assert parts["other"].present is False
    assert parts["other"].reason == (
        "the report has no headings, and no passage is dedicated to 其他需要报告的情况 (other)")
    for p in r.parts:
        if p.citation is not None:
            assert flat[p.citation.start : p.citation.end] == p.citation.quote


def test_deadline_check(seed_engine: QAEngine) -> None:
    reviews = by_town(seed_engine)
    assert (reviews["西仓镇"].date, reviews["西仓镇"].deadline, reviews["西仓镇"].timeliness) == (
        "2025-12-09", "2026-04-01", "on_time")
    assert (reviews["龙凤场镇"].date, reviews["龙凤场镇"].deadline, reviews["龙凤场镇"].on_time) == (
        "2022-04-26", "2022-04-01", False)
    assert reviews["和谦镇"].timeliness == "no_date"
    assert check_timeliness("2022-04-26", 2021, "05-01") == ("2022-05-01", True, "on_time")
    assert check_timeliness("2022-04-26", None, "04-01") == (None, None, "no_year")


def test_the_deadline_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORTQA_REVIEW_DEADLINE", "06-30")
    assert ReviewSettings().deadline == "06-30"
    monkeypatch.setenv("REPORTQA_REVIEW_DEADLINE", "13-01")
    with pytest.raises(ValueError, match="is not a month-day such as 04-01"):
        ReviewSettings()


def test_review_of_one_document(seed_engine: QAEngine, tmp_path: Path) -> None:
    r = seed_engine.reviews()[0]
    assert seed_engine.review(r.doc_id) == r
    from qa.errors import DocumentNotFound

    with pytest.raises(DocumentNotFound, match="GET /documents lists the ids"):
        seed_engine.review("nope")
