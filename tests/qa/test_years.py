"""Several years of one town: questions naming a year, 去年, 最新 or 历年 select the right reports."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from embeddings.factory import make_embedder
from qa.corpus_index import CorpusIndex
from qa.engine import QAEngine
from qa.plan import relative_years
from tests.conftest import SEEDS, settings_for

HEQIAN = SEEDS / "000_fc6b19c338c3d419.txt"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> QAEngine:
    corpus = tmp_path_factory.mktemp("years") / "corpus"
    shutil.copytree(SEEDS, corpus)
    older = HEQIAN.read_text(encoding="utf-8").replace("2025年", "2024年").replace("办理行政处罚案件151件", "办理行政处罚案件98件")
    (corpus / "heqian_2024.txt").write_text(older, encoding="utf-8")
    idx = corpus.parent / "idx"
    CorpusIndex.build([corpus], idx, make_embedder("hash"))
    return QAEngine.load(settings_for(idx))


def test_two_reports_of_one_town_have_their_own_years(engine: QAEngine) -> None:
    years = sorted(d["year"] for d in engine.documents() if d["town"] == "和谦镇")
    assert years == [2024, 2025]


@pytest.mark.parametrize(("question", "figure"), [("和谦镇2024年办理了多少件行政处罚案件?", "98件"), ("和谦镇2025年办理了多少件行政处罚案件?", "151件")])
def test_a_named_year_selects_its_report(engine: QAEngine, question: str, figure: str) -> None:
    a = engine.ask(question)
    assert figure in a.citations[0].quote and len({c.year for c in a.citations}) == 1


def test_latest_selects_the_newest_report(engine: QAEngine) -> None:
    a = engine.ask("和谦镇最新的报告中办理了多少件行政处罚案件?")
    assert a.citations[0].year == 2025 and "151件" in a.citations[0].quote


def test_every_year_cites_each_report(engine: QAEngine) -> None:
    a = engine.ask("和谦镇历年办理了多少件行政处罚案件?")
    assert {c.year for c in a.citations} >= {2024, 2025}


def test_relative_years_count_from_today() -> None:
    today = date(2026, 11, 22)
    assert relative_years("和谦镇去年办理了多少件案件?", today) == (2025,)
    assert relative_years("How many cases last year?", today) == (2025,)
    assert relative_years("前年呢", today) == (2024,)
    assert relative_years("和谦镇办理了多少件案件?", today) == ()
