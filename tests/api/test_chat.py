"""`POST /chat` and its SSE forms over the seed corpus: the answer contract, exactly."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from qa.engine import QAEngine
from tests.api.conftest import CARD_QUESTION_EN, CARD_QUESTION_ZH, HEQIAN, XICANG

CONTRACT_KEYS = {"question", "answer", "kind", "towns", "citations", "conversation_id"}
CITATION_KEYS = {"n", "doc_id", "source", "town", "year", "title", "section", "quote", "start", "end", "score", "county", "province", "code", "page", "source_url"}
HEQIAN_100 = "行政检查规范率、“信用+执法”综合场景实施率、案件合格率、执法人员活跃度、群众满意率均达100%"
XICANG_100 = "全镇行政执法文书规范率、程序合规率均达到100%"


def assert_contract(engine: QAEngine, body: dict[str, Any]) -> None:
    assert body.keys() >= CONTRACT_KEYS
    assert body["kind"] in {"fact", "aggregate", "compare", "not_found"}
    for i, c in enumerate(body["citations"], start=1):
        assert set(c) == CITATION_KEYS
        assert c["n"] == i
        doc = engine.document(c["doc_id"])
        assert doc.text[c["start"] : c["end"]] == c["quote"]
        assert c["source"] == doc.source
        assert c["page"] == doc.page_of(c["start"])


def parse_sse(text: str) -> list[tuple[str, Any]]:
    events = []
    for frame in text.strip().split("\n\n"):
        lines = frame.split("\n")
        event = next(line[7:] for line in lines if line.startswith("event: "))
        data = "\n".join(line[6:] for line in lines if line.startswith("data: "))
        events.append((event, json.loads(data)))
    return events


def test_card_example_en(client: TestClient, seed_engine: QAEngine) -> None:
    r = client.post("/chat", json={"message": CARD_QUESTION_EN})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert_contract(seed_engine, body)
    assert body["question"] == CARD_QUESTION_EN
    assert body["kind"] == "aggregate"
    assert body["towns"] == [HEQIAN, XICANG]
    quotes = {c["town"]: c["quote"] for c in body["citations"]}
    assert HEQIAN_100 in quotes[HEQIAN] and XICANG_100 in quotes[XICANG]
    assert body["conversation_id"].startswith("c_")


def test_chat_equals_engine_answer(client: TestClient, seed_engine: QAEngine) -> None:
    body = client.post("/chat", json={"message": CARD_QUESTION_ZH}).json()
    expected = seed_engine.ask(CARD_QUESTION_ZH).to_dict()
    expected["conversation_id"] = body["conversation_id"]
    assert body == expected


def test_follow_up_resolves_against_the_previous_turn(client: TestClient, seed_engine: QAEngine) -> None:
    first = client.post("/chat", json={"message": "和谦镇办理了多少件行政处罚案件?"}).json()
    assert first["towns"] == [HEQIAN]
    second = client.post(
        "/chat", json={"message": "那西仓镇呢?", "conversation_id": first["conversation_id"]}
    ).json()
    assert second["conversation_id"] == first["conversation_id"]
    assert second["towns"] == [XICANG]
    assert_contract(seed_engine, second)
    conv = client.get(f"/conversations/{first['conversation_id']}").json()
    assert conv["conversation_id"] == first["conversation_id"]
    assert [t["question"] for t in conv["turns"]] == ["和谦镇办理了多少件行政处罚案件?", "那西仓镇呢?"]
    assert conv["turns"][1]["answer"] == second


def test_unknown_conversation_id_starts_a_new_one(client: TestClient) -> None:
    mine = client.post("/chat", json={"message": "和谦镇办理了多少件行政处罚案件?"}).json()
    other = client.post("/chat", json={"message": "那西仓镇呢?", "conversation_id": "c_doesnotexist"}).json()
    assert other["conversation_id"] not in ("c_doesnotexist", mine["conversation_id"])
    assert client.get("/conversations/c_doesnotexist").status_code == 404
    conv = client.get(f"/conversations/{other['conversation_id']}").json()
    assert [t["question"] for t in conv["turns"]] == ["那西仓镇呢?"]


def test_filters_restrict_the_answer(client: TestClient) -> None:
    body = client.post("/chat", json={"message": CARD_QUESTION_ZH, "filters": {"town": XICANG}}).json()
    assert body["towns"] == [XICANG]
    assert {c["town"] for c in body["citations"]} == {XICANG}
    body = client.post("/chat", json={"message": "发放了多少普法宣传资料?", "filters": {"year": 2021}}).json()
    assert {c["year"] for c in body["citations"]} == {2021}


def test_stream_ends_with_done_equal_to_chat(client: TestClient, seed_engine: QAEngine) -> None:
    plain = client.post("/chat", json={"message": CARD_QUESTION_EN}).json()
    r = client.post("/chat/stream", json={"message": CARD_QUESTION_EN})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(r.text)
    kinds = [e for e, _ in events]
    assert kinds[-1] == "done" and kinds.count("done") == 1
    done = events[-1][1]
    assert {k: v for k, v in done.items() if k != "conversation_id"} == {
        k: v for k, v in plain.items() if k != "conversation_id"
    }
    assert "".join(d["text"] for e, d in events if e == "delta") == done["answer"]
    assert [d for e, d in events if e == "citation"] == done["citations"]
    first_cite = kinds.index("citation")
    assert "".join(d["text"] for e, d in events[:first_cite] if e == "delta").endswith("[1]")


def test_accept_event_stream_on_chat_streams(client: TestClient) -> None:
    r = client.post("/chat", json={"message": CARD_QUESTION_ZH}, headers={"Accept": "text/event-stream"})
    assert r.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(r.text)
    assert events[-1][0] == "done"
    assert events[-1][1]["towns"] == [HEQIAN, XICANG]
