"""A follow-up that adds nothing of its own still asks what the earlier question asked: its measure (a number,
an amount of money) carries over, so a passage without such a figure does not answer it. On text written here."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from qa.lexical import Tokenizer
from qa.plan import parse_question
from qa.types import Turn
from tests.conftest import engine_over

TOK = Tokenizer()

REPORTS = {
    "a2024.txt": "甲山街道2024年法治政府建设情况报告\n"
                 "一、主要工作\n组织全体干部参加习近平法治思想专题学法考试,考试平均成绩92.3分。\n"
                 "全年企业罚款总额为24万元,较去年下降41%。\n",
    "a2023.txt": "甲山街道2023年法治政府建设情况报告\n"
                 "一、主要工作\n严格落实干部在线平台学法考试工作,组织全体干部参加习近平法治思想专题学法考试。\n",
    "b2024.txt": "乙水街道2024年法治政府建设情况报告\n"
                 "一、主要工作\n组织开展企业走访服务3904家次,多渠道收集企业诉求341件,办结率98.53%。\n",
}


def _plan(q: str):  # type: ignore[no-untyped-def]
    return parse_question(q, [], {}, TOK, today=date(2026, 12, 3))


def test_what_score_and_what_share_ask_for_a_number() -> None:
    assert _plan("What average score did the cadres get on the law exam?").numeric
    assert _plan("What percentage of contracts were reviewed?").numeric
    assert _plan("干部学法考试的平均成绩如何?").numeric
    assert not _plan("What did the subdistrict do about the law exam?").numeric


def test_a_bare_year_follow_up_keeps_asking_for_the_number(tmp_path: Path) -> None:
    eng = engine_over(tmp_path, REPORTS)
    first = eng.ask("甲山街道2024年干部学法考试的平均成绩是多少?")
    assert "92.3" in first.answer
    q2 = "那2023年呢?"
    pq = eng.plan(q2, [Turn("甲山街道2024年干部学法考试的平均成绩是多少?", first)])
    assert pq.numeric and pq.years == (2023,)
    second = eng.ask(q2, [Turn("甲山街道2024年干部学法考试的平均成绩是多少?", first)])
    assert second.kind == "not_found", second.answer  # the 2023 report gives no score


def test_a_follow_up_on_another_town_still_asks_for_money(tmp_path: Path) -> None:
    eng = engine_over(tmp_path, REPORTS)
    q1 = "甲山街道全年企业罚款总额是多少?"
    first = eng.ask(q1)
    assert "24万元" in first.answer
    second = eng.ask("那乙水街道呢?", [Turn(q1, first)])
    assert second.kind == "not_found", second.answer  # 3904家次 is no amount of money



def test_letters_are_counted_in_feng(tmp_path: Path) -> None:
    # 来信6封: 封 is a unit a claim is counted in, and 多少封 asks for it.
    eng = engine_over(tmp_path, {
        "m.txt": "满山乡2024年法治政府建设情况报告\n一、主要工作\n"
                 "依托12345政务服务便民热线平台累计办理群众反映问题388件,办结率、满意率均达100%。\n"
                 "畅通群众诉求渠道,设立乡长信箱,已公开处理群众来信6封。\n",
    })
    q1 = "满山乡通过12345政务服务便民热线平台办理了多少件群众反映的问题?"
    first = eng.ask(q1)
    assert "388件" in first.answer
    second = eng.ask("那它通过乡长信箱处理了多少封来信?", [Turn(q1, first)])
    assert "6封" in second.citations[0].quote, second.answer


ADDED = {
    "c2023.txt": "丙河镇2023年法治政府建设情况报告\n一、主要工作\n严格落实合法性审查制度,全年审查合同51份。\n",
    "d2023.txt": "丁岭镇2023年法治政府建设情况报告\n一、主要工作\n全年合法性审查合同13份,其中村务合同2份。\n",
    "e2022.txt": "戊泉镇2022年法治政府建设情况报告\n一、主要工作\n全年组织干部集体学法2次。完成镇级合同合法性审查462份。\n",
}


def test_a_town_added_to_a_comparison_keeps_the_measure_and_its_own_year(tmp_path: Path) -> None:
    # "那再加上戊泉镇呢?三个里谁最多?": 加上 and 三个里 are scaffolding, so the earlier measure (合同 reviewed) stands;
    # the year the earlier turn named is 2023, and 戊泉镇, which has only a 2022 report, is compared from that one.
    eng = engine_over(tmp_path, ADDED)
    q1 = "丙河镇和丁岭镇2023年,哪个镇合法性审查的合同更多?"
    first = eng.ask(q1)
    assert first.kind == "compare" and first.towns[0] == "丙河镇"
    second = eng.ask("那再加上戊泉镇呢?三个里谁最多?", [Turn(q1, first)])
    assert second.kind == "compare" and set(second.towns) == {"丙河镇", "丁岭镇", "戊泉镇"}
    assert second.towns[0] == "戊泉镇" and "462份" in second.answer


def test_a_year_written_after_one_of_the_towns_compared_keeps_every_town(tmp_path: Path) -> None:
    # "丙河镇、戊泉镇(2023年),哪个…更多?": 戊泉镇 has only a 2022 report; it is compared from that one, not dropped.
    eng = engine_over(tmp_path, ADDED)
    a = eng.ask("丙河镇、戊泉镇(2023年),哪个镇合法性审查的合同更多?")
    assert a.kind == "compare" and set(a.towns) == {"丙河镇", "戊泉镇"}, a.answer
    assert a.towns[0] == "戊泉镇"
    # Not a comparison: a year narrows (其中哪些是2023年的?), and a town without that year's report is left out.
    first = eng.ask("哪些镇审查了合同?")
    narrowed = eng.ask("其中哪些是2023年的报告?", [Turn("哪些镇审查了合同?", first)])
    assert "戊泉镇" not in narrowed.towns
