"""The OpenAI-compatible API, in-process and through the official `openai` client against a live uvicorn."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from fastapi.testclient import TestClient

from qa.engine import QAEngine
from tests.api.conftest import CARD_QUESTION_EN, HEQIAN, XICANG, LiveServer

FOLLOW_1 = "和谦镇办理了多少件行政处罚案件?"
FOLLOW_2 = "那西仓镇呢?"


def sse_chunks(text: str) -> list[Any]:
    frames = [f[len("data: ") :] for f in text.strip().split("\n\n")]
    assert frames[-1] == "[DONE]"
    return [json.loads(f) for f in frames[:-1]]


def test_models(client: TestClient) -> None:
    assert client.get("/v1/models").json() == {
        "object": "list",
        "data": [{"id": "reportqa", "object": "model", "created": 1_700_000_000, "owned_by": "reportqa"}],
    }
    assert client.get("/v1/models/reportqa").json()["id"] == "reportqa"
    assert client.get("/v1/models/gpt-4").json()["error"]["code"] == "model_not_found"


def test_completion_carries_answer_sources_and_citations(client: TestClient, seed_engine: QAEngine) -> None:
    chat = client.post("/chat", json={"message": CARD_QUESTION_EN}).json()
    r = client.post(
        "/v1/chat/completions",
        json={
            "model": "reportqa",
            "messages": [
                {"role": "system", "content": "You are helpful."},
                {"role": "user", "content": CARD_QUESTION_EN},
            ],
            "temperature": 0.2,
        },
    )
    assert r.status_code == 200
    body = r.json()
    assert body["object"] == "chat.completion" and body["id"].startswith("chatcmpl-")
    (choice,) = body["choices"]
    assert choice["finish_reason"] == "stop" and choice["message"]["role"] == "assistant"
    content = choice["message"]["content"]
    assert content.startswith(chat["answer"] + "\n\n**Sources**\n\n")
    for c in chat["citations"]:
        assert f"[{c['n']}] {c['town']}" in content and f"“{c['quote']}”" in content
    assert body["citations"] == chat["citations"]
    assert body["towns"] == [HEQIAN, XICANG] and body["kind"] == "aggregate"


def test_completion_stream_chunks(client: TestClient) -> None:
    whole = client.post(
        "/v1/chat/completions", json={"messages": [{"role": "user", "content": CARD_QUESTION_EN}]}
    ).json()
    r = client.post(
        "/v1/chat/completions",
        json={"messages": [{"role": "user", "content": CARD_QUESTION_EN}], "stream": True},
    )
    assert r.headers["content-type"].startswith("text/event-stream")
    chunks = sse_chunks(r.text)
    assert all(c["object"] == "chat.completion.chunk" and c["id"] == chunks[0]["id"] for c in chunks)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text == whole["choices"][0]["message"]["content"]
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["citations"] == whole["citations"]


def test_content_parts_and_bad_histories(client: TestClient) -> None:
    parts = [{"type": "text", "text": "和谦镇办理了多少件"}, {"type": "text", "text": "行政处罚案件?"}]
    r = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": parts}]})
    assert r.json()["towns"] == [HEQIAN]
    r = client.post("/v1/chat/completions", json={"messages": [{"role": "assistant", "content": "hi"}]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_question"
    r = client.post("/v1/chat/completions", json={"messages": []})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
    r = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": " "}]})
    assert r.status_code == 422


def test_history_makes_follow_ups_work(client: TestClient) -> None:
    first = client.post(
        "/v1/chat/completions", json={"messages": [{"role": "user", "content": FOLLOW_1}]}
    ).json()
    history = [
        {"role": "user", "content": FOLLOW_1},
        {"role": "assistant", "content": first["choices"][0]["message"]["content"]},
        {"role": "user", "content": FOLLOW_2},
    ]
    second = client.post("/v1/chat/completions", json={"messages": history}).json()
    assert second["towns"] == [XICANG]
    chat_first = client.post("/chat", json={"message": FOLLOW_1}).json()
    chat_second = client.post(
        "/chat", json={"message": FOLLOW_2, "conversation_id": chat_first["conversation_id"]}
    ).json()
    assert second["citations"] == chat_second["citations"]


@pytest.fixture(scope="module")
def oai(live_server: LiveServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=live_server.url + "/v1", api_key="unused", max_retries=0, timeout=30)


def test_official_client_lists_models(oai: openai.OpenAI) -> None:
    assert [m.id for m in oai.models.list()] == ["reportqa"]


def test_official_client_non_streaming_with_follow_up(oai: openai.OpenAI) -> None:
    messages: list[Any] = [{"role": "user", "content": FOLLOW_1}]
    first = oai.chat.completions.create(model="reportqa", messages=messages)
    content = first.choices[0].message.content or ""
    assert "151" in content and HEQIAN in content
    extra = first.model_extra or {}
    assert extra["towns"] == [HEQIAN]
    assert extra["citations"][0]["town"] == HEQIAN

    messages += [{"role": "assistant", "content": content}, {"role": "user", "content": FOLLOW_2}]
    second = oai.chat.completions.create(model="reportqa", messages=messages)
    second_extra = second.model_extra or {}
    assert second_extra["towns"] == [XICANG]
    assert XICANG in (second.choices[0].message.content or "")
    assert {c["town"] for c in second_extra["citations"]} == {XICANG}


def test_official_client_streaming_with_follow_up(oai: openai.OpenAI) -> None:
    def streamed(messages: list[Any]) -> tuple[str, dict[str, Any]]:
        text, last_extra = "", {}
        with oai.chat.completions.create(model="reportqa", messages=messages, stream=True) as stream:
            for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    text += chunk.choices[0].delta.content
                if chunk.choices and chunk.choices[0].finish_reason == "stop":
                    last_extra = chunk.model_extra or {}
        return text, last_extra

    messages: list[Any] = [{"role": "user", "content": CARD_QUESTION_EN}]
    text, extra = streamed(messages)
    assert HEQIAN in text and XICANG in text and "**Sources**" in text
    assert extra["towns"] == [HEQIAN, XICANG]

    messages = [{"role": "user", "content": FOLLOW_1}]
    first, _ = streamed(messages)
    messages += [{"role": "assistant", "content": first}, {"role": "user", "content": FOLLOW_2}]
    second, extra = streamed(messages)
    assert extra["towns"] == [XICANG] and XICANG in second


def test_official_client_sees_errors(oai: openai.OpenAI) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as e:
        oai.chat.completions.create(model="reportqa", messages=[{"role": "user", "content": ""}])
    assert e.value.status_code == 422
    with pytest.raises(openai.APIStatusError) as e2:
        oai.chat.completions.create(model="reportqa", messages=[{"role": "user", "content": "法" * 2001}])
    assert e2.value.status_code == 413 and "2,000" in e2.value.message


def test_a_scan_source_line_names_its_page() -> None:
    from api.routes.openai_compat import content_of
    from qa.types import Answer, Citation

    cite = Citation(1, "d1", "古龙镇.pdf", "古龙镇", 2024, None, None, "发放法治宣传资料400余份", 1500, 1512, page=2)
    text = content_of(Answer("q", "古龙镇：400余份[1]", "fact", ("古龙镇",), (cite,)))
    assert "[1] 古龙镇 · 2024 — “发放法治宣传资料400余份” (古龙镇.pdf, p. 2, 1500–1512)" in text.splitlines()
