from pathlib import Path

import pytest

from qa.documents import parse_text
from qa.metadata import town_core

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.mark.parametrize(
    ("name", "town", "county", "province", "year", "date"),
    [
        ("000_fc6b19c338c3d419.txt", "和谦镇", "开州区", "重庆市", 2025, None),
        ("001_a72cb30ac0344b96.txt", "古龙镇", "大足区", "重庆市", 2024, None),
        ("002_43717beec33bc72e.txt", "莲塘镇", "南昌县", "江西省", 2023, None),
        ("003_182556944e2e6830.txt", "西仓镇", "碌曲县", "甘肃省", 2025, "2025-12-09"),
        ("004_8a58fc0ccff5796e.txt", "龙凤场镇", "通江县", "四川省", 2021, "2022-04-26"),
    ],
)
def test_seed_metadata(name: str, town: str, county: str | None, province: str | None, year: int, date: str | None) -> None:
    text = (SEEDS / name).read_text(encoding="utf-8")
    m = parse_text(text, name, "utf-8").document.metadata
    assert (m.town, m.county, m.province, m.year, m.date) == (town, county, province, year, date)
    assert m.town_span is not None and text[m.town_span.start : m.town_span.end] == town


def test_title_and_year_of_a_2021_report_published_in_2022() -> None:
    text = (SEEDS / "004_8a58fc0ccff5796e.txt").read_text(encoding="utf-8")
    m = parse_text(text, "x", "utf-8").document.metadata
    assert m.title == "龙凤场镇2021年度法治政府建设工作情况报告"
    assert m.year == 2021


@pytest.mark.parametrize(
    ("text", "town"),
    [
        ("大坪瑶族乡人民政府2023年法治政府建设情况报告\n2023年,大坪瑶族乡坚持依法行政。全乡开展普法活动12场。", "大坪瑶族乡"),
        ("城关街道2022年法治政府建设工作报告\n2022年，城关街道办事处深入推进依法行政，街道全年调解纠纷30起。", "城关街道"),
        ("关于青山乡2024年度法治政府建设情况的报告\n2024年,青山乡认真落实。青山乡人民政府\n2025年1月5日", "青山乡"),
    ],
)
def test_other_township_units(text: str, town: str) -> None:
    m = parse_text(text, "x", "utf-8").document.metadata
    assert m.town == town
    assert m.year == int(text.split("年")[0][-4:])


def test_town_core() -> None:
    assert town_core("龙凤场镇") == "龙凤场"
    assert town_core("城关街道") == "城关"
    assert town_core("大坪瑶族乡") == "大坪瑶族"


def test_an_ethnic_township_answers_to_its_short_name() -> None:
    from qa.metadata import town_aliases

    assert "浩口乡" in town_aliases("浩口苗族仡佬族乡")  # two nationalities
    assert "大坪乡" in town_aliases("大坪瑶族乡")
    assert "满族屯乡" in town_aliases("满族屯满族乡") and "满族乡" not in town_aliases("满族屯满族乡")
