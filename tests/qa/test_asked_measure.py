"""What a question counts: a span of time (时间更长, how long: 为期8天), villages (26个行政村), not any count."""

from __future__ import annotations

from pathlib import Path

from qa.plan.measure import asked_units
from tests.conftest import engine_over


def test_how_long_asks_for_a_span_of_time() -> None:
    assert "天" in asked_units("哪家的读书班时间更长?") and "天" in asked_units("Whose study class lasted longer?")
    assert "天" not in asked_units("哪个镇的读书班办得更多?")


def test_the_longer_class_is_ranked_by_its_days(tmp_path: Path) -> None:
    eng = engine_over(tmp_path, {
        "a.txt": "西岭街道2023年法治政府建设情况报告\n一、主要工作\n开展为期8天的主题教育读书班,组织专题学习3次。\n",
        "b.txt": "东岭镇2023年法治政府建设情况报告\n一、主要工作\n镇领导班子召开两期共7天的主题教育读书班,开展学法活动12次。\n",
    })
    a = eng.ask("哪家的读书班时间更长?")
    assert a.kind == "compare" and a.towns[0] == "西岭街道", a.answer
    assert a.answer.startswith("西岭街道最长") and {v[2] for v in a.values} == {"天"}


def test_villages_are_counted_in_ge() -> None:
    # "which report covers the most villages": 26个行政村, not 书记等140人.
    units = asked_units("Of these three, which report covers the most villages or communities?")
    assert "个" in units and "人" not in units
