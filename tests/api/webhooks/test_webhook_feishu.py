"""Feishu/Lark: challenge, Encrypt Key bodies, X-Lark-Signature, verification token, threaded replies."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from itertools import count
from typing import Any

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from fastapi.testclient import TestClient

from api.webhooks.feishu import UndecryptableEvent, decrypt_event, event_signature
from qa.engine import QAEngine
from qa.settings import FeishuSettings, Settings
from tests.api.conftest import CARD_QUESTION_EN, CARD_QUESTION_ZH, HEQIAN, XICANG
from tests.api.fakes import FakeEngine
from tests.api.webhooks.conftest import (
    FEISHU_APP_ID,
    FEISHU_APP_SECRET,
    FEISHU_ENCRYPT_KEY,
    FEISHU_REPLY,
    FEISHU_TENANT_TOKEN,
    FEISHU_TOKEN_PATH,
    FEISHU_VERIFICATION_TOKEN,
    OpenApp,
)
from tests.api.webhooks.fake_platform import FakePlatform, RecordedRequest

_event_ids = count(1)


def test_decrypts_the_example_from_the_feishu_documentation() -> None:
    # Feishu's "接收事件 / Encrypt Key" documentation: key "test key" decrypts this to "hello world".
    assert decrypt_event("test key", "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=") == "hello world"


def test_signature_is_sha256_of_timestamp_nonce_key_and_body() -> None:
    # Computed with OpenSSL: printf '%s' '1628476548nonce-1<key>{"encrypt":"abc"}' | openssl dgst -sha256
    expected = "5b961241645fce4d30e1bd25466601816aec21b59b60be66ec7629c3a6cf8efd"
    assert event_signature("1628476548", "nonce-1", FEISHU_ENCRYPT_KEY, b'{"encrypt":"abc"}') == expected


@pytest.mark.parametrize("encrypted", ["P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=", "not base64!", "AAAA"])
def test_wrong_key_or_garbage_does_not_decrypt(encrypted: str) -> None:
    with pytest.raises(UndecryptableEvent):
        decrypt_event("another key", encrypted)


def encrypt(plaintext: str, key: str = FEISHU_ENCRYPT_KEY) -> str:
    """Encrypt as Feishu does: AES-256-CBC under SHA256(key), PKCS#7, base64(iv + ciphertext)."""
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext.encode("utf-8")) + padder.finalize()
    encryptor = Cipher(algorithms.AES(hashlib.sha256(key.encode()).digest()), modes.CBC(iv)).encryptor()
    return base64.b64encode(iv + encryptor.update(padded) + encryptor.finalize()).decode()


