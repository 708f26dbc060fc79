"""Which figure answers: the fitted figure choice in comparisons, the kind of thing a how-many question counts, and
the fitted answer gate on aggregates. Reports written here, not taken from a question set."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.answers.clauses import is_target
from qa.engine import QAEngine
from qa.relevance import unit_kind
from tests.conftest import engine_over

REPORTS = {
    "jiashan.txt": "甲山镇2024年法治政府建设情况报告\n一、主要成效\n"
    "今年来,甲山镇将法治建设纳入镇党委重要议事日程,召开党委会开展专题学法3次,参加中心组学习会10次,"
    "按照学法计划带头集体学法23次,不断提升法律知识水平。\n全年办理行政处罚案件12件,甲山镇执法规范有序。\n"
    "全年甲山镇未发生重大安全事故。\n",
    "yishui.txt": "乙水镇2024年法治政府建设情况报告\n一、主要成效\n"
    "乙水镇全镇干部职工集体学法17次,组织专题学法8次。\n乙水镇聘用2名专业调解人员,确保群众纠纷及时调解。\n"
    "全年电信网络诈骗案件发案数同比下降39.7%。\n",
    "bingcun.txt": "丙村镇2024年法治政府建设情况报告\n一、主要成效\n"
    "丙村镇45个行政村法律顾问覆盖率达100%。\n",
    "dingxi.txt": "丁溪镇2024年法治政府建设情况报告\n一、主要成效\n"
    "丁溪镇下辖60个行政村，均聘请了法律顾问。\n",
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> QAEngine:
    return engine_over(tmp_path_factory.mktemp("figures"), REPORTS)


def test_the_figure_whose_clause_names_the_measure_is_compared(engine: QAEngine) -> None:
    # 甲山镇's passage holds 3次, 10次 and 23次; only 23次 is 集体学法 (3次 would lose to 乙水镇's 17次).
    ans = engine.ask("甲山镇和乙水镇,哪个集体学法次数多?")
    assert ans.kind == "compare" and ans.towns[0] == "甲山镇"
    assert ans.values[0][1] == 23


def test_a_result_counted_against_a_plan_is_not_a_goal() -> None:
    assert not is_target(_P, "按照学法计划带头集体学法23次")
    assert is_target(_P, "计划于明年开展专题学法10次") and is_target(_P, "力争执法案卷合格率达到100%")


def test_how_many_counts_the_kind_of_thing_asked(engine: QAEngine) -> None:
    assert unit_kind("名") == unit_kind("人次") == "person" and unit_kind("件") == unit_kind("份") == "item"
    assert unit_kind("场") == unit_kind("次") == "occasion"
    # 2名调解人员 counts people, not disputes: the report does not say how many disputes were mediated.
    assert engine.ask("乙水镇调解了多少件纠纷?").kind == "not_found"
    assert "12件" in engine.ask("甲山镇办理了多少件行政处罚案件?").citations[0].quote
    # An amount of money is stated in 元: 12件 does not answer it.
    assert engine.ask("甲山镇的罚没款总额是多少?").kind == "not_found"


def test_an_aggregate_about_what_no_report_does_is_refused(engine: QAEngine) -> None:
    assert engine.ask("哪些镇的行政复议决定被撤销了?").kind == "not_found"


class _Passage:
    section = ""


_P = _Passage()


def test_a_change_is_answered_by_a_percentage(engine: QAEngine) -> None:
    # "下降了多少" asks for a change, which reports state as a percentage as often as a count.
    ans = engine.ask("乙水镇电信网络诈骗案件发案数同比下降了多少?")
    assert ans.kind != "not_found" and "39.7%" in ans.citations[0].quote


def test_which_is_most_after_a_table_ranks_the_tables_figures(engine: QAEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    from qa.types import Turn

    table = engine.ask("各镇分别集体学法了多少次?")
    assert table.kind == "table" and len(table.values) == 2

    def searched_again(*_a: object, **_k: object) -> None:
        raise AssertionError("the follow-up searched again instead of ranking the table's figures")

    monkeypatch.setattr(engine.composer, "compose", searched_again)
    follow = engine.ask("哪个镇最多?", [Turn("各镇分别集体学法了多少次?", table)])
    assert follow.kind == "compare"
    assert [v for _, v, _ in follow.values] == sorted((v for _, v, _ in table.values), reverse=True)
    assert {c.quote for c in follow.citations} == {c.quote for c in table.citations}


def test_the_answer_gate_decides_and_the_best_passage_answers(engine: QAEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    # No passage clears the citing bar, but the fitted answer gate says the reports answer the question:
    # the best passage is the answer (refusing is the gate's decision alone).
    from dataclasses import replace as _replace

    import qa.answers.fact as fact
    from qa.relevance import relevance_model

    strict = _replace(relevance_model(), passage_threshold=1.01)
    monkeypatch.setattr(fact, "relevance_model", lambda: strict)
    ans = engine.ask("甲山镇办理了多少件行政处罚案件?")
    assert ans.kind != "not_found" and "12件" in ans.citations[0].quote


def test_a_question_about_what_did_not_happen_is_answered_by_the_denial(engine: QAEngine) -> None:
    ans = engine.ask("哪些镇全年没有发生重大安全事故?")
    assert ans.towns == ("甲山镇",)
    # Asked the other way round, the denial is not a mention.
    assert "甲山镇" not in engine.ask("哪些镇发生了重大安全事故?").towns


def test_a_count_comparison_does_not_take_a_rate_from_the_same_sentence(engine: QAEngine) -> None:
    # 丙村镇's sentence holds 45个 and 覆盖率100%: "哪个镇的行政村多" compares 45 with 60, not 100 with 60.
    ans = engine.ask("丙村镇和丁溪镇比,哪个镇的行政村多?")
    assert ans.kind == "compare" and ans.towns[0] == "丁溪镇", ans.answer
    assert ("丙村镇", 45.0, "个") in ans.values, ans.answer  # 丙村镇 has a count, and it is compared


def test_an_aggregate_needs_the_word_the_question_quotes(tmp_path_factory: pytest.TempPathFactory) -> None:
    reports = {
        "a.txt": "和谦镇2024年法治政府建设情况报告\n严格落实领导干部“年终述法”制度，14名领导干部完成书面述法。",
        "b.txt": "西仓镇2024年法治政府建设情况报告\n落实领导干部接访下访制度，畅通信访渠道，规范领导干部信访工作。",
        "c.txt": "东溪镇2024年法治政府建设情况报告\n落实领导干部学法制度，组织领导干部集中学法12次。",
    }
    eng = engine_over(tmp_path_factory.mktemp("quoted"), reports)
    a = eng.ask("哪些镇落实了领导干部“述法”制度?")
    assert a.kind == "aggregate" and set(a.towns) == {"和谦镇"}, a.answer


def test_a_table_lists_a_town_without_the_asked_figure_apart(tmp_path_factory: pytest.TempPathFactory) -> None:
    reports = {
        "a.txt": "和谦镇2024年法治政府建设情况报告\n全年累计开展普法宣传活动130余场，服务群众2300余人。",
        "b.txt": "西仓镇2024年法治政府建设情况报告\n组织45场法治宣传活动，覆盖居民5000人。",
        "c.txt": "东溪镇2024年法治政府建设情况报告\n开展普法宣传活动，解决群众反映问题10项。",
    }
    eng = engine_over(tmp_path_factory.mktemp("table"), reports)
    a = eng.ask("各镇分别开展了多少场普法宣传活动?")
    assert a.kind == "table"
    assert {t for t, _, _ in a.values} <= {"和谦镇", "西仓镇"} and "东溪镇" not in a.towns, a.answer
    assert any(ci.town == "东溪镇" for ci in a.citations) and "东溪镇" in a.answer  # named apart, not dropped


def test_a_round_number_is_no_zero_count() -> None:
    # The relevance model's "negated" feature: 0件 says nothing happened; 120件 and 10起 do not.
    from qa.relevance import _NEGATION

    assert _NEGATION.search("行政强制0件") and _NEGATION.search("败诉案件为0件")
    assert not _NEGATION.search("办理行政处罚案件120件") and not _NEGATION.search("调解纠纷10起")


def test_a_change_or_a_zero_list_item_is_not_the_towns_count(tmp_path: Path) -> None:
    engine = engine_over(tmp_path, {
        "a.txt": "天津市滨海新区汉沽街道2023年度行政执法情况报告\n"
        "2023年度汉沽街道录入的案件总数为339(行政检查195件、行政处罚144件、行政强制0件),其中144件行政处罚案件中,适用简易程序137件。\n"
        "2023年度与2022年度办案量同比,行政处罚下降22件,总体呈下降趋势。",
        "b.txt": "天津市滨海新区寨上街道2023年度行政执法情况报告\n2023年度寨上街道办理行政处罚案件84起,罚款8600元。",
    })
    a = engine.ask("哪个街道办理的行政处罚案件最多?")
    assert a.kind == "compare" and a.towns[0] == "汉沽街道"
    assert "22" not in a.answer.split("；")[0]
    from qa.answers.clauses import figure_negated, is_change

    doc = next(d for d in engine.index.documents.values() if d.metadata.town == "汉沽街道")
    claims = engine.index.claims_by_doc[doc.doc_id]
    passage = {p.passage_id: p for p in engine.index.passages}
    by_text = {c.text.lstrip("、,，"): c for c in claims}
    assert is_change(by_text["行政处罚下降22件"]) and not is_change(by_text["其中144件"])
    assert figure_negated(passage[by_text["行政强制0件"].passage_id], by_text["行政强制0件"])
    assert not figure_negated(passage[by_text["其中144件"].passage_id], by_text["其中144件"])


def test_a_span_of_time_is_not_a_count() -> None:
    from qa.claims import find_claims

    units = {c.unit for c in find_claims("在执法决定作出之日起7个工作日内告知，整改期限3个月，办理案件12件。")}
    assert units == {"个工作日", "个月", "件"}
    assert unit_kind("个工作日") == unit_kind("个月") == "time" != unit_kind("件")


# Two towns that give their number of meetings, for the table tests below.
MEETINGS = {
    "a.txt": "和谦镇2024年法治建设工作报告\n全年召开法治建设专题会议4次，研究解决重点问题。",
    "b.txt": "西仓镇2024年法治建设工作报告\n党委会专题研究法治建设工作，全年召开法治建设专题会议6次。",
}
MEETINGS_TABLE_Q = "各街镇全年开了几次法治建设专题会议?分别列一下。"


def test_a_table_row_needs_a_figure(tmp_path_factory: pytest.TempPathFactory) -> None:
    # 南岭镇 says it held meetings but gives no number: it is named apart, not a row of the table or counted.
    reports = {**MEETINGS, "c.txt": "南岭镇2024年法治建设工作报告\n定期召开法治建设专题会议，研究部署法治建设工作。"}
    eng = engine_over(tmp_path_factory.mktemp("rows"), reports)
    a = eng.ask(MEETINGS_TABLE_Q)
    assert a.kind == "table" and set(a.towns) == {"和谦镇", "西仓镇"}, a.answer
    assert "南岭镇" in a.answer and "南岭镇：“" not in a.answer, a.answer


def test_a_table_row_takes_the_figure_from_another_passage_of_the_town(tmp_path_factory: pytest.TempPathFactory) -> None:
    # 南岭镇's passage that best fits the topic gives no number of meetings (15项 counts matters); the number is in a
    # later paragraph of its report.
    filler = "\n（二）其他工作。持续推进基层治理，加强队伍建设，完善工作机制，提升服务水平。\n"
    reports = {**MEETINGS, "c.txt": (
        "南岭镇2024年法治建设工作报告\n（一）组织领导。定期召开法治建设专题会议，研究部署法治建设工作，"
        "党委书记主持法治建设专题会议并讲话，研究解决重点问题15项。" + filler + "（三）会议情况。全年共召开专题会议9次。")}
    eng = engine_over(tmp_path_factory.mktemp("rows2"), reports)
    a = eng.ask(MEETINGS_TABLE_Q)
    assert a.kind == "table" and ("南岭镇", 9.0, "次") in a.values, a.answer
    cite = next(c for c in a.citations if c.town == "南岭镇")
    assert "9次" in cite.quote


def test_every_town_words_are_scaffolding(engine: QAEngine) -> None:
    for q in ("各街镇全年开了几次法治建设专题会议?", "所有乡镇开了几次法治建设专题会议?"):
        forms = {f for g in engine.parse(q).terms for f in g.forms}
        assert "专题会议" in forms and not forms & {"各街", "所有", "乡镇", "街镇"}, forms
