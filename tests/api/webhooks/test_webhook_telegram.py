"""Telegram: secret-token header, commands and mentions, HTML replies to the user's message, split under 4,096."""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Sequence
from itertools import count
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.webhooks.chat_format import QUOTE_CHARS, shorten
from qa.engine import QAEngine
from qa.settings import Settings
from qa.types import Answer, Filters, Turn
from tests.api.conftest import CARD_QUESTION_EN, CARD_QUESTION_ZH, HEQIAN, XICANG
from tests.api.fakes import FakeEngine
from tests.api.webhooks.conftest import (
    SECRETS,
    TELEGRAM_BOT_ID,
    TELEGRAM_SECRET,
    TELEGRAM_SEND,
    TELEGRAM_USERNAME,
    OpenApp,
    with_webhooks,
)
from tests.api.webhooks.fake_platform import FakePlatform, wait_until

CHAT_ID = 42
USER_ID = 7
_update_ids = count(1000)


def update(
    text: str,
    *,
    update_id: int | None = None,
    chat_id: int = CHAT_ID,
    user_id: int = USER_ID,
    chat_type: str = "private",
    message_id: int = 55,
    date: int | None = None,
    entities: list[dict[str, Any]] | None = None,
    reply_to_user: int | None = None,
) -> dict[str, Any]:
    """A Telegram Update carrying one message, as the Bot API sends it."""
    message: dict[str, Any] = {
        "message_id": message_id,
        "from": {"id": user_id, "is_bot": False, "first_name": "Li"},
        "chat": {"id": chat_id, "type": chat_type},
        "date": int(time.time()) if date is None else date,
        "text": text,
    }
    if entities:
        message["entities"] = entities
    if reply_to_user is not None:
        message["reply_to_message"] = {
            "message_id": 1,
            "from": {"id": reply_to_user, "is_bot": True},
            "chat": message["chat"],
            "date": message["date"],
            "text": "earlier answer",
        }
    return {"update_id": next(_update_ids) if update_id is None else update_id, "message": message}


