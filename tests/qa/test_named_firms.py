""""是哪家律师事务所的?" asks for a firm's name: a passage that only says a firm was engaged does not answer it."""

from __future__ import annotations

from pathlib import Path

from qa.answers.clauses import names_organisation
from tests.conftest import engine_over


def test_a_firm_is_named_by_a_place_or_a_word_no_dictionary_holds() -> None:
    assert names_organisation("与浙江同舟律师事务所签订专项法律服务合同")
    assert names_organisation("由重庆市武隆区星空律师事务所派队")
    assert names_organisation("2022年青龙镇与聚焦律师事务所签订法律顾问合同")  # a short name after 与
    assert names_organisation("聘請廣東恒益律師事務(wù)所擔(dān)任政府法律顧問")  # traditional, with a mirror's glosses
    assert not names_organisation("并与律师事务所签订《法律服务合同》")
    assert not names_organisation("聘请专业律所律师担任政府法律顾问")
    assert not names_organisation("聘请律师事务所担任法律顾问")


def test_which_firm_is_refused_when_the_report_does_not_name_it(tmp_path: Path) -> None:
    eng = engine_over(tmp_path, {
        "a.txt": "航山街道2024年法治政府建设情况报告\n一、主要举措\n落实政府法律顾问制度,并与律师事务所签订《法律服务合同》,"
                 "全年出具法律意见书12份。",
        "b.txt": "青龙镇2024年法治政府建设情况报告\n一、主要举措\n青龙镇与聚焦律师事务所签订法律顾问合同,全年出具法律意见书8份。",
    })
    assert eng.ask("航山街道的法律顾问是哪家律师事务所的?").kind == "not_found"
    a = eng.ask("青龙镇的法律顾问是哪家律师事务所的?")
    assert a.kind != "not_found" and "聚焦律师事务所" in a.citations[0].quote, a.answer


def test_which_reports_name_the_firm_lists_only_reports_that_name_one(tmp_path: Path) -> None:
    eng = engine_over(tmp_path, {
        "a.txt": "航山街道2024年法治政府建设情况报告\n一、主要举措\n落实政府法律顾问制度,聘请1家律师事务所担任法律顾问,"
                 "全年出具法律意见书12份。",
        "b.txt": "青龙镇2024年法治政府建设情况报告\n一、主要举措\n青龙镇与聚焦律师事务所签订法律顾问合同,全年出具法律意见书8份。",
    })
    a = eng.ask("Which reports name the law firm the town works with?")
    assert a.kind == "aggregate" and a.towns == ("青龙镇",), a.answer
