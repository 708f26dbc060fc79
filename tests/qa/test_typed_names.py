"""A town typed with the wrong character of the same sound is that town; honours are asked in other words."""

from __future__ import annotations

import pytest

from qa.engine import QAEngine
from tests.conftest import engine_over


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> QAEngine:
    return engine_over(tmp_path_factory.mktemp("typed"), {
        "a.txt": "横栏镇2021年法治政府建设工作报告\n一、主要成效\n本年度,镇司法所所长获评广东省法律援助先进个人,"
                 "横东村获广东省“民主法治示范村”表彰。全年开展普法活动20场。",
        "b.txt": "西仓镇2021年法治政府建设工作报告\n一、主要成效\n全年开展普法活动12场,调解矛盾纠纷30件。",
    })


def test_a_homophone_of_a_known_town_is_that_town(engine: QAEngine) -> None:
    pq = engine.parse("横兰镇开展了多少场普法活动?")
    assert pq.towns == ("横栏镇",) and not pq.unknown_towns, pq


def test_a_listed_township_of_another_name_is_not_read_as_a_homophone(engine: QAEngine) -> None:
    # 西昌镇 is a township of the division list (not in this collection): it stays a town the reports lack.
    pq = engine.parse("西昌镇开展了多少场普法活动?")
    assert pq.towns == () and pq.unknown_towns == ("西昌镇",), pq


def test_honours_are_answered_by_awards_and_titles(engine: QAEngine) -> None:
    a = engine.ask("横兰镇2021年拿了哪些荣誉?")
    assert a.kind != "not_found" and "获评" in a.citations[0].quote, a.answer
