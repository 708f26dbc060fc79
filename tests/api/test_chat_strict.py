"""/chat refuses fields it does not know (a typo in `conversation_id` must not silently start a new conversation)."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_unknown_field_in_chat_is_refused(client: TestClient) -> None:
    r = client.post("/chat", json={"message": "和谦镇办理了多少件行政处罚案件?", "conversation": "c_x"})
    assert r.status_code == 422
    message = r.json()["error"]["message"]
    assert "conversation" in message and "conversation_id" in message  # what is wrong, and what the fields are


def test_known_fields_still_work(client: TestClient) -> None:
    r = client.post("/chat", json={"message": "和谦镇办理了多少件行政处罚案件?"})
    assert r.status_code == 200 and r.json()["kind"] in ("fact", "not_found")
