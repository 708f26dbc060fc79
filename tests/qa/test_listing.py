"""A list answer (下一步打算有哪些?) cites each sub-heading with the first sentence under it."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import engine_over

REPORT = (
    "丙村镇2024年法治政府建设情况报告\n"
    "一、主要成效\n全年办理行政处罚案件8件。\n"
    "二、下一步工作打算\n"
    "1.强化党对法治建设的领导。\n全年专题学法不少于6次,提升领导干部法治能力。\n"
    "2.全力提升执法质量。\n力争行政执法案卷规范率达到100%。\n"
)


def test_each_item_is_cited_with_its_first_sentence(tmp_path: Path) -> None:
    engine = engine_over(tmp_path, {"bingcun.txt": REPORT})
    a = engine.ask("丙村镇下一步有哪些工作打算?")
    quotes = [c.quote for c in a.citations]
    assert any("强化党对法治建设的领导" in q and "全年专题学法不少于6次" in q for q in quotes), quotes
    for c in a.citations:
        assert REPORT[c.start : c.end] == c.quote