def message_event(
    text: str,
    *,
    event_id: str | None = None,
    message_id: str = "om_msg_1",
    chat_id: str = "oc_chat_1",
    open_id: str = "ou_user_1",
    chat_type: str = "p2p",
    mentions: list[dict[str, Any]] | None = None,
    token: str = FEISHU_VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """An im.message.receive_v1 event (schema 2.0) carrying a text message."""
    return {
        "schema": "2.0",
        "header": {
            "event_id": event_id or f"5e3702a84e847582be8db7fb7328{next(_event_ids):04d}",
            "event_type": "im.message.receive_v1",
            "create_time": str(int(time.time() * 1000)),
            "token": token,
            "app_id": FEISHU_APP_ID,
            "tenant_key": "736588c9260f175d",
        },
        "event": {
            "sender": {"sender_id": {"open_id": open_id, "union_id": "on_u1"}, "sender_type": "user"},
            "message": {
                "message_id": message_id,
                "create_time": str(int(time.time() * 1000)),
                "chat_id": chat_id,
                "chat_type": chat_type,
                "message_type": "text",
                "content": json.dumps({"text": text}, ensure_ascii=False),
                "mentions": mentions or [],
            },
        },
    }


def deliver(
    client: TestClient,
    event: dict[str, Any],
    *,
    key: str = FEISHU_ENCRYPT_KEY,
    timestamp: str | None = None,
    signed: bool = True,
    tamper: bool = False,
) -> Any:
    """POST an event the way Feishu does with an Encrypt Key: encrypted body plus X-Lark-Signature."""
    body = json.dumps({"encrypt": encrypt(json.dumps(event, ensure_ascii=False), key)}).encode()
    timestamp = timestamp or str(int(time.time()))
    nonce = "1628476548"
    signature = hashlib.sha256((timestamp + nonce + key).encode() + body).hexdigest()
    headers = {"Content-Type": "application/json"}
    if signed:
        headers |= {
            "X-Lark-Request-Timestamp": timestamp,
            "X-Lark-Request-Nonce": nonce,
            "X-Lark-Signature": signature,
        }
    if tamper:
        body = body.replace(b'"encrypt": "', b'"encrypt": "A', 1)
    return client.post("/webhooks/feishu", content=body, headers=headers)


def reply_text(request: RecordedRequest) -> str:
    body = request.json()
    assert body["msg_type"] == "text"
    return str(json.loads(body["content"])["text"])


def assert_nothing_sent(api: FakePlatform) -> None:
    time.sleep(0.3)
    assert api.received(FEISHU_REPLY) == []


def test_url_verification_challenge_plain(
    open_app: OpenApp, webhook_settings: Settings, platform_api: FakePlatform
) -> None:
    plain = webhook_settings.model_copy(
        update={"feishu": webhook_settings.feishu.model_copy(update={"encrypt_key": None})}
    )
    client = open_app(FakeEngine(), plain)
    challenge = {"challenge": "ajls384kdjx98XX", "token": FEISHU_VERIFICATION_TOKEN, "type": "url_verification"}
    response = client.post("/webhooks/feishu", json=challenge)
    assert response.status_code == 200
    assert response.json() == {"challenge": "ajls384kdjx98XX"}
    forged = client.post("/webhooks/feishu", json={**challenge, "token": "guess"})
    assert forged.status_code == 401


def test_url_verification_challenge_encrypted(open_app: OpenApp) -> None:
    client = open_app(FakeEngine())
    challenge = {"challenge": "f8f76934-fcf2-49e4", "token": FEISHU_VERIFICATION_TOKEN, "type": "url_verification"}
    response = client.post("/webhooks/feishu", json={"encrypt": encrypt(json.dumps(challenge))})
    assert response.status_code == 200
    assert response.json() == {"challenge": "f8f76934-fcf2-49e4"}
    wrong_key = client.post("/webhooks/feishu", json={"encrypt": encrypt(json.dumps(challenge), "other key")})
    assert wrong_key.status_code == 401


@pytest.mark.parametrize("question", [CARD_QUESTION_ZH, CARD_QUESTION_EN])
def test_card_question_is_answered_in_thread_with_a_tenant_token(
    question: str, open_app: OpenApp, platform_api: FakePlatform, seed_engine: QAEngine
) -> None:
    client = open_app(seed_engine)
    started = time.perf_counter()
    response = deliver(client, message_event(question, message_id="om_card"))
    assert response.status_code == 200
    assert time.perf_counter() - started < 1.0

    (reply,) = platform_api.wait_for(FEISHU_REPLY)
    assert reply.path == "/open-apis/im/v1/messages/om_card/reply"
    assert reply.headers["authorization"] == f"Bearer {FEISHU_TENANT_TOKEN}"
    text = reply_text(reply)
    assert HEQIAN in text and XICANG in text
    for citation in seed_engine.ask(question).citations:
        assert f"[{citation.n}] {citation.town} · " in text
    (token_call,) = platform_api.received(FEISHU_TOKEN_PATH)
    assert token_call.json() == {"app_id": FEISHU_APP_ID, "app_secret": FEISHU_APP_SECRET}


def test_follow_up_in_the_same_chat(open_app: OpenApp, platform_api: FakePlatform, seed_engine: QAEngine) -> None:
    client = open_app(seed_engine)
    deliver(client, message_event("和谦镇办理了多少件行政处罚案件?", message_id="om_1"))
    platform_api.wait_for(FEISHU_REPLY)
    deliver(client, message_event("那西仓镇呢?", message_id="om_2"))
    first, second = platform_api.wait_for(FEISHU_REPLY, 2)
    assert "151" in reply_text(first)
    assert second.path.endswith("/om_2/reply") and XICANG in reply_text(second)
    assert len(platform_api.received(FEISHU_TOKEN_PATH)) == 1


def test_group_mentions_are_stripped_and_unmentioned_group_messages_ignored(
    open_app: OpenApp, platform_api: FakePlatform
) -> None:
    engine = FakeEngine()
    client = open_app(engine)
    deliver(client, message_event("大家好", chat_type="group"))
    mention = {"key": "@_user_1", "id": {"open_id": "ou_bot"}, "name": "报告助手", "tenant_key": "t"}
    deliver(client, message_event("@_user_1 和谦镇办理了多少件行政处罚案件?", chat_type="group", mentions=[mention]))
    platform_api.wait_for(FEISHU_REPLY)
    time.sleep(0.2)
    assert [q for q, _, _ in engine.calls] == ["和谦镇办理了多少件行政处罚案件?"]


@pytest.mark.parametrize(
    "how",
    ["tampered body", "signed with another key", "no signature", "wrong verification token", "not encrypted"],
)
def test_forged_requests_are_rejected(how: str, open_app: OpenApp, platform_api: FakePlatform) -> None:
    engine = FakeEngine()
    client = open_app(engine)
    event = message_event("和谦镇")
    if how == "tampered body":
        response = deliver(client, event, tamper=True)
    elif how == "signed with another key":
        response = deliver(client, event, key="attacker key")
    elif how == "no signature":
        response = deliver(client, event, signed=False)
    elif how == "wrong verification token":
        response = deliver(client, message_event("和谦镇", token="guess"))
    else:
        response = client.post("/webhooks/feishu", json=event)
    assert response.status_code == 401
    assert FEISHU_ENCRYPT_KEY not in response.text and FEISHU_VERIFICATION_TOKEN not in response.text
    assert_nothing_sent(platform_api)
    assert engine.calls == []


def test_stale_timestamp_is_rejected(open_app: OpenApp, platform_api: FakePlatform) -> None:
    engine = FakeEngine()
    client = open_app(engine)
    response = deliver(client, message_event("和谦镇"), timestamp=str(int(time.time()) - 3600))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "stale_request"
    assert_nothing_sent(platform_api)
    assert engine.calls == []


def test_retried_event_is_answered_once(open_app: OpenApp, platform_api: FakePlatform) -> None:
    engine = FakeEngine()
    client = open_app(engine)
    event = message_event("和谦镇", event_id="evt-dup")
    assert deliver(client, event).status_code == 200
    platform_api.wait_for(FEISHU_REPLY)
    assert deliver(client, event).status_code == 200
    deliver(client, message_event("西仓镇", message_id="om_other"))
    platform_api.wait_for(FEISHU_REPLY, 2)
    time.sleep(0.2)
    assert [q for q, _, _ in engine.calls] == ["和谦镇", "西仓镇"]
    assert len(platform_api.received(FEISHU_REPLY)) == 2


def test_oversized_message_gets_a_polite_reply(open_app: OpenApp, platform_api: FakePlatform) -> None:
    engine = FakeEngine()
    client = open_app(engine)
    deliver(client, message_event("镇" * 2500))
    (reply,) = platform_api.wait_for(FEISHU_REPLY)
    assert "2500 个字符" in reply_text(reply) and "2000" in reply_text(reply)
    assert engine.calls == []


def test_platform_api_500_then_200(open_app: OpenApp, platform_api: FakePlatform) -> None:
    client = open_app(FakeEngine())
    platform_api.fail_next("POST", FEISHU_REPLY, 500, body={"code": 500, "msg": "internal error"})
    deliver(client, message_event("和谦镇", message_id="om_retry"))
    first, second = platform_api.wait_for(FEISHU_REPLY, 2)
    assert first.json() == second.json()
    assert second.json()["uuid"]
    time.sleep(0.2)
    assert len(platform_api.received(FEISHU_REPLY)) == 2


def test_rejected_tenant_token_is_refreshed(open_app: OpenApp, platform_api: FakePlatform) -> None:
    client = open_app(FakeEngine())
    platform_api.fail_next(
        "POST", FEISHU_REPLY, 400, body={"code": 99991663, "msg": "Invalid access token for authorization."}
    )
    deliver(client, message_event("和谦镇"))
    platform_api.wait_for(FEISHU_REPLY, 2)
    assert len(platform_api.received(FEISHU_TOKEN_PATH)) == 2


def test_disabled_without_app_id(open_app: OpenApp, webhook_settings: Settings) -> None:
    settings = webhook_settings.model_copy(update={"feishu": FeishuSettings(app_id=None)})
    client = open_app(FakeEngine(), settings)
    assert client.post("/webhooks/feishu", json={}).status_code == 404
