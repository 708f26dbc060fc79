"""The webhook outbox: every acknowledged delivery is answered exactly once, across SIGKILLs and restarts,
with SQLite and with a real redis-server."""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from api.webhooks.dedup import Deliveries, DeliveryLog, OutboxEntry, RedisDeliveryLog, open_delivery_log
from qa.conversations import redis_client
from qa.settings import ApiSettings, Settings
from tests.api.fakes import FakeEngine
from tests.api.webhooks.conftest import (
    TELEGRAM_SECRET,
    TELEGRAM_SEND,
    TELEGRAM_TOKEN,
    OpenApp,
    install_platform_routes,
    with_webhooks,
)
from tests.api.webhooks.fake_platform import FakePlatform, RecordedRequest, wait_until
from tests.api.webhooks.test_webhook_telegram import deliver, update
from tests.redis_server import running_redis
from tests.served import ServeProcess

MESSAGE = {"platform": "telegram", "delivery_id": "7", "chat_id": "42", "text": "和谦镇"}


# -- the store, on both backends -------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", "redis"])
def store_and_clock(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Deliveries, Clock]]:
    """An outbox store of each backend on a clock the test moves."""
    clock = Clock()
    store: Deliveries
    if request.param == "redis":
        with running_redis() as url:
            store = RedisDeliveryLog(redis_client(url), prefix=f"t{uuid.uuid4().hex[:8]}:", clock=clock)
            yield store, clock
            store.close()
    else:
        store = DeliveryLog(tmp_path / "state.sqlite3", clock=clock)
        yield store, clock
        store.close()


def test_a_claim_stores_the_delivery_as_pending_leased_to_the_claimer(
    store_and_clock: tuple[Deliveries, Clock],
) -> None:
    store, clock = store_and_clock
    assert store.claim("telegram", "7", MESSAGE, lease_s=10) is True
    assert store.claim("telegram", "7", MESSAGE, lease_s=10) is False
    assert store.depth() == 1
    assert store.due() == [("telegram", "7")]
    assert store.lease("telegram", "7", 10) is None
    clock.now += 10
    entry = store.lease("telegram", "7", 10)
    assert entry == OutboxEntry("telegram", "7", MESSAGE, 1_000_000.0)
    assert store.lease("telegram", "7", 10) is None


def test_a_message_with_unpaired_surrogates_is_stored_as_is(store_and_clock: tuple[Deliveries, Clock]) -> None:
    store, _ = store_and_clock
    message = {**MESSAGE, "text": "\ud800和谦镇\udfff"}
    assert store.claim("telegram", "s1", message) is True
    stored = store.peek("telegram", "s1")
    assert stored is not None and stored.message == message


def test_a_claim_without_a_message_only_deduplicates(store_and_clock: tuple[Deliveries, Clock]) -> None:
    store, _ = store_and_clock
    assert store.claim("wecom", "m1") is True
    assert store.claim("wecom", "m1") is False
    assert store.depth() == 0 and store.due() == []


def test_texts_progress_retry_and_finish(store_and_clock: tuple[Deliveries, Clock]) -> None:
    store, clock = store_and_clock
    store.claim("feishu", "ev1", MESSAGE, lease_s=5)
    prepared = {**MESSAGE, "text": "和谦镇 prepared"}
    store.save_texts("feishu", "ev1", prepared, ["part 1", "part 2"], 5)
    store.record_sent("feishu", "ev1", 1, 5)
    store.retry_later("feishu", "ev1", 30)
    assert store.peek("feishu", "ev1") == OutboxEntry(
        "feishu", "ev1", prepared, 1_000_000.0, ("part 1", "part 2"), parts_sent=1, attempts=1
    )
    assert store.due() == []
    clock.now += 29
    assert store.due() == []
    clock.now += 1
    assert store.due() == [("feishu", "ev1")]
    # The retry released the lease: whoever polls next takes it.
    leased = store.lease("feishu", "ev1", 5)
    assert leased is not None and leased.parts_sent == 1 and leased.texts == ("part 1", "part 2")
    store.finish("feishu", "ev1")
    assert store.depth() == 0 and store.due() == [] and store.peek("feishu", "ev1") is None
    assert store.lease("feishu", "ev1", 5) is None
    assert store.claim("feishu", "ev1", MESSAGE) is False


