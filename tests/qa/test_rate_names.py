"""A rate question is answered by a percentage of the rate it names, not by any percentage in the town's report."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.engine import QAEngine
from tests.conftest import engine_over

PREAMBLE = "一、主要举措和成效\n(一)加强组织领导。成立法治建设领导小组,定期研究法治工作。\n"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> QAEngine:
    tmp: Path = tmp_path_factory.mktemp("rates")
    return engine_over(tmp, {
        "qingshan.txt": "青山镇2024年法治政府建设情况报告\n" + PREAMBLE
        + "(二)加强学法用法。组织全镇公务员参加年度学法考试,参考率和优秀率均为100%。行政机关负责人出庭应诉2次。\n",
        "baishui.txt": "白水镇2024年法治政府建设情况报告\n" + PREAMBLE
        + "(二)规范行政应诉。行政诉讼案件3件,行政机关负责人出庭应诉率100%。\n",
    })


def test_a_percentage_of_another_rate_does_not_answer(engine: QAEngine) -> None:
    a = engine.ask("青山镇行政机关负责人出庭应诉率是多少?")
    assert a.kind == "not_found", a.answer


def test_the_named_rate_answers(engine: QAEngine) -> None:
    a = engine.ask("白水镇行政机关负责人出庭应诉率是多少?")
    assert a.kind != "not_found" and "出庭应诉率100%" in a.citations[0].quote, a.answer
    b = engine.ask("青山镇公务员学法考试的优秀率是多少?")
    assert b.kind != "not_found" and "优秀率均为100%" in b.citations[0].quote, b.answer


def test_the_rate_name_is_read_from_the_words_before_lv(engine: QAEngine) -> None:
    from qa.answers.clauses import rate_forms, states_the_rate

    forms = rate_forms(engine.parse("坪山镇行政机关负责人出庭应诉率是多少?"))
    assert "应诉" in forms and "机关" not in forms, forms
    assert not states_the_rate("组织公务员学法参考率和优秀率均为100%。", forms)
    assert states_the_rate("行政诉讼3件,负责人出庭率100%。", forms)
    assert rate_forms(engine.parse("坪山镇办理了多少件行政处罚案件?")) == ()


def test_a_weight_is_a_share_stated_as_a_percentage(tmp_path: Path) -> None:
    # 权重 / weight asks for a share: 权重占比提升至25%, not a count elsewhere in the report.
    eng = engine_over(tmp_path, {"c.txt": "插山镇2024年法治政府建设情况报告\n" + PREAMBLE
                                 + "将法治建设纳入绩效考核体系,权重占比提升至25%。全年开展法治讲座6场。\n"})
    for q in ("插山镇把法治建设在绩效考核里的权重提到了多少?", "How much weight does rule-of-law work carry in Chashan town's performance assessment?"):
        a = eng.ask(q)
        assert a.kind == "fact" and "25%" in a.citations[0].quote, (q, a.answer)
