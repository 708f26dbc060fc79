""""组长叫什么名字?" asks for a person's name: a passage that names only the role (由镇党委书记任组长) does not answer
it. On text written here."""

from __future__ import annotations

from pathlib import Path

from qa.answers.clauses import PERSON_Q, names_person
from tests.conftest import engine_over


def test_a_person_is_named_by_a_name_no_dictionary_holds() -> None:
    assert names_person("建立由街道党工委书记洪建良任组长的领导小组")
    assert not names_person("成立由镇党委书记任组长、镇党委副书记任副组长的法治政府建设工作领导小组")
    assert not names_person("聘请1名专职律师担任法律顾问,实现重大决策合法性审查全覆盖")  # 法律顾问 is tagged nr


def test_which_questions_ask_for_a_persons_name() -> None:
    assert PERSON_Q.search("领导小组组长叫什么名字?") and PERSON_Q.search("What is the name of the lawyer it hired?")
    assert not PERSON_Q.search("领导小组组长由谁担任?")  # a role answers it
    assert not PERSON_Q.search("Who heads the leading group?")


def test_the_name_question_is_refused_when_the_report_names_only_the_role(tmp_path: Path) -> None:
    eng = engine_over(tmp_path, {
        "a.txt": "航山街道2024年法治政府建设情况报告\n一、主要举措\n成立由街道党工委书记任组长的法治政府建设工作领导小组。",
        "b.txt": "青龙镇2024年法治政府建设情况报告\n一、主要举措\n成立由镇党委书记洪建良任组长的法治政府建设工作领导小组。",
    })
    assert eng.ask("航山街道法治政府建设领导小组组长叫什么名字?").kind == "not_found"
    a = eng.ask("青龙镇法治政府建设领导小组组长叫什么名字?")
    assert a.kind != "not_found" and "洪建良" in a.citations[0].quote, a.answer
    assert eng.ask("航山街道法治政府建设领导小组组长由谁担任?").kind != "not_found"
