"""Documents, passages in context, conversations, health and docs over the seed corpus."""

from __future__ import annotations

from fastapi.testclient import TestClient

from qa.engine import QAEngine
from tests.api.conftest import CARD_QUESTION_ZH

SEED_TOWNS = {"和谦镇", "古龙镇", "西仓镇", "龙凤场镇"}


def test_documents_lists_the_seed_reports(client: TestClient, seed_engine: QAEngine) -> None:
    body = client.get("/documents").json()
    assert body["count"] == 5 == len(body["documents"])
    assert body["documents"] == seed_engine.documents()
    assert {d["town"] for d in body["documents"]} >= SEED_TOWNS
    for d in body["documents"]:
        assert {
            "doc_id",
            "source",
            "town",
            "county",
            "province",
            "year",
            "title",
            "passages",
            "claims",
        } <= d.keys()


def test_document_has_text_and_metadata(client: TestClient, seed_engine: QAEngine) -> None:
    doc_id = seed_engine.documents()[0]["doc_id"]
    doc = seed_engine.document(doc_id)
    body = client.get(f"/documents/{doc_id}").json()
    assert body["text"] == doc.text
    assert body["source"] == doc.source
    assert body["metadata"]["town"] == doc.metadata.town
    assert body["metadata"]["year"] == doc.metadata.year


def test_every_citation_opens_in_context(client: TestClient) -> None:
    answer = client.post("/chat", json={"message": CARD_QUESTION_ZH}).json()
    assert answer["citations"]
    for c in answer["citations"]:
        r = client.get(f"/documents/{c['doc_id']}/passage", params={"start": c["start"], "end": c["end"]})
        assert r.status_code == 200
        p = r.json()
        assert (p["quote"], p["start"], p["end"], p["town"], p["year"]) == (
            c["quote"],
            c["start"],
            c["end"],
            c["town"],
            c["year"],
        )
        para = p["paragraph"]
        assert para["start"] <= c["start"] and c["end"] <= para["end"]
        assert para["text"][c["start"] - para["start"] : c["end"] - para["start"]] == c["quote"]


def test_document_errors(client: TestClient, seed_engine: QAEngine) -> None:
    r = client.get("/documents/nope")
    assert r.status_code == 404 and r.json()["error"]["code"] == "document_not_found"
    doc_id = seed_engine.documents()[0]["doc_id"]
    n = len(seed_engine.document(doc_id).text)
    for params, needle in (
        ({"start": 5, "end": 5}, "greater than start"),
        ({"start": 0, "end": n + 1}, "past the end"),
        ({"start": -1, "end": 3}, "start"),
        ({"start": 0}, "end: Field required"),
    ):
        r = client.get(f"/documents/{doc_id}/passage", params=params)
        assert r.status_code == 422 and needle in r.json()["error"]["message"]


def test_health_ready_and_docs(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert (ready["ready"], ready["status"], ready["documents"], ready["embedder"]) == (
        True,
        "ready",
        5,
        "hash-256",
    )
    assert ready["passages"] > 0
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    for p in (
        "/chat",
        "/chat/stream",
        "/v1/chat/completions",
        "/v1/models",
        "/documents",
        "/healthz",
        "/readyz",
    ):
        assert p in paths
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "/static/app.js" in page.text and "http" not in page.text.replace("http-equiv", "")


def test_the_report_page_is_served_and_holds_no_data(client: TestClient) -> None:
    r = client.get("/report/any-id?start=10&end=20")
    assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
    assert '<script src="/static/report.js"></script>' in r.text
    assert client.get("/static/report.js").status_code == 200
    assert "/report/" not in client.get("/openapi.json").text
