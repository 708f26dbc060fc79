""""Which towns did not …": the towns in scope that the positive question leaves out."""

from __future__ import annotations

import pytest

from qa.engine import QAEngine
from qa.plan.intent import complement_of
from tests.conftest import engine_over


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> QAEngine:
    return engine_over(tmp_path_factory.mktemp("complement"), {
        "a.txt": "和谦镇2024年法治政府建设情况报告\n一、主要举措\n成立法治政府建设工作领导小组,由镇党委书记任组长。",
        "b.txt": "西仓镇2024年法治政府建设情况报告\n一、主要举措\n成立法治建设领导小组,定期研究法治工作。",
        "c.txt": "东溪镇2024年法治政府建设情况报告\n一、主要举措\n全年开展普法宣传活动12场,调解纠纷20件。",
    })


def test_the_positive_question_of_a_negated_which_question() -> None:
    assert complement_of("哪些镇没有提到成立领导小组?") == "哪些镇提到成立领导小组?"
    assert complement_of("Which towns did not mention a leading group?") == "Which towns  mention a leading group?"
    # A denial the report states is asked for as such: not a complement.
    assert complement_of("哪些镇全年没有发生重大安全事故?") is None
    # "never mention" is a saying left out; "never had" asks for the denial a report states.
    assert complement_of("Which reports never mention a leading group?") == "Which reports mention a leading group?"
    assert complement_of("Which towns never had a lawsuit?") is None
    assert complement_of("和谦镇没有成立领导小组吗?") is None  # no which-question


def test_which_towns_did_not_set_up_the_group(engine: QAEngine) -> None:
    a = engine.ask("哪些镇没有成立法治建设领导小组?")
    assert a.kind == "aggregate" and a.towns == ("东溪镇",), a.answer
    # The towns that did are quoted, so the answer can be checked.
    assert {"和谦镇", "西仓镇"} <= {ci.town for ci in a.citations}, a.answer
    en = engine.ask("Which towns did not set up a rule-of-law leading group?")
    assert en.towns == ("东溪镇",), en.answer
