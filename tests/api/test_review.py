"""GET /review and /review/{doc_id}: the same reviews the engine gives, as JSON."""

from __future__ import annotations

from fastapi.testclient import TestClient

from qa.engine import QAEngine


def test_review_lists_every_report(client: TestClient, seed_engine: QAEngine) -> None:
    r = client.get("/review")
    assert r.status_code == 200
    body = r.json()
    assert body["parts"] == ["measures", "shortcomings", "leader_duty", "plan", "other"]
    assert body["count"] == 5
    assert [x["town"] for x in body["reviews"]] == ["古龙镇", "和谦镇", "莲塘镇", "西仓镇", "龙凤场镇"]
    xicang = body["reviews"][3]
    assert xicang["timeliness"] == "on_time" and xicang["deadline"] == "2026-04-01"
    shortcomings = xicang["parts"]["shortcomings"]
    assert shortcomings["present"] is True and shortcomings["via"] == "heading"
    c = shortcomings["citation"]
    assert c["quote"] == "二、推进法治政府建设存在的不足和原因"
    assert seed_engine.document(c["doc_id"]).text[c["start"] : c["end"]] == c["quote"]
    assert xicang["parts"]["other"]["present"] is False and xicang["parts"]["other"]["citation"] is None


def test_review_of_one_report_and_an_unknown_one(client: TestClient, seed_engine: QAEngine) -> None:
    doc_id = seed_engine.reviews()[4].doc_id
    r = client.get(f"/review/{doc_id}")
    assert r.status_code == 200
    assert r.json()["town"] == "龙凤场镇" and r.json()["timeliness"] == "late"
    missing = client.get("/review/nope")
    assert missing.status_code == 404
    assert missing.json()["error"] == {
        "code": "document_not_found", "message": "no document 'nope'; GET /documents lists the ids"}
