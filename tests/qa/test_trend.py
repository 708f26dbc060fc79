"""Year over year: a town's standard figure across the years it has reports for, in chat and in the table."""

from __future__ import annotations

from qa.answers.trend import asked_indicator
from qa.engine import QAEngine
from qa.indicators import indicators_json


def test_chat_compares_the_years(two_year_engine: QAEngine) -> None:
    a = two_year_engine.ask("和谦镇行政处罚案件逐年变化")
    assert a.kind == "compare"
    assert a.answer == "和谦镇行政处罚案件数逐年变化：2024年120件[1] → 2025年151件[2]。2024年至2025年增加31件（+25.8%）"
    assert [(c.year, c.quote) for c in a.citations] == [(2024, "办理行政处罚案件120件"), (2025, "办理行政处罚案件151件")]
    for c in a.citations:
        assert two_year_engine.document(c.doc_id).text[c.start : c.end] == c.quote
    assert a.values == (("和谦镇 2024", 120.0, "件"), ("和谦镇 2025", 151.0, "件"))


def test_english_trend_question(two_year_engine: QAEngine) -> None:
    a = two_year_engine.ask("How did Heqian's administrative penalty cases change over the years?")
    assert a.kind == "compare"
    assert a.answer == ("和谦镇 administrative penalty cases by year: 2024: 120 件 [1]; 2025: 151 件 [2]. "
                        "From 2024 to 2025: +31 件 (+25.8%)")


def test_a_year_that_does_not_say_is_named(two_year_engine: QAEngine) -> None:
    a = two_year_engine.ask("和谦镇历年发放普法宣传资料多少份")
    assert a.kind == "not_found" and a.citations == ()
    assert a.answer == "和谦镇普法宣传资料份数逐年变化：2024年报告未提及 → 2025年报告未提及。"


def test_one_year_only_says_so(two_year_engine: QAEngine) -> None:
    a = two_year_engine.ask("西仓镇行政处罚案件逐年变化")
    assert a.answer == "西仓镇行政处罚案件数：2025年14起[1]（索引中西仓镇只有2025年一份报告，无法逐年比较）"


def test_ordinary_questions_are_not_trend_questions(two_year_engine: QAEngine) -> None:
    assert two_year_engine.ask("和谦镇办理了多少件行政处罚案件?").kind != "compare"
    materials = asked_indicator("发放普法宣传资料")
    assert materials is not None and materials.key == "publicity_materials"
    assert asked_indicator("法治建设") is None


def test_the_table_carries_the_trend(two_year_engine: QAEngine) -> None:
    trends = indicators_json(two_year_engine.indicators())["trends"]
    penalty = [t for t in trends if t["key"] == "penalty_cases"]
    assert len(penalty) == 1
    t = penalty[0]
    assert (t["town"], t["change"]) == ("和谦镇", 31.0)
    assert [(p["year"], p["value"], p["citation"]["quote"]) for p in t["points"]] == [
        (2024, 120.0, "办理行政处罚案件120件"), (2025, 151.0, "办理行政处罚案件151件")]


def test_against_the_year_before_with_one_report_reads_what_the_report_says(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # One report only: "比上年多还是少?" is answered by the report's own words on the year before, not "cannot compare".
    from tests.conftest import engine_over

    eng = engine_over(tmp_path, {"s.txt": "石岭镇2021年法治政府建设情况报告\n一、主要工作\n"
                                          "全年办理行政处罚案件31件,比上年度减少11%。\n"})
    a = eng.ask("石岭镇2021年办理了多少件行政处罚案件?比上年多还是少?")
    assert a.kind == "fact" and "比上年度减少11%" in a.citations[0].quote, a.answer