def test_concurrent_claims_store_one_pending_entry(tmp_path: Path) -> None:
    with running_redis() as url:
        for api in (
            ApiSettings(state_backend="sqlite", state_db=tmp_path / "race.sqlite3"),
            ApiSettings(state_backend="redis", redis_url=SecretStr(url), redis_prefix="race:"),
        ):
            stores = [open_delivery_log(api) for _ in range(4)]
            won: list[bool] = []
            barrier = threading.Barrier(len(stores))

            def claim(store: Deliveries, barrier: threading.Barrier, won: list[bool]) -> None:
                barrier.wait()
                won.append(store.claim("telegram", "race", MESSAGE))

            threads = [threading.Thread(target=claim, args=(s, barrier, won)) for s in stores]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert sorted(won) == [False, False, False, True], api.state_backend
            assert stores[0].depth() == 1
            for s in stores:
                s.close()


# -- the sender, in process ------------------------------------------------------------------------


def outbox_settings(webhook_settings: Settings, platform_api: FakePlatform, **hooks: Any) -> Settings:
    """Webhook settings with one attempt per try and a fast outbox."""
    return with_webhooks(
        webhook_settings,
        platform_api.base_url,
        outbound_retries=0,
        outbox_retry_s=0.1,
        outbox_max_retry_s=0.2,
        outbox_poll_s=0.05,
        outbox_lease_s=5,
        **hooks,
    )


def test_a_multi_part_reply_resumes_at_the_part_not_sent(
    open_app: OpenApp, webhook_settings: Settings, platform_api: FakePlatform
) -> None:
    calls: list[int] = []
    delivered: list[str] = []

    def second_call_fails(request: RecordedRequest) -> tuple[int, Any]:
        calls.append(1)
        if len(calls) == 2:
            return 503, {"ok": False, "error_code": 503, "description": "Service Unavailable"}
        delivered.append(request.json()["text"])
        return 200, {"ok": True, "result": {"message_id": len(calls)}}

    platform_api.route("POST", TELEGRAM_SEND, second_call_fails)
    settings = outbox_settings(webhook_settings, platform_api, max_message_chars=6000)
    client = open_app(FakeEngine(), settings)
    question = "镇" * 5000
    assert deliver(client, update(question)).status_code == 200
    wait_until(lambda: len(delivered) == 2, what="both parts")
    time.sleep(0.4)
    assert len(calls) == 3
    answer = f"echo: {question} (after 0 turns)[1]"
    assert "".join(delivered).startswith(answer[:4096]) and len(delivered[0]) == 4096
    assert delivered[1].startswith(answer[4096:])
    assert client.get("/readyz").json()["webhook_outbox"] == {"pending": 0}


def test_a_reply_not_delivered_in_time_is_dropped_with_a_log_line(
    open_app: OpenApp, webhook_settings: Settings, platform_api: FakePlatform, caplog: pytest.LogCaptureFixture
) -> None:
    platform_api.route("POST", TELEGRAM_SEND, lambda _r: (503, {"ok": False, "description": "down"}))
    settings = outbox_settings(webhook_settings, platform_api, outbox_max_age_s=0.5)
    with caplog.at_level(logging.WARNING, logger="reportqa.webhooks"):
        client = open_app(FakeEngine(), settings)
        deliver(client, update("和谦镇", chat_id=77))
        wait_until(lambda: "dropped" in caplog.text, what="the drop")
        assert client.get("/readyz").json()["webhook_outbox"] == {"pending": 0}
    assert re.search(
        r"telegram reply to chat 77 dropped: not delivered in \d s \(REPORTQA_WEBHOOK_OUTBOX_MAX_AGE_S=0.5\)",
        caplog.text,
    )
    attempts = len(platform_api.received(TELEGRAM_SEND))
    time.sleep(0.4)
    assert len(platform_api.received(TELEGRAM_SEND)) == attempts >= 2


