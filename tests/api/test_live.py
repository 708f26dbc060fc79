"""A real uvicorn on loopback: the SSE stream through httpx, and one slow question never stalls the others."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from tests.api.conftest import CARD_QUESTION_EN, CARD_QUESTION_ZH, LiveServer, run_live
from tests.api.fakes import FakeEngine
from tests.conftest import settings_for


def read_sse(response: httpx.Response) -> list[tuple[str, Any]]:
    events: list[tuple[str, Any]] = []
    event, data = None, []
    for line in response.iter_lines():
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])
        elif line == "" and data:
            events.append((event or "message", json.loads("\n".join(data))))
            event, data = None, []
    return events


@pytest.mark.parametrize("question", [CARD_QUESTION_EN, CARD_QUESTION_ZH, "和谦镇办理了多少件行政处罚案件?"])
def test_sse_done_equals_chat(live_server: LiveServer, question: str) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        chat = http.post("/chat", json={"message": question}).json()
        with http.stream("POST", "/chat/stream", json={"message": question}) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            events = read_sse(r)
    assert [e for e, _ in events if e not in ("delta", "citation")] == ["done"]
    done = events[-1][1]
    assert done["conversation_id"] != chat["conversation_id"]
    chat["conversation_id"] = done["conversation_id"]
    assert done == chat
    assert "".join(d["text"] for e, d in events if e == "delta") == chat["answer"]


def test_sse_follow_up_over_the_wire(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        with http.stream("POST", "/chat/stream", json={"message": "和谦镇办理了多少件行政处罚案件?"}) as r:
            first = read_sse(r)[-1][1]
        body = {"message": "那西仓镇呢?", "conversation_id": first["conversation_id"]}
        with http.stream("POST", "/chat", json=body, headers={"Accept": "text/event-stream"}) as r:
            second = read_sse(r)[-1][1]
    assert second["towns"] == ["西仓镇"]
    assert second["conversation_id"] == first["conversation_id"]


@pytest.fixture
def slow_server(tmp_path: Path, seed_index: Path) -> Iterator[LiveServer]:
    settings = settings_for(seed_index, "hash", state_db=tmp_path / "s.sqlite3")
    yield from run_live(create_app(settings, engine=FakeEngine(slow_s=1.5)))


def test_a_slow_question_does_not_stall_the_others(slow_server: LiveServer) -> None:
    slow_done: list[float] = []

    def ask_slow() -> None:
        t0 = time.perf_counter()
        httpx.post(slow_server.url + "/chat", json={"message": "slow one"}, timeout=30).raise_for_status()
        slow_done.append(time.perf_counter() - t0)

    t = threading.Thread(target=ask_slow)
    t.start()
    time.sleep(0.2)
    t0 = time.perf_counter()
    assert httpx.get(slow_server.url + "/healthz").status_code == 200
    r = httpx.post(slow_server.url + "/chat", json={"message": "quick one"}, timeout=30)
    fast = time.perf_counter() - t0
    t.join()
    assert r.json()["answer"] == "echo: quick one (after 0 turns)[1]"
    assert fast < 0.5
    assert slow_done and slow_done[0] >= 1.5
