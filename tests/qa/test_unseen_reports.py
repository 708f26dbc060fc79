"""General mechanisms found on reports the code was not written for (tests/data/eval): each test names one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from embeddings.factory import make_embedder
from qa.corpus_index import CorpusIndex
from qa.engine import QAEngine
from tests.conftest import settings_for

EVAL = Path(__file__).resolve().parents[1] / "data" / "eval"


def _engine(tmp: Path, name: str) -> QAEngine:
    corpus = tmp / name
    corpus.mkdir()
    for f in sorted((EVAL / name).glob("*.json")):
        (corpus / f"{f.stem}.txt").write_text(json.loads(f.read_text(encoding="utf-8"))["text"], encoding="utf-8")
    CorpusIndex.build([corpus], tmp / f"index-{name}", make_embedder("hash"))
    return QAEngine.load(settings_for(tmp / f"index-{name}"))


@pytest.fixture(scope="module")
def a(tmp_path_factory: pytest.TempPathFactory) -> QAEngine:
    return _engine(tmp_path_factory.mktemp("eval-a"), "A")


@pytest.fixture(scope="module")
def b(tmp_path_factory: pytest.TempPathFactory) -> QAEngine:
    return _engine(tmp_path_factory.mktemp("eval-b"), "B")


def test_a_name_ending_in_chengzhen_is_a_town(b: QAEngine) -> None:
    assert "石城镇" in b.index.towns and "办理镇" not in b.index.towns


def test_question_scaffolding_is_not_a_topic(a: QAEngine) -> None:
    # 一共 and 几名 are not words the report must contain.
    ans = a.ask("平岭瑶族乡一共培养了几名法律明白人")
    assert ans.kind == "fact" and "56名" in ans.citations[0].quote


def test_generic_place_words_are_not_unknown_towns(a: QAEngine) -> None:
    ans = a.ask("哪些镇或街道的行政执法文书、案卷规范率达到了100%？")
    # 、 makes 文书 and 案卷 alternatives; 青岗镇's "力争…达到100%" is a goal, not a result.
    assert set(ans.towns) == {"桐溪镇", "河滨街道"}


def test_count_condition(a: QAEngine) -> None:
    assert set(a.ask("哪几个镇聘了两名法律顾问？").towns) == {"桐溪镇", "青岗镇"}


def test_negated_and_zero_clauses_do_not_qualify(b: QAEngine) -> None:
    assert set(b.ask("哪些地方发生了行政诉讼案件?").towns) == {"东关街道", "马营镇", "娜姑镇"}
    assert b.ask("Which townships lost an administrative lawsuit?").towns == ("马营镇",)


def test_parenthesised_examples_are_alternatives(b: QAEngine) -> None:
    q = "哪些乡镇的行政执法指标(执法案卷合格率、程序合规率、“三项制度”落实率等)达到了100%?"
    assert set(b.ask(q).towns) == {"石城镇", "东关街道", "娜姑镇"}


def test_how_many_people_needs_a_head_count(a: QAEngine) -> None:
    assert a.ask("青岗镇综合行政执法大队有多少名执法人员？").kind == "not_found"


def test_unknown_and_misspelt_english_town_names(b: QAEngine) -> None:
    unknown = b.ask("How many administrative reconsideration cases did Xinzhuang town handle?")
    assert unknown.kind == "not_found" and "Xinzhuang" in unknown.answer
    assert b.parse("How many cases did Liuduzhai town handle?").towns == ("六都寨镇",)


def test_next_years_plan_is_in_this_years_report(b: QAEngine) -> None:
    ans = b.ask("What does Nagu town plan to do next year (2025) on rule-of-law government?")
    assert ans.kind == "fact" and ans.towns == ("娜姑镇",)
    assert all("2025年工作打算" in (c.section or "") for c in ans.citations)


def test_inline_enumeration_after_a_colon(a: QAEngine) -> None:
    quotes = [c.quote for c in a.ask("平岭瑶族乡在法治政府建设方面还存在什么问题？").citations]
    assert quotes[:2] == ["一是法治工作力量薄弱。", "二是部分干部群众法治意识有待提高。"]
