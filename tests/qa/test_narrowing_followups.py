"""Follow-ups that narrow the previous answer's towns: "其中哪些…" stays an aggregate over them, and "which one…"
puts the town whose evidence fits best first."""

from __future__ import annotations

import pytest

from qa.engine import QAEngine
from qa.types import Turn
from tests.conftest import engine_over

FILLER = "全年开展普法宣传活动12场，发放宣传资料3000余份，调解矛盾纠纷45起。"
REPORTS = {
    "heqian.txt": "和谦镇2024年法治政府建设情况报告\n和谦镇成立由镇党委书记任组长的法治政府建设工作领导小组。" + FILLER,
    "xicang.txt": "西仓镇2024年法治政府建设情况报告\n西仓镇成立以镇长为组长的法治政府建设工作领导小组。" + FILLER,
    "dongxi.txt": "东溪镇2024年法治政府建设情况报告\n东溪镇成立由镇党委书记任组长的法治政府建设工作领导小组。" + FILLER,
    "nanping.txt": "南坪镇2024年法治政府建设情况报告\n南坪镇聘请法律顾问1名，审查合同12份。" + FILLER,
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> QAEngine:
    return engine_over(tmp_path_factory.mktemp("narrow"), REPORTS)


def test_which_of_those_with_a_new_condition_stays_an_aggregate(engine: QAEngine) -> None:
    first = engine.ask("哪些镇成立了法治政府建设工作领导小组?")
    assert set(first.towns) == {"和谦镇", "西仓镇", "东溪镇"}
    pq = engine.plan("其中哪些镇由党委书记任组长?", [Turn("哪些镇成立了法治政府建设工作领导小组?", first)])
    assert pq.intent == "aggregate" and set(pq.towns) == {"和谦镇", "西仓镇", "东溪镇"}


def test_a_follow_up_only_joined_on_asks_about_every_town(engine: QAEngine) -> None:
    # "And which ones …?" / "那哪些镇…呢?" join a new question on; only 其中 / of those narrow to the earlier answer.
    q1 = "哪些镇成立了法治政府建设工作领导小组?"
    first = engine.ask(q1)
    for q in ("And which ones hired a legal adviser?", "那哪些镇聘请了法律顾问呢?"):
        pq = engine.plan(q, [Turn(q1, first)])
        assert pq.intent == "aggregate" and pq.towns == (), q
        assert not any("领导小组" in f for g in pq.terms for f in g.forms), q
        a = engine.ask(q, [Turn(q1, first)])
        assert a.towns == ("南坪镇",), (q, a.answer)
    narrowed = engine.plan("Which of those hired a legal adviser?", [Turn(q1, first)])
    assert set(narrowed.towns) == {"和谦镇", "西仓镇", "东溪镇"}


def test_which_one_puts_the_best_fitting_town_first(engine: QAEngine) -> None:
    first = engine.ask("哪些镇成立了法治政府建设工作领导小组?")
    a = engine.ask("其中哪个镇是镇长任组长?", [Turn("哪些镇成立了法治政府建设工作领导小组?", first)])
    assert a.towns and a.towns[0] == "西仓镇", a.answer


FIGURES = {
    "yingzai.txt": "营仔镇2025年法治政府建设情况报告\n今年以来，党政主要负责人主持召开法治政府建设专题会议11次。" + FILLER,
    "nanwan.txt": "南万镇2025年法治政府建设情况报告\n2025年全年召开法治建设专题党委会12次，研究重大事项5项。" + FILLER,
    "other.txt": "西仓镇2025年法治政府建设情况报告\n西仓镇主持召开法治政府建设专题会议30次，审议规范性文件8件。" + FILLER,
}


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> QAEngine:
    return engine_over(tmp_path_factory.mktemp("figs"), FIGURES)


def test_which_of_the_two_after_one_fact_per_town_ranks_the_cited_figures(figures: QAEngine) -> None:
    conv: list[Turn] = []
    for q in ("营仔镇今年主持召开了几次法治政府建设专题会议?", "那南万镇呢?"):
        conv.append(Turn(q, figures.ask(q, conv)))
    assert conv[0].answer.towns == ("营仔镇",) and conv[1].answer.towns == ("南万镇",)
    a = figures.ask("这两个镇哪个开得多?", conv)
    # The two figures the earlier turns cited (11 and 12), not a new search across the corpus (西仓镇's 30).
    assert a.kind == "compare" and a.towns[0] == "南万镇", a.answer
    assert {t for t, _, _ in a.values} == {"营仔镇", "南万镇"}


def test_which_of_these_three_ranks_the_towns_of_the_last_three_turns(figures: QAEngine) -> None:
    conv: list[Turn] = []
    for q in ("How many rule-of-law meetings did Yingzai town hold?", "What about Nanwan?", "And Xicang town?"):
        conv.append(Turn(q, figures.ask(q, conv)))
    assert [t.answer.towns for t in conv] == [("营仔镇",), ("南万镇",), ("西仓镇",)]
    for q in ("Which of these three held the most?", "这三个镇哪个开得最多?"):
        a = figures.ask(q, conv)
        assert a.kind == "compare" and set(a.towns) == {"营仔镇", "南万镇", "西仓镇"} and a.towns[0] == "西仓镇", a.answer
