"""A report in traditional characters answers questions asked in simplified ones; quotes stay as the report wrote them."""

from __future__ import annotations

from pathlib import Path

from qa.documents import parse_text
from tests.conftest import engine_over

REPORT = (
    "東山鎮2021年法治政府建設工作報告\n"
    "一、主要工作\n"
    "堅持政務公開，主動公開人事、財政、政務等各類信息118條。\n"
    "開展普法宣傳活動12場，發放宣傳資料3000份。\n"
)
OTHER = "西河镇2021年法治政府建设工作报告\n一、主要工作\n开展普法宣传活动5场。\n"


def test_claims_read_traditional_units() -> None:
    doc = parse_text(REPORT, "dongshan.txt", "utf-8")
    units = {(c.value, c.unit) for c in doc.claims}
    assert (118.0, "条") in units
    assert all(REPORT[c.start : c.end] == c.text for c in doc.claims)


def test_a_simplified_question_finds_the_traditional_sentence(tmp_path: Path) -> None:
    engine = engine_over(tmp_path, {"dongshan.txt": REPORT, "xihe.txt": OTHER})
    a = engine.ask("东山镇主动公开了多少条政府信息?")
    assert a.kind != "not_found"
    assert "118" in a.citations[0].quote and "主動公開" in a.citations[0].quote


def test_a_mirror_sites_pinyin_glosses_do_not_break_words(tmp_path: Path) -> None:
    glossed = (
        "金河街道2024年法治政府建設工作報告\n一、主要工作\n"
        "聘請廣東恒益律師事務(wù)所擔(dān)任政府法律顧問，審查合同15份。\n"
        "開展普法宣傳活動12場。\n"
    )
    engine = engine_over(tmp_path, {"jinhe.txt": glossed, "xihe.txt": OTHER})
    a = engine.ask("金河街道聘请了哪家律师事务所担任法律顾问?")
    assert a.kind != "not_found"
    quote = a.citations[0].quote
    assert "律師事務(wù)所" in quote  # quoted as the page wrote it
    from qa.places import matching_text

    assert "律师事务所担任" in matching_text(quote)
