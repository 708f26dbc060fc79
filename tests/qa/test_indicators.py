"""Standard indicators per report: value, unit and a verbatim citation; conflicts flagged; CSV and XLSX alike."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from qa.documents import parse_text
from qa.engine import QAEngine
from qa.indicator_files import cell, table, to_csv, to_xlsx
from qa.indicators import INDICATORS, indicators_json, report_indicators
from qa.types import IndicatorRow


def by_town(engine: QAEngine) -> dict[str, IndicatorRow]:
    return {r.town or "": r for r in engine.indicators()}


def test_bar_heqian_penalty_cases_is_151_cited(cut_seed_engine: QAEngine) -> None:
    v = by_town(cut_seed_engine)["和谦镇"].values["penalty_cases"]
    assert (v.value, v.unit, v.conflicts) == (151.0, "件", ())
    assert v.citation is not None and v.citation.quote == "办理行政处罚案件151件"
    text = cut_seed_engine.document(v.citation.doc_id).text
    assert text[v.citation.start : v.citation.end] == v.citation.quote


def test_bar_publicity_materials_by_town(cut_seed_engine: QAEngine) -> None:
    rows = by_town(cut_seed_engine)
    got = {}
    for town, row in rows.items():
        v = row.values.get("publicity_materials")
        if v is not None:
            assert v.citation is not None
            assert cut_seed_engine.document(row.doc_id).text[v.citation.start : v.citation.end] == v.citation.quote
            got[town] = (v.value, v.unit, v.qualifier, v.citation.quote)
    assert got == {
        "古龙镇": (400.0, "份", "余", "发放法治宣传资料400余份"),
        "西仓镇": (1000.0, "份", "余", "发放藏汉双语宣传资料1000余份"),
        "龙凤场镇": (2000.0, "份", "余", "2021年全年发放普法宣传资料2000余份"),
    }


def test_a_figure_not_said_is_empty(seed_engine: QAEngine) -> None:
    rows = by_town(seed_engine)
    assert "penalty_cases" not in rows["古龙镇"].values
    assert "publicity_materials" not in rows["和谦镇"].values


def test_the_citation_takes_in_what_is_counted(seed_engine: QAEngine) -> None:
    v = by_town(seed_engine)["莲塘镇"].values["petitions"]
    assert v.citation is not None and v.citation.quote == "成功协调解决卢书云、魏小花、袁小华等8起信访积案"


def test_a_figure_stated_twice_differently_is_flagged_not_averaged() -> None:
    text = "一、主要举措\n全镇办理行政处罚案件12件。\n二、其他\n本年度办理行政处罚案件15件，其中简易程序案件3件。\n"
    pd = parse_text(text, "t.txt", "utf-8")
    v = report_indicators(pd.document, list(pd.claims))["penalty_cases"]
    assert v.value is None and v.citation is None
    assert [(x, u, c.quote) for x, u, c in v.conflicts] == [(12.0, "件", "全镇办理行政处罚案件12件"),
                                                           (15.0, "件", "本年度办理行政处罚案件15件")]
    assert cell(v) == "冲突 conflict: 12件; 15件"
    same = parse_text("办理行政处罚案件12件。全年共办理行政处罚案件12件。", "s.txt", "utf-8")
    one = report_indicators(same.document, list(same.claims))["penalty_cases"]
    assert (one.value, one.conflicts) == (12.0, ())


def test_a_stated_total_is_the_figure() -> None:
    pd = parse_text("开展普法宣讲5次，开展送法入户活动3次，全年累计开展普法宣传活动8次。", "t.txt", "utf-8")
    v = report_indicators(pd.document, list(pd.claims))["publicity_events"]
    assert v.value == 8.0 and v.citation is not None and v.citation.quote == "全年累计开展普法宣传活动8次"


def test_json_shape(seed_engine: QAEngine) -> None:
    j = indicators_json(seed_engine.indicators())
    assert [i["key"] for i in j["indicators"]] == [i.key for i in INDICATORS]
    assert j["indicators"][0] == {"key": "penalty_cases", "label_zh": "行政处罚案件数",
                                  "label_en": "administrative penalty cases", "unit": "件"}
    heqian = next(r for r in j["rows"] if r["town"] == "和谦镇")
    assert set(heqian) == {"doc_id", "town", "county", "year", "values"}
    assert heqian["values"]["penalty_cases"]["value"] == 151.0
    assert heqian["values"]["penalty_cases"]["citation"]["quote"] == "办理行政处罚案件151件"
    assert j["trends"] == []


def test_bar_csv_and_xlsx_hold_the_same_table(cut_seed_engine: QAEngine) -> None:
    rows = cut_seed_engine.indicators()
    raw = to_csv(rows)
    assert raw.startswith(b"\xef\xbb\xbf")
    from_csv = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    wb = load_workbook(io.BytesIO(to_xlsx(rows)))
    assert wb.sheetnames == ["indicators", "quotes"]
    from_xlsx = [["" if x is None else str(x) for x in line] for line in wb["indicators"].iter_rows(values_only=True)]
    assert from_csv == from_xlsx
    assert len(from_csv) == 6
    heqian = next(line for line in from_csv if line[0] == "和谦镇")
    assert heqian[4] == "151"
    quotes = list(wb["quotes"].iter_rows(values_only=True))
    assert quotes[0] == ("town", "year", "doc_id", "indicator", "label_zh", "value", "unit", "quote", "start", "end",
                         "conflict")
    assert ("和谦镇", 2025, heqian[3], "penalty_cases", "行政处罚案件数", 151, "件", "办理行政处罚案件151件") in [
        q[:8] for q in quotes]
    assert table(rows)[0][4] == "行政处罚案件数（件）"