def test_a_refused_reply_is_not_tried_again(
    open_app: OpenApp, webhook_settings: Settings, platform_api: FakePlatform, caplog: pytest.LogCaptureFixture
) -> None:
    platform_api.route(
        "POST", TELEGRAM_SEND, lambda _r: (400, {"ok": False, "error_code": 400, "description": "chat not found"})
    )
    with caplog.at_level(logging.ERROR, logger="reportqa.webhooks"):
        client = open_app(FakeEngine(), outbox_settings(webhook_settings, platform_api))
        deliver(client, update("和谦镇", chat_id=78))
        wait_until(lambda: "not trying again" in caplog.text, what="the refusal")
    assert "telegram reply to chat 78 failed: HTTP 400: 400 chat not found; not trying again" in caplog.text
    time.sleep(0.4)
    assert len(platform_api.received(TELEGRAM_SEND)) == 1
    assert client.get("/readyz").json()["webhook_outbox"] == {"pending": 0}


# -- SIGKILL at each step while the platform API is down -------------------------------------------

QUESTION = "和谦镇办理了多少件行政处罚案件?"


class FlakyTelegram:
    """Telegram's API that can hold getMe, be down (503) or up; it records the replies it accepted."""

    def __init__(self) -> None:
        self.api = FakePlatform()
        install_platform_routes(self.api)
        self.hold_get_me = threading.Event()
        self.released = threading.Event()
        self.up = threading.Event()
        self.accepted: list[dict[str, Any]] = []
        self.api.route("POST", r"/bot[^/]+/getMe", self._get_me)
        self.api.route("POST", TELEGRAM_SEND, self._send)

    def _get_me(self, _request: RecordedRequest) -> tuple[int, Any]:
        if self.hold_get_me.is_set():
            self.released.wait(30)
        return 200, {"ok": True, "result": {"id": 123456789, "is_bot": True, "username": "reportqa_bot"}}

    def _send(self, request: RecordedRequest) -> tuple[int, Any]:
        if not self.up.is_set():
            return 503, {"ok": False, "error_code": 503, "description": "Service Unavailable"}
        self.accepted.append(request.json())
        return 200, {"ok": True, "result": {"message_id": len(self.accepted)}}

    def attempts_for(self, chat_id: int) -> int:
        return sum(1 for r in self.api.received(TELEGRAM_SEND) if r.json()["chat_id"] == str(chat_id))

    def replies_to(self, chat_id: int) -> list[dict[str, Any]]:
        return [r for r in self.accepted if r["chat_id"] == str(chat_id)]


@pytest.fixture(params=["sqlite", "redis"])
def state(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ApiSettings]:
    """The state backend the server processes share."""
    if request.param == "redis":
        with running_redis() as url:
            yield ApiSettings(state_backend="redis", redis_url=SecretStr(url))
    else:
        yield ApiSettings(state_backend="sqlite", state_db=tmp_path / "state.sqlite3")


def _env(state: ApiSettings, platform: FakePlatform) -> dict[str, str]:
    env = {
        "REPORTQA_EMBEDDING_MODEL": "hash",
        "REPORTQA_STATE_BACKEND": state.state_backend,
        "REPORTQA_TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "REPORTQA_TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "REPORTQA_TELEGRAM_API_BASE": platform.base_url,
        "REPORTQA_WEBHOOK_RATE_LIMIT_PER_MINUTE": "10000",
        "REPORTQA_WEBHOOK_OUTBOUND_RETRIES": "0",
        "REPORTQA_WEBHOOK_OUTBOX_RETRY_S": "0.2",
        "REPORTQA_WEBHOOK_OUTBOX_MAX_RETRY_S": "0.5",
        "REPORTQA_WEBHOOK_OUTBOX_LEASE_S": "1",
        "REPORTQA_WEBHOOK_OUTBOX_POLL_S": "0.1",
    }
    if state.redis_url is not None:
        env["REPORTQA_REDIS_URL"] = state.redis_url.get_secret_value()
    else:
        env["REPORTQA_STATE_DB"] = str(state.state_db)
    return env


