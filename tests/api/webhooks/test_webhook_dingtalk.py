"""DingTalk: timestamp + sign headers, stale timestamps, markdown to an allow-listed sessionWebhook only."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from itertools import count
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.webhooks.dingtalk import request_signature, session_webhook_allowed
from qa.engine import QAEngine
from tests.api.conftest import CARD_QUESTION_EN, CARD_QUESTION_ZH, HEQIAN, XICANG
from tests.api.fakes import FakeEngine
from tests.api.webhooks.conftest import DINGTALK_APP_SECRET, DINGTALK_SEND, OpenApp
from tests.api.webhooks.fake_platform import FakePlatform, RecordedRequest

_msg_ids = count(1)


def independent_sign(timestamp: str, secret: str) -> str:
    """The documented algorithm, written here from the spec: Base64(HmacSHA256(secret, timestamp + "\\n" + secret))."""
    mac = hmac.new(key=secret.encode(), msg=(timestamp + "\n" + secret).encode(), digestmod=hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def test_signature_matches_the_documented_algorithm() -> None:
    # Computed with OpenSSL: printf '1577262236757\n<secret>' | openssl dgst -sha256 -hmac '<secret>' -binary | base64
    assert request_signature("1577262236757", DINGTALK_APP_SECRET) == "AZ9H/DDc47Wt8Ppxaej5YH21EAoHrV5qfOWs73TO9W8="
    assert independent_sign("1577262236757", DINGTALK_APP_SECRET) == "AZ9H/DDc47Wt8Ppxaej5YH21EAoHrV5qfOWs73TO9W8="
    assert request_signature("1577262236757", "a") != request_signature("1577262236758", "a")


ALLOWED = ["oapi.dingtalk.com", "api.dingtalk.com", "http://127.0.0.1:8123"]


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://oapi.dingtalk.com/robot/sendBySession?session=abc", True),
        ("https://OAPI.dingtalk.com:443/robot/sendBySession?session=abc", True),
        ("https://api.dingtalk.com/v1.0/robot", True),
        ("http://127.0.0.1:8123/robot/sendBySession?session=x", True),
        ("http://oapi.dingtalk.com/robot/sendBySession?session=abc", False),
        ("https://oapi.dingtalk.com:8443/robot/sendBySession", False),
        ("https://oapi.dingtalk.com.evil.example/robot", False),
        ("https://evil.example/?oapi.dingtalk.com", False),
        ("https://oapi.dingtalk.com@evil.example/robot", False),
        ("https://user:pw@oapi.dingtalk.com/robot", False),
        ("https://oapi.dingtalk.com\\@evil.example/robot", False),
        ("https://127.0.0.1:8123/robot", False),
        ("http://127.0.0.1:8124/robot", False),
        ("http://localhost:8123/robot", False),
        ("http://169.254.169.254/latest/meta-data", False),
        ("file:///etc/passwd", False),
        ("https://oapi.dingtalk.com:99999/robot", False),
        ("", False),
    ],
)
def test_session_webhook_allow_list(url: str, allowed: bool) -> None:
    assert session_webhook_allowed(url, ALLOWED) is allowed


def message(
    text: str,
    webhook: str,
    *,
    msg_id: str | None = None,
    conversation_id: str = "cidXYZ==",
    staff_id: str = "user123",
    group: bool = False,
    expires_in_s: float = 3600,
) -> dict[str, Any]:
    """An outgoing-robot message as DingTalk POSTs it."""
    now_ms = int(time.time() * 1000)
    return {
        "conversationId": conversation_id,
        "chatbotCorpId": "dinge8a565xxxx",
        "chatbotUserId": "$:LWCP_v1:$Cxxxxx",
        "msgId": msg_id or f"msg0{next(_msg_ids):06d}",
        "senderNick": "杨xx",
        "isAdmin": True,
        "senderStaffId": staff_id,
        "sessionWebhookExpiredTime": now_ms + int(expires_in_s * 1000),
        "createAt": now_ms,
        "senderCorpId": "dinge8a565xxxx",
        "conversationType": "2" if group else "1",
        "senderId": "$:LWCP_v1:$Ff09GIxxxxx",
        "isInAtList": True,
        "sessionWebhook": webhook,
        "text": {"content": f" {text}"},
        "msgtype": "text",
    }


def deliver(
    client: TestClient, payload: dict[str, Any], *, timestamp_ms: int | None = None, secret: str = DINGTALK_APP_SECRET
) -> Any:
    """POST with the headers DingTalk sends."""
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    headers = {"timestamp": timestamp, "sign": independent_sign(timestamp, secret)}
    return client.post("/webhooks/dingtalk", json=payload, headers=headers)


def session_url(api: FakePlatform, session: str = "s1") -> str:
    return f"{api.base_url}{DINGTALK_SEND}?session={session}"


def markdown(request: RecordedRequest) -> str:
    body = request.json()
    assert body["msgtype"] == "markdown" and body["markdown"]["title"]
    return str(body["markdown"]["text"])


def assert_nothing_sent(api: FakePlatform) -> None:
    time.sleep(0.3)
    assert api.received(DINGTALK_SEND) == []


@pytest.mark.parametrize("question", [CARD_QUESTION_ZH, CARD_QUESTION_EN])
def test_card_question_is_answered_on_the_session_webhook(
    question: str, open_app: OpenApp, platform_api: FakePlatform, seed_engine: QAEngine
) -> None:
    client = open_app(seed_engine)
    started = time.perf_counter()
    response = deliver(client, message(question, session_url(platform_api, "sess-card"), group=True))
    assert response.status_code == 200
    assert time.perf_counter() - started < 1.0
    (sent,) = platform_api.wait_for(DINGTALK_SEND)
    assert sent.query == {"session": "sess-card"}
    text = markdown(sent)
    assert HEQIAN in text and XICANG in text
    for citation in seed_engine.ask(question).citations:
        assert f"[{citation.n}] **{citation.town} · " in text


def test_follow_up_in_the_same_conversation(
    open_app: OpenApp, platform_api: FakePlatform, seed_engine: QAEngine
) -> None:
    client = open_app(seed_engine)
    deliver(client, message("和谦镇办理了多少件行政处罚案件?", session_url(platform_api)))
    platform_api.wait_for(DINGTALK_SEND)
    deliver(client, message("那西仓镇呢?", session_url(platform_api)))
    first, second = platform_api.wait_for(DINGTALK_SEND, 2)
    assert "151" in markdown(first)
    assert XICANG in markdown(second)


@pytest.mark.parametrize("how", ["wrong secret", "no headers", "sign of another timestamp"])
def test_forged_signature_is_rejected(how: str, open_app: OpenApp, platform_api: FakePlatform) -> None:
    engine = FakeEngine()
    client = open_app(engine)
    payload = message("和谦镇", session_url(platform_api))
    if how == "wrong secret":
        response = deliver(client, payload, secret="guess")
    elif how == "no headers":
        response = client.post("/webhooks/dingtalk", json=payload)
    else:
        now_ms = int(time.time() * 1000)
        headers = {"timestamp": str(now_ms), "sign": independent_sign(str(now_ms - 1), DINGTALK_APP_SECRET)}
        response = client.post("/webhooks/dingtalk", json=payload, headers=headers)
    assert response.status_code == 401
    assert DINGTALK_APP_SECRET not in response.text
    assert_nothing_sent(platform_api)
    assert engine.calls == []


@pytest.mark.parametrize("skew_s", [-2 * 3600, 2 * 3600])
def test_stale_or_future_timestamp_is_rejected(skew_s: int, open_app: OpenApp, platform_api: FakePlatform) -> None:
    engine = FakeEngine()
    client = open_app(engine)
    response = deliver(
        client, message("和谦镇", session_url(platform_api)), timestamp_ms=int((time.time() + skew_s) * 1000)
    )
    assert response.status_code == 403
    assert_nothing_sent(platform_api)
    assert engine.calls == []


@pytest.mark.parametrize(
    "webhook",
    ["https://evil.example/robot/sendBySession?session=1", "http://oapi.dingtalk.com/robot/sendBySession"],
)
def test_session_webhook_off_the_allow_list_is_refused(
    webhook: str, open_app: OpenApp, platform_api: FakePlatform
) -> None:
    engine = FakeEngine()
    client = open_app(engine)
    response = deliver(client, message("和谦镇", webhook))
    assert response.status_code == 403
    time.sleep(0.3)
    assert platform_api.requests == []
    assert engine.calls == []


def test_expired_session_webhook_is_not_used(open_app: OpenApp, platform_api: FakePlatform) -> None:
    engine = FakeEngine()
    client = open_app(engine)
    assert deliver(client, message("和谦镇", session_url(platform_api), expires_in_s=-1)).status_code == 200
    assert_nothing_sent(platform_api)
    assert engine.calls == []


def test_retried_message_is_answered_once(open_app: OpenApp, platform_api: FakePlatform) -> None:
    engine = FakeEngine()
    client = open_app(engine)
    payload = message("和谦镇", session_url(platform_api), msg_id="msgDUP")
    deliver(client, payload)
    platform_api.wait_for(DINGTALK_SEND)
    assert deliver(client, payload).status_code == 200
    deliver(client, message("西仓镇", session_url(platform_api)))
    platform_api.wait_for(DINGTALK_SEND, 2)
    time.sleep(0.2)
    assert [q for q, _, _ in engine.calls] == ["和谦镇", "西仓镇"]
    assert len(platform_api.received(DINGTALK_SEND)) == 2


def test_oversized_message_gets_a_polite_reply(open_app: OpenApp, platform_api: FakePlatform) -> None:
    engine = FakeEngine()
    client = open_app(engine)
    deliver(client, message("z" * 3000, session_url(platform_api)))
    (sent,) = platform_api.wait_for(DINGTALK_SEND)
    assert "3,000 characters" in markdown(sent)
    assert engine.calls == []


def test_platform_api_500_then_200(open_app: OpenApp, platform_api: FakePlatform) -> None:
    client = open_app(FakeEngine())
    platform_api.fail_next("POST", DINGTALK_SEND, 500, body={"errcode": -1, "errmsg": "系统繁忙"})
    deliver(client, message("和谦镇", session_url(platform_api)))
    first, second = platform_api.wait_for(DINGTALK_SEND, 2)
    assert first.json() == second.json()
    time.sleep(0.2)
    assert len(platform_api.received(DINGTALK_SEND)) == 2
