"""Conversation stores and the one answering path every interface shares."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from qa.conversations import (
    MemoryConversationStore,
    SQLiteConversationStore,
    answer_from_json,
    answer_to_json,
    ask_in_conversation,
    ask_with_history,
    history_conversation_id,
)
from qa.engine import QAEngine
from qa.settings import Settings
from qa.types import Answer, Citation, Filters, Turn
from tests.api.fakes import FakeEngine, citation


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def full_answer() -> Answer:
    related = Citation(2, "d2", "b.txt", None, None, None, None, "引文", 3, 5)
    return Answer(
        question="哪些镇?",
        answer="和谦镇[1]",
        kind="aggregate",
        towns=("和谦镇", "西仓镇"),
        citations=(citation(),),
        conversation_id="c_x",
        related=(related,),
        values=(("和谦镇", 100.0, "%"), ("西仓镇", 99.5, "%")),
        resolved_question="哪些镇的执法合规率达到100%?",
    )


def test_answer_json_round_trip_is_lossless() -> None:
    a = full_answer()
    assert answer_from_json(answer_to_json(a)) == a


@pytest.fixture(params=["sqlite", "memory"])
def store_and_clock(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[object, Clock]:
    clock = Clock()
    if request.param == "sqlite":
        return SQLiteConversationStore(tmp_path / "s.sqlite3", ttl_s=60, clock=clock), clock
    return MemoryConversationStore(ttl_s=60, clock=clock), clock


def test_store_appends_in_order_and_expires(store_and_clock: tuple[SQLiteConversationStore, Clock]) -> None:
    store, clock = store_and_clock
    assert store.turns("nope") is None
    a = full_answer()
    store.append("c1", Turn("q1", a))
    clock.now += 30
    store.append("c1", Turn("q2", a))
    assert [t.question for t in store.turns("c1") or []] == ["q1", "q2"]
    assert (store.turns("c1") or [])[0].answer == a
    clock.now += 59
    assert store.turns("c1") is not None
    clock.now += 2
    assert store.turns("c1") is None
    store.append("c1", Turn("q3", a))
    assert [t.question for t in store.turns("c1") or []] == ["q3"]


def test_sqlite_store_survives_restart(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    first = SQLiteConversationStore(path, ttl_s=3600)
    first.append("c1", Turn("q1", full_answer()))
    first.close()
    second = SQLiteConversationStore(path, ttl_s=3600)
    turns = second.turns("c1")
    assert turns == [Turn("q1", full_answer())]
    assert second._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_sqlite_store_is_thread_safe(tmp_path: Path) -> None:
    store = SQLiteConversationStore(tmp_path / "s.sqlite3", ttl_s=3600)
    a = full_answer()

    def write(k: int) -> None:
        for i in range(25):
            store.append(f"c{k % 2}", Turn(f"{k}-{i}", a))

    threads = [threading.Thread(target=write, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for cid in ("c0", "c1"):
        turns = store.turns(cid) or []
        assert len(turns) == 100
        for k in range(cid == "c1", 8, 2):
            assert [t.question for t in turns if t.question.startswith(f"{k}-")] == [
                f"{k}-{i}" for i in range(25)
            ]


def test_new_ids_are_unguessable() -> None:
    store = MemoryConversationStore()
    ids = {store.new_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) >= 22 for i in ids)


def test_ask_in_conversation_carries_turns_and_never_leaks() -> None:
    engine, store = FakeEngine(), MemoryConversationStore()
    first = ask_in_conversation(engine, store, "q1")
    assert first.conversation_id
    second = ask_in_conversation(engine, store, "q2", first.conversation_id)
    assert second.conversation_id == first.conversation_id
    assert engine.calls[-1] == ("q2", ("q1",), None)
    assert [t.question for t in store.turns(first.conversation_id) or []] == ["q1", "q2"]
    assert (store.turns(first.conversation_id) or [])[1].answer == second

    stranger = ask_in_conversation(engine, store, "q3", "made-up-id", Filters(town="西仓镇"))
    assert stranger.conversation_id not in ("made-up-id", first.conversation_id)
    assert engine.calls[-1] == ("q3", (), Filters(town="西仓镇"))
    assert store.turns("made-up-id") is None

    webhook = ask_in_conversation(engine, store, "q4", "telegram:42", adopt_id=True)
    assert webhook.conversation_id == "telegram:42"
    ask_in_conversation(engine, store, "q5", "telegram:42", adopt_id=True)
    assert engine.calls[-1] == ("q5", ("q4",), None)


def test_ask_with_history_costs_one_ask_per_request_and_rebuilds_after_loss() -> None:
    engine, store = FakeEngine(), MemoryConversationStore()
    a1 = ask_with_history(engine, store, ["q1"])
    a2 = ask_with_history(engine, store, ["q1", "q2"])
    assert [c[0] for c in engine.calls] == ["q1", "q2"]
    assert engine.calls[-1][1] == ("q1",)
    assert a2.conversation_id == history_conversation_id(["q1", "q2"])
    assert a1.conversation_id != a2.conversation_id

    again = ask_with_history(engine, store, ["q1", "q2"])
    assert again == a2 and len(engine.calls) == 2

    fresh_store = MemoryConversationStore()
    a3 = ask_with_history(engine, fresh_store, ["q1", "q2", "q3"])
    assert [c[0] for c in engine.calls[2:]] == ["q1", "q2", "q3"]
    assert engine.calls[-1][1] == ("q1", "q2")
    assert a3.answer == "echo: q3 (after 2 turns)[1]"
    assert history_conversation_id(["q1"], Filters(year=2021)) != history_conversation_id(["q1"])


def test_conversations_survive_an_app_restart(seed_engine: QAEngine, api_settings: Settings) -> None:
    app = create_app(api_settings, engine=seed_engine)
    with TestClient(app) as c:
        first = c.post("/chat", json={"message": "和谦镇办理了多少件行政处罚案件?"}).json()
    with TestClient(create_app(api_settings, engine=seed_engine)) as c:
        second = c.post(
            "/chat", json={"message": "那西仓镇呢?", "conversation_id": first["conversation_id"]}
        ).json()
        assert second["conversation_id"] == first["conversation_id"]
        assert second["towns"] == ["西仓镇"]
        turns = c.get(f"/conversations/{first['conversation_id']}").json()["turns"]
        assert [t["question"] for t in turns] == ["和谦镇办理了多少件行政处罚案件?", "那西仓镇呢?"]
    with TestClient(app) as c:
        assert len(c.get(f"/conversations/{first['conversation_id']}").json()["turns"]) == 2
