"""Conversation and webhook-dedup state: one behavioural suite over SQLite and a real Debian redis-server."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.webhooks.dedup import Deliveries, DeliveryLog, RedisDeliveryLog, open_delivery_log
from qa.conversations import (
    ConversationStore,
    RedisConversationStore,
    SQLiteConversationStore,
    ask_in_conversation,
    open_conversation_store,
    redis_client,
)
from qa.engine import QAEngine
from qa.settings import ApiSettings, Settings
from qa.types import Turn
from tests.api.conftest import HEQIAN, XICANG
from tests.api.fakes import FakeEngine
from tests.api.test_conversations import full_answer
from tests.api.webhooks.conftest import TELEGRAM_SECRET, TELEGRAM_SEND, install_platform_routes, with_webhooks
from tests.api.webhooks.fake_platform import FakePlatform
from tests.redis_server import running_redis

BACKENDS = ["sqlite", "redis"]


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A redis-server of our own on a free loopback port for this module's tests."""
    with running_redis() as url:
        yield url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> ApiSettings:
    """API settings selecting one state backend; each Redis test gets its own key prefix."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        return ApiSettings(state_backend="redis", redis_url=SecretStr(url), redis_prefix=f"t{uuid.uuid4().hex[:8]}:")
    return ApiSettings(state_backend="sqlite", state_db=tmp_path / "state.sqlite3")


StoreFactory = Callable[[float], ConversationStore]


@pytest.fixture
def make_store(backend: ApiSettings) -> Iterator[StoreFactory]:
    """Open stores of the backend with a given TTL (seconds, fractions allowed); all closed at teardown."""
    opened: list[Any] = []

    def make(ttl_s: float) -> ConversationStore:
        store: ConversationStore
        if backend.state_backend == "redis":
            assert backend.redis_url is not None
            store = RedisConversationStore.from_url(
                backend.redis_url.get_secret_value(), ttl_s, prefix=backend.redis_prefix
            )
        else:
            store = SQLiteConversationStore(backend.state_db, ttl_s=ttl_s)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def test_configuration_selects_the_backend(backend: ApiSettings) -> None:
    store = open_conversation_store(backend)
    deliveries = open_delivery_log(backend)
    expected = (RedisConversationStore, RedisDeliveryLog) if backend.state_backend == "redis" else (
        SQLiteConversationStore, DeliveryLog)
    assert (type(store), type(deliveries)) == expected
    store.close()  # type: ignore[attr-defined]
    deliveries.close()


def test_redis_backend_needs_its_url() -> None:
    with pytest.raises(ValueError, match="REPORTQA_REDIS_URL"):
        ApiSettings(state_backend="redis")


def test_redis_backend_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORTQA_STATE_BACKEND", "redis")
    monkeypatch.setenv("REPORTQA_REDIS_URL", "redis://:pw@127.0.0.1:6390/2")
    api = ApiSettings()
    assert api.state_backend == "redis" and api.redis_url is not None
    assert "pw" not in repr(api)


def test_turns_round_trip_in_order_and_unknown_is_none(make_store: StoreFactory) -> None:
    store = make_store(3600)
    assert store.turns("c_unknown") is None
    a = full_answer()
    store.append("c1", Turn("q1", a))
    store.append("c1", Turn("那西仓镇呢?", a))
    store.append("c2", Turn("other", a))
    turns = store.turns("c1")
    assert turns == [Turn("q1", a), Turn("那西仓镇呢?", a)]
    assert [t.question for t in store.turns("c2") or []] == ["other"]
    reopened = make_store(3600)
    assert reopened.turns("c1") == turns


def test_turns_expire_ttl_after_the_last_turn(make_store: StoreFactory) -> None:
    store = make_store(0.8)
    a = full_answer()
    store.append("c1", Turn("q1", a))
    time.sleep(0.5)
    store.append("c1", Turn("q2", a))
    time.sleep(0.5)
    assert [t.question for t in store.turns("c1") or []] == ["q1", "q2"]
    time.sleep(0.6)
    assert store.turns("c1") is None
    store.append("c1", Turn("q3", a))
    assert [t.question for t in store.turns("c1") or []] == ["q3"]


def test_concurrent_appends_keep_each_writers_order(make_store: StoreFactory) -> None:
    store = make_store(3600)
    a = full_answer()

    def write(k: int) -> None:
        for i in range(20):
            store.append("shared", Turn(f"{k}-{i}", a))

    threads = [threading.Thread(target=write, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    turns = store.turns("shared") or []
    assert len(turns) == 120
    for k in range(6):
        assert [t.question for t in turns if t.question.startswith(f"{k}-")] == [f"{k}-{i}" for i in range(20)]


def test_ask_in_conversation_follows_up_through_the_store(make_store: StoreFactory, seed_engine: QAEngine) -> None:
    store = make_store(3600)
    first = ask_in_conversation(seed_engine, store, "和谦镇办理了多少件行政处罚案件?")
    follow = ask_in_conversation(seed_engine, store, "那西仓镇呢?", first.conversation_id)
    assert follow.conversation_id == first.conversation_id
    assert first.towns == (HEQIAN,) and follow.towns == (XICANG,)
    forged = ask_in_conversation(seed_engine, store, "那西仓镇呢?", "c_guessed")
    assert forged.conversation_id != "c_guessed"


def test_deliveries_are_claimed_once(backend: ApiSettings) -> None:
    log = open_delivery_log(backend)
    assert log.claim("telegram", "1") is True
    assert log.claim("telegram", "1") is False
    assert log.claim("feishu", "1") is True
    log.close()
    reopened = open_delivery_log(backend)
    assert reopened.claim("telegram", "1") is False
    reopened.close()


def test_concurrent_claims_admit_exactly_one(backend: ApiSettings) -> None:
    logs: list[Deliveries] = [open_delivery_log(backend) for _ in range(4)]
    wins: list[bool] = []
    lock = threading.Lock()

    def claim(log: Deliveries) -> None:
        for _ in range(10):
            won = log.claim("wecom", "m-race")
            with lock:
                wins.append(won)

    threads = [threading.Thread(target=claim, args=(log,)) for log in logs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wins.count(True) == 1 and len(wins) == 40
    for log in logs:
        log.close()


def test_redis_deliveries_expire_after_the_retention(redis_url: str) -> None:
    log = RedisDeliveryLog(redis_client(redis_url), retention_s=0.3, prefix=f"t{uuid.uuid4().hex[:8]}:")
    assert log.claim("dingtalk", "m1") is True
    assert log.claim("dingtalk", "m1") is False
    time.sleep(0.5)
    assert log.claim("dingtalk", "m1") is True
    log.close()


def test_app_on_redis_keeps_conversations_and_drops_retried_webhooks(
    redis_url: str, seed_index: Path, seed_engine: QAEngine
) -> None:
    from tests.conftest import settings_for

    prefix = f"t{uuid.uuid4().hex[:8]}:"
    api = ApiSettings(state_backend="redis", redis_url=SecretStr(redis_url), redis_prefix=prefix)
    platform = FakePlatform()
    install_platform_routes(platform)
    platform.start()
    try:
        settings: Settings = with_webhooks(settings_for(seed_index, "hash"), platform.base_url)
        settings = settings.model_copy(update={"api": api})
        update = {"update_id": 777, "message": {"message_id": 5, "date": int(time.time()),
                  "chat": {"id": 42, "type": "private"}, "from": {"id": 7, "is_bot": False}, "text": "和谦镇办理了多少件行政处罚案件?"}}
        headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
        with TestClient(create_app(settings, engine=seed_engine)) as client:
            first = client.post("/chat", json={"message": "和谦镇办理了多少件行政处罚案件?"}).json()
            client.post("/chat", json={"message": "那西仓镇呢?", "conversation_id": first["conversation_id"]})
            assert client.post("/webhooks/telegram", json=update, headers=headers).status_code == 200
            platform.wait_for(TELEGRAM_SEND, 1)
        # A second replica (a new app on the same Redis) sees the conversation and the delivery.
        with TestClient(create_app(settings, engine=FakeEngine())) as other:
            turns = other.get(f"/conversations/{first['conversation_id']}").json()["turns"]
            assert [t["question"] for t in turns] == ["和谦镇办理了多少件行政处罚案件?", "那西仓镇呢?"]
            assert other.post("/webhooks/telegram", json=update, headers=headers).status_code == 200
            time.sleep(0.3)
        assert len(platform.received(TELEGRAM_SEND)) == 1
        keys = {k.decode() for k in redis_client(redis_url).keys(prefix + "*")}
        assert f"{prefix}conv:{first['conversation_id']}" in keys
        assert f"{prefix}delivery:telegram:777" in keys
    finally:
        platform.stop()
