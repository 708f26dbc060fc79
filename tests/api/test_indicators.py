"""GET /indicators, /indicators.csv and /indicators.xlsx: one table, three forms."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.app import create_app
from qa.engine import QAEngine
from qa.settings import Settings


def test_indicators_json(client: TestClient, seed_engine: QAEngine) -> None:
    r = client.get("/indicators")
    assert r.status_code == 200
    j = r.json()
    assert [x["town"] for x in j["rows"]] == ["古龙镇", "和谦镇", "莲塘镇", "西仓镇", "龙凤场镇"]
    materials = {x["town"]: x["values"]["publicity_materials"]["value"] for x in j["rows"]
                 if "publicity_materials" in x["values"]}
    assert materials == {"古龙镇": 400.0, "西仓镇": 1000.0, "龙凤场镇": 2000.0}
    c = j["rows"][1]["values"]["penalty_cases"]["citation"]
    assert seed_engine.document(c["doc_id"]).text[c["start"] : c["end"]] == c["quote"] == "办理行政处罚案件151件"


def test_csv_and_xlsx_downloads_hold_the_same_table(client: TestClient) -> None:
    c = client.get("/indicators.csv")
    assert c.status_code == 200
    assert c.headers["content-type"] == "text/csv; charset=utf-8"
    assert c.headers["content-disposition"] == 'attachment; filename="indicators.csv"'
    assert c.content.startswith(b"\xef\xbb\xbf")
    x = client.get("/indicators.xlsx")
    assert x.status_code == 200
    assert x.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    from_csv = list(csv.reader(io.StringIO(c.content.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(x.content))["indicators"]
    from_xlsx = [["" if v is None else str(v) for v in line] for line in sheet.iter_rows(values_only=True)]
    assert from_csv == from_xlsx
    assert [line[0] for line in from_csv] == ["town", "古龙镇", "和谦镇", "莲塘镇", "西仓镇", "龙凤场镇"]


def test_trends_over_http(two_year_engine: QAEngine, api_settings: Settings) -> None:
    with TestClient(create_app(api_settings, engine=two_year_engine)) as c:
        j = c.get("/indicators").json()
        t = next(x for x in j["trends"] if x["key"] == "penalty_cases")
        assert (t["town"], [p["value"] for p in t["points"]], t["change"]) == ("和谦镇", [120.0, 151.0], 31.0)
        chat = c.post("/chat", json={"message": "和谦镇行政处罚案件逐年变化"}).json()
        assert chat["kind"] == "compare"
        assert [x["quote"] for x in chat["citations"]] == ["办理行政处罚案件120件", "办理行政处罚案件151件"]
        heqian = [line for line in c.get("/indicators.csv").content.decode("utf-8-sig").splitlines() if "和谦镇" in line]
        assert [line.split(",")[2] + ":" + line.split(",")[4] for line in heqian] == ["2024:120", "2025:151"]