def _post(server: ServeProcess, update_id: int) -> None:
    payload = {"update_id": update_id, "message": {
        "message_id": 5, "date": int(time.time()), "chat": {"id": update_id, "type": "private"},
        "from": {"id": update_id, "is_bot": False}, "text": QUESTION}}
    r = httpx.post(f"{server.url}/webhooks/telegram", json=payload, timeout=10,
                   headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
    assert r.status_code == 200, r.text


def _pending(server: ServeProcess) -> int:
    body = httpx.get(f"{server.url}/readyz", timeout=10).json()
    return int(body["webhook_outbox"]["pending"])


def test_sigkill_at_each_step_while_the_platform_is_down_answers_each_delivery_once(
    seed_index: Path, tmp_path: Path, state: ApiSettings
) -> None:
    telegram = FlakyTelegram()
    telegram.api.start()
    env = _env(state, telegram.api)
    store = open_delivery_log(state)
    servers: list[ServeProcess] = []

    def serve() -> ServeProcess:
        server = ServeProcess(seed_index, env, tmp_path / "serve.log")
        servers.append(server)
        server.wait_ready()
        return server

    try:
        # 1. Killed after the acknowledgement, before the answer: the server is stuck asking getMe.
        telegram.hold_get_me.set()
        first = serve()
        _post(first, 101)
        telegram.api.wait_for(r"/bot[^/]+/getMe")
        pending = store.peek("telegram", "101")
        assert pending is not None and pending.texts is None and pending.parts_sent == 0
        first.kill()
        telegram.released.set()
        telegram.hold_get_me.clear()

        # 2. Killed while the answer is saved and the platform keeps failing (and a second delivery arrives).
        second = serve()
        wait_until(lambda: telegram.attempts_for(101) >= 2, 30, "tries of the resumed reply")
        _post(second, 102)
        wait_until(lambda: telegram.attempts_for(102) >= 2, 30, "tries of the new reply")
        assert _pending(second) == 2
        for delivery_id in ("101", "102"):
            saved = store.peek("telegram", delivery_id)
            assert saved is not None and saved.texts is not None and saved.parts_sent == 0
            assert saved.attempts >= 1
        second.kill()
        assert telegram.accepted == []

        # 3. The platform is back: the restarted server sends each reply once.
        telegram.up.set()
        third = serve()
        wait_until(lambda: len(telegram.accepted) >= 2, 30, "both replies")
        time.sleep(2.0)  # longer than the lease, the retry delay and several polls
        assert [len(telegram.replies_to(c)) for c in (101, 102)] == [1, 1]
        for chat_id in (101, 102):
            (reply,) = telegram.replies_to(chat_id)
            assert "151件" in reply["text"] and reply["reply_parameters"]["message_id"] == 5
        assert _pending(third) == 0
        assert store.depth() == 0
        third.kill()

        # 4. A second restart sends nothing again, and the platform's own retries are not answered.
        fourth = serve()
        _post(fourth, 101)
        _post(fourth, 102)
        time.sleep(1.5)
        assert [len(telegram.replies_to(c)) for c in (101, 102)] == [1, 1]
        assert len(telegram.accepted) == 2
        assert _pending(fourth) == 0
    finally:
        for server in servers:
            if server.proc.poll() is None:
                server.stop()
        telegram.released.set()
        store.close()
        telegram.api.stop()
        log = tmp_path / "serve.log"
        if log.exists():
            print(log.read_text(encoding="utf-8", errors="replace")[-4000:])



def test_a_reply_for_a_platform_no_longer_configured_is_dropped_with_a_log_line(
    open_app: OpenApp, webhook_settings: Settings, platform_api: FakePlatform, caplog: pytest.LogCaptureFixture
) -> None:
    store = DeliveryLog(webhook_settings.api.state_db)
    store.claim("line", "u1", {**MESSAGE, "platform": "line"}, lease_s=0)
    store.close()
    with caplog.at_level(logging.WARNING, logger="reportqa.webhooks"):
        client = open_app(FakeEngine(), outbox_settings(webhook_settings, platform_api))
        wait_until(lambda: "no longer configured" in caplog.text, what="the drop")
    assert "line reply for delivery u1 dropped: the line webhook is no longer configured" in caplog.text
    assert client.get("/readyz").json()["webhook_outbox"] == {"pending": 0}