def deliver(client: TestClient, payload: dict[str, Any], secret: str | None = TELEGRAM_SECRET) -> Any:
    """POST an update the way Telegram does."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return client.post("/webhooks/telegram", json=payload, headers=headers)


def sent_texts(api: FakePlatform, n: int = 1) -> list[str]:
    """The texts of the first `n` sendMessage calls, once they arrived."""
    return [r.json()["text"] for r in api.wait_for(TELEGRAM_SEND, n)[:n]]


def assert_nothing_sent(api: FakePlatform) -> None:
    time.sleep(0.3)
    assert api.received(TELEGRAM_SEND) == []


@pytest.mark.parametrize("question", [CARD_QUESTION_EN, CARD_QUESTION_ZH])
def test_card_question_is_answered_in_reply_with_sources(
    question: str, open_app: OpenApp, platform_api: FakePlatform, seed_engine: QAEngine
) -> None:
    client = open_app(seed_engine)
    started = time.perf_counter()
    response = deliver(client, update(question, message_id=77))
    assert response.status_code == 200
    assert time.perf_counter() - started < 1.0

    (sent,) = platform_api.wait_for(TELEGRAM_SEND)
    body = sent.json()
    assert body["chat_id"] == str(CHAT_ID)
    assert body["reply_parameters"]["message_id"] == 77
    assert body["parse_mode"] == "HTML"
    text = body["text"]
    assert HEQIAN in text and XICANG in text
    expected = seed_engine.ask(question)
    assert set(expected.towns) == {HEQIAN, XICANG}
    assert ("来源" if question == CARD_QUESTION_ZH else "Sources") in text
    for citation in expected.citations:
        assert f"[{citation.n}] <b>{citation.town} · " in text
        assert html.escape(shorten(citation.quote, QUOTE_CHARS), quote=False) in text


def test_follow_up_in_the_same_chat_uses_the_conversation(
    open_app: OpenApp, platform_api: FakePlatform, seed_engine: QAEngine
) -> None:
    client = open_app(seed_engine)
    deliver(client, update("和谦镇办理了多少件行政处罚案件?"))
    first = sent_texts(platform_api, 1)[0]
    assert "151" in first
    deliver(client, update("那西仓镇呢?"))
    follow_up = sent_texts(platform_api, 2)[1]
    assert XICANG in follow_up
    store = client.app.state.services.store  # type: ignore[attr-defined]
    turns = store.turns(f"telegram:{CHAT_ID}:{USER_ID}")
    assert [t.question for t in turns] == ["和谦镇办理了多少件行政处罚案件?", "那西仓镇呢?"]


def test_each_user_in_a_group_has_a_conversation_of_their_own(
    open_app: OpenApp, platform_api: FakePlatform
) -> None:
    engine = FakeEngine()
    client = open_app(engine)
    mention = [{"type": "mention", "offset": 0, "length": len(TELEGRAM_USERNAME) + 1}]
    for n, user in enumerate((1, 2, 1), start=1):
        deliver(client, update(f"@{TELEGRAM_USERNAME} q{user}", chat_type="group", user_id=user, entities=mention))
        platform_api.wait_for(TELEGRAM_SEND, n)
    assert [(q, history) for q, history, _ in engine.calls] == [("q1", ()), ("q2", ()), ("q1", ("q1",))]


def test_group_messages_are_answered_only_when_addressed(open_app: OpenApp, platform_api: FakePlatform) -> None:
    engine = FakeEngine()
    client = open_app(engine)
    group = {"chat_type": "group", "chat_id": -100}
    deliver(client, update("just chatting", **group))  # type: ignore[arg-type]
    deliver(
        client,
        update("/help@other_bot", entities=[{"type": "bot_command", "offset": 0, "length": 15}], **group),  # type: ignore[arg-type]
    )
    deliver(
        client,
        update(
            f"西仓镇调解了多少纠纷? @{TELEGRAM_USERNAME}",
            entities=[{"type": "mention", "offset": 12, "length": len(TELEGRAM_USERNAME) + 1}],
            **group,  # type: ignore[arg-type]
        ),
    )
    deliver(client, update("那和谦镇呢", reply_to_user=TELEGRAM_BOT_ID, **group))  # type: ignore[arg-type]
    sent = platform_api.wait_for(TELEGRAM_SEND, 2)
    time.sleep(0.3)
    assert len(platform_api.received(TELEGRAM_SEND)) == 2
    assert {q for q, _, _ in engine.calls} == {"西仓镇调解了多少纠纷?", "那和谦镇呢"}
    assert {r.json()["chat_id"] for r in sent} == {"-100"}


def test_start_and_help_commands_and_empty_messages_get_help(open_app: OpenApp, platform_api: FakePlatform) -> None:
    engine = FakeEngine()
    client = open_app(engine)
    deliver(client, update("/start", entities=[{"type": "bot_command", "offset": 0, "length": 6}]))
    deliver(
        client,
        update(f"/help@{TELEGRAM_USERNAME}", entities=[{"type": "bot_command", "offset": 0, "length": 18}]),
    )
    deliver(client, update("   "))
    texts = sent_texts(platform_api, 3)
    assert all("Which towns report 100% enforcement compliance?" in t for t in texts)
    assert engine.calls == []


def test_ask_command_asks_the_rest_of_the_message(open_app: OpenApp, platform_api: FakePlatform) -> None:
    engine = FakeEngine()
    client = open_app(engine)
    deliver(client, update("/ask 和谦镇", entities=[{"type": "bot_command", "offset": 0, "length": 4}]))
    platform_api.wait_for(TELEGRAM_SEND)
    assert [q for q, _, _ in engine.calls] == ["和谦镇"]


@pytest.mark.parametrize("secret", [None, "", "telegram-secret_token-2", TELEGRAM_SECRET[:-1]])
def test_forged_secret_token_is_rejected(secret: str | None, open_app: OpenApp, platform_api: FakePlatform) -> None:
    engine = FakeEngine()
    client = open_app(engine)
    response = deliver(client, update("和谦镇"), secret=secret)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_signature"
    assert TELEGRAM_SECRET not in response.text
    assert_nothing_sent(platform_api)
    assert engine.calls == []


def test_stale_message_is_acknowledged_but_not_answered(open_app: OpenApp, platform_api: FakePlatform) -> None:
    engine = FakeEngine()
    client = open_app(engine)
    response = deliver(client, update("和谦镇", date=int(time.time()) - 3600))
    assert response.status_code == 200
    assert_nothing_sent(platform_api)
    assert engine.calls == []


def test_duplicate_delivery_is_answered_once(
    open_app: OpenApp, platform_api: FakePlatform, caplog: pytest.LogCaptureFixture
) -> None:
    engine = FakeEngine()
    client = open_app(engine)
    payload = update("和谦镇", update_id=5)
    assert deliver(client, payload).status_code == 200
    platform_api.wait_for(TELEGRAM_SEND)
    with caplog.at_level(logging.INFO, logger="reportqa.webhooks"):
        assert deliver(client, payload).status_code == 200
    assert "telegram delivery 5 already handled" in caplog.text
    deliver(client, update("西仓镇", update_id=6))
    platform_api.wait_for(TELEGRAM_SEND, 2)
    time.sleep(0.2)
    assert [q for q, _, _ in engine.calls] == ["和谦镇", "西仓镇"]
    assert len(platform_api.received(TELEGRAM_SEND)) == 2


def test_deduplication_survives_a_restart(webhook_settings: Settings, platform_api: FakePlatform) -> None:
    engine = FakeEngine()
    payload = update("和谦镇", update_id=77)
    with TestClient(create_app(webhook_settings, engine=engine)) as client:
        deliver(client, payload)
        platform_api.wait_for(TELEGRAM_SEND)
    with TestClient(create_app(webhook_settings, engine=engine)) as client:
        assert deliver(client, payload).status_code == 200
        time.sleep(0.3)
    assert len(engine.calls) == 1
    assert len(platform_api.received(TELEGRAM_SEND)) == 1


def test_oversized_message_gets_a_polite_reply(open_app: OpenApp, platform_api: FakePlatform) -> None:
    engine = FakeEngine()
    client = open_app(engine)
    deliver(client, update("x" * 2001))
    (text,) = sent_texts(platform_api)
    assert "2,001 characters" in text and "2,000" in text
    assert engine.calls == []


def test_platform_api_500_then_200_delivers_once(open_app: OpenApp, platform_api: FakePlatform) -> None:
    engine = FakeEngine()
    client = open_app(engine)
    platform_api.fail_next("POST", TELEGRAM_SEND, 500)
    deliver(client, update("和谦镇", message_id=12))
    first, second = platform_api.wait_for(TELEGRAM_SEND, 2)
    assert first.json() == second.json()
    assert second.json()["reply_parameters"]["message_id"] == 12
    time.sleep(0.2)
    assert len(platform_api.received(TELEGRAM_SEND)) == 2
    assert len(engine.calls) == 1


def test_reply_that_finally_fails_is_logged_with_the_platform_error_and_no_secret(
    open_app: OpenApp, platform_api: FakePlatform, caplog: pytest.LogCaptureFixture
) -> None:
    client = open_app(FakeEngine())
    error = {"ok": False, "error_code": 502, "description": "Bad Gateway: upstream down"}
    platform_api.fail_next("POST", TELEGRAM_SEND, 502, 502, 502, 502, body=error)
    with caplog.at_level(logging.DEBUG):
        assert deliver(client, update("和谦镇")).status_code == 200
        platform_api.wait_for(TELEGRAM_SEND, 4)
        wait_until(lambda: "failed" in caplog.text, what="the failure log line")
    assert f"telegram reply to chat {CHAT_ID} failed: HTTP 502: 502 Bad Gateway: upstream down (after 4 attempts)" in caplog.text
    for secret in SECRETS:
        assert secret not in caplog.text


def test_slow_answer_does_not_delay_the_acknowledgement(open_app: OpenApp, platform_api: FakePlatform) -> None:
    client = open_app(FakeEngine(slow_s=1.5))
    started = time.perf_counter()
    assert deliver(client, update("slow question")).status_code == 200
    assert time.perf_counter() - started < 0.5
    (text,) = sent_texts(platform_api)
    assert "echo: slow question" in text


def test_engine_error_gets_a_helpful_reply_without_details(open_app: OpenApp, platform_api: FakePlatform) -> None:
    client = open_app(FakeEngine())
    deliver(client, update("boom"))
    (text,) = sent_texts(platform_api)
    assert "try again" in text
    assert "secret internal detail" not in text


def test_over_the_rate_limit_the_user_gets_a_polite_message(
    webhook_settings: Settings, platform_api: FakePlatform, open_app: OpenApp
) -> None:
    engine = FakeEngine()
    client = open_app(engine, with_webhooks(webhook_settings, platform_api.base_url, rate_limit_per_minute=2))
    for n, question in enumerate(("q1", "q2", "q3"), start=1):
        deliver(client, update(question))
        platform_api.wait_for(TELEGRAM_SEND, n)
    texts = [r.json()["text"] for r in platform_api.received(TELEGRAM_SEND)]
    assert "faster than 2 questions a minute" in texts[2]
    assert [q for q, _, _ in engine.calls] == ["q1", "q2"]
    deliver(client, update("q4", user_id=8))
    platform_api.wait_for(TELEGRAM_SEND, 4)
    assert [q for q, _, _ in engine.calls] == ["q1", "q2", "q4"]


class LongAnswerEngine(FakeEngine):
    """Answers with 9,000 characters that need escaping."""

    def ask(self, question: str, conversation: Sequence[Turn] = (), filters: Filters | None = None) -> Answer:
        answer = super().ask(question, conversation, filters)
        return Answer(**{**answer.__dict__, "answer": "A<&>" * 2250 + "[1]"})


def test_long_answers_are_split_under_4096_and_escaped(open_app: OpenApp, platform_api: FakePlatform) -> None:
    client = open_app(LongAnswerEngine())
    deliver(client, update("long", message_id=3))
    platform_api.wait_for(TELEGRAM_SEND, 2)
    time.sleep(0.3)
    bodies = [r.json() for r in platform_api.received(TELEGRAM_SEND)]
    assert len(bodies) >= 2
    assert all(len(b["text"]) <= 4096 for b in bodies)
    assert "reply_parameters" in bodies[0] and all("reply_parameters" not in b for b in bodies[1:])
    joined = "".join(b["text"] for b in bodies)
    assert "<&>" not in joined
    assert joined.count("A&lt;&amp;&gt;") == 2250


def test_webhook_skips_the_api_key(webhook_settings: Settings, platform_api: FakePlatform) -> None:
    settings = webhook_settings.model_copy(
        update={"api": webhook_settings.api.model_copy(update={"api_key": SecretStr("k" * 20)})}
    )
    with TestClient(create_app(settings, engine=FakeEngine())) as client:
        assert deliver(client, update("和谦镇")).status_code == 200
        platform_api.wait_for(TELEGRAM_SEND)
        assert client.post("/chat", json={"message": "和谦镇"}).status_code == 401
