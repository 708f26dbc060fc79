"""Where a town is: cited from the report's own words, also when they stand in the page's header lines."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import engine_over

PORTAL = (
    "首页 > 政务公开 > 法治政府建设\n\n发布机构：寒亭区河滨街道办事处\n成文日期：2025-01-15\n\n"
    "河滨街道办事处2024年度法治政府建设情况报告\n\n2024年，河滨街道坚持依法行政，开展普法活动20场。\n"
)


def test_the_region_named_in_a_header_line_is_cited(tmp_path: Path) -> None:
    engine = engine_over(tmp_path, {"hebin.txt": PORTAL})
    a = engine.ask("河滨街道是哪个区的？")
    assert a.kind == "fact" and "寒亭区" in a.answer
    c = a.citations[0]
    assert PORTAL[c.start : c.end] == c.quote and "寒亭区" in c.quote
