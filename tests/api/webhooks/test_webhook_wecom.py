"""WeCom: official sample vectors, wechatpy-encrypted callbacks, receive-id check, XXE refusal, message/send."""

from __future__ import annotations

import re
import time
from itertools import count
from typing import Any

import pytest
from fastapi.testclient import TestClient
from wechatpy.enterprise.crypto import PrpCrypto, WeChatCrypto
from wechatpy.utils import WeChatSigner

from api.webhooks.wecom import UndecryptableMessage, WrongReceiver, decrypt_message, message_signature
from qa.engine import QAEngine
from tests.api.conftest import CARD_QUESTION_EN, CARD_QUESTION_ZH, HEQIAN, XICANG
from tests.api.fakes import FakeEngine
from tests.api.webhooks.conftest import (
    WECOM_ACCESS_TOKEN,
    WECOM_AES_KEY,
    WECOM_AGENT_ID,
    WECOM_CORP_ID,
    WECOM_CORP_SECRET,
    WECOM_SEND,
    WECOM_TOKEN,
    OpenApp,
)
from tests.api.webhooks.fake_platform import FakePlatform, RecordedRequest

# The official WXBizMsgCrypt sample's callback: POST ?msg_signature=…&timestamp=1409659813&nonce=1372623149.
SAMPLE_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUk"
    "SUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekU"
    "NXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rU"
    "PA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+"
    "qN+E7Q=="
)
# The official sample's URL verification: GET ?msg_signature=…&timestamp=1409659589&nonce=263014780&echostr=….
SAMPLE_ECHOSTR = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="

_msg_ids = count(4561255354251345929)


def test_official_sample_message_signature_and_decryption() -> None:
    signature = message_signature(WECOM_TOKEN, "1409659813", "1372623149", SAMPLE_ENCRYPT)
    assert signature == "477715d11cdb4164915debcba66cb864d751f3e6"
    plain = decrypt_message(WECOM_AES_KEY, SAMPLE_ENCRYPT, WECOM_CORP_ID)
    assert "<FromUserName><![CDATA[mycreate]]></FromUserName>" in plain
    assert "<Content><![CDATA[hello]]></Content>" in plain
    assert "<MsgId>4561255354251345929</MsgId>" in plain


def test_official_sample_url_verification() -> None:
    signature = message_signature(WECOM_TOKEN, "1409659589", "263014780", SAMPLE_ECHOSTR)
    assert signature == "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
    assert decrypt_message(WECOM_AES_KEY, SAMPLE_ECHOSTR, WECOM_CORP_ID) == "1616140317555161061"


def test_receive_id_and_key_are_checked() -> None:
    with pytest.raises(WrongReceiver):
        decrypt_message(WECOM_AES_KEY, SAMPLE_ENCRYPT, "ww_other_corp")
    with pytest.raises(UndecryptableMessage):
        decrypt_message("a" * 43, SAMPLE_ENCRYPT, WECOM_CORP_ID)


def text_xml(content: str, *, msg_id: int | None = None, user: str = "zhangsan") -> str:
    """The plaintext XML of a user's text message to the app."""
    return (
        f"<xml><ToUserName><![CDATA[{WECOM_CORP_ID}]]></ToUserName>"
        f"<FromUserName><![CDATA[{user}]]></FromUserName><CreateTime>{int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
        f"<MsgId>{msg_id or next(_msg_ids)}</MsgId><AgentID>{WECOM_AGENT_ID}</AgentID></xml>"
    )


def deliver(
    client: TestClient,
    plaintext: str,
    *,
    timestamp: int | None = None,
    corp_id: str = WECOM_CORP_ID,
    signature: str | None = None,
) -> Any:
    """Encrypt and sign with wechatpy, then POST the callback as WeCom does."""
    ts = str(timestamp if timestamp is not None else int(time.time()))
    nonce = "1372623149"
    sealed = WeChatCrypto(WECOM_TOKEN, WECOM_AES_KEY, corp_id).encrypt_message(plaintext, nonce, ts)
    encrypted = re.search(r"<Encrypt><!\[CDATA\[(.*?)\]\]></Encrypt>", sealed)
    signed = re.search(r"<MsgSignature><!\[CDATA\[(.*?)\]\]></MsgSignature>", sealed)
    assert encrypted and signed
    body = (
        f"<xml><ToUserName><![CDATA[{WECOM_CORP_ID}]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypted[1]}]]></Encrypt><AgentID><![CDATA[{WECOM_AGENT_ID}]]></AgentID></xml>"
    )
    params = {"msg_signature": signature or signed[1], "timestamp": ts, "nonce": nonce}
    return client.post("/webhooks/wecom", params=params, content=body, headers={"Content-Type": "text/xml"})


def sent_text(request: RecordedRequest) -> str:
    body = request.json()
    assert body["msgtype"] == "text" and body["agentid"] == int(WECOM_AGENT_ID)
    return str(body["text"]["content"])


def assert_nothing_sent(api: FakePlatform) -> None:
    time.sleep(0.3)
    assert api.received(WECOM_SEND) == []


def test_url_verification_echoes_the_decrypted_echostr(open_app: OpenApp) -> None:
    client = open_app(FakeEngine())
    ts, nonce = str(int(time.time())), "263014780"
    echostr = PrpCrypto(WeChatCrypto(WECOM_TOKEN, WECOM_AES_KEY, WECOM_CORP_ID).key).encrypt(
        "6520573128593457937", WECOM_CORP_ID
    ).decode()
    signer = WeChatSigner()
    signer.add_data(WECOM_TOKEN, ts, nonce, echostr)
    params = {"msg_signature": signer.signature, "timestamp": ts, "nonce": nonce, "echostr": echostr}
    response = client.get("/webhooks/wecom", params=params)
    assert response.status_code == 200
    assert response.text == "6520573128593457937"
    assert client.get("/webhooks/wecom", params={**params, "msg_signature": "0" * 40}).status_code == 401


@pytest.mark.parametrize("question", [CARD_QUESTION_ZH, CARD_QUESTION_EN])
def test_card_question_is_answered_by_message_send(
    question: str, open_app: OpenApp, platform_api: FakePlatform, seed_engine: QAEngine
) -> None:
    client = open_app(seed_engine)
    started = time.perf_counter()
    response = deliver(client, text_xml(question, user="LiSi"))
    assert response.status_code == 200 and response.text == ""
    assert time.perf_counter() - started < 1.0

    sent = platform_api.wait_for(WECOM_SEND)
    assert all(r.query == {"access_token": WECOM_ACCESS_TOKEN} for r in sent)
    assert all(r.json()["touser"] == "LiSi" for r in sent)
    time.sleep(0.2)
    text = "".join(sent_text(r) for r in platform_api.received(WECOM_SEND))
    assert HEQIAN in text and XICANG in text
    for citation in seed_engine.ask(question).citations:
        assert f"[{citation.n}] {citation.town} · " in text
    (token_call,) = platform_api.received("/cgi-bin/gettoken")
    assert token_call.query == {"corpid": WECOM_CORP_ID, "corpsecret": WECOM_CORP_SECRET}


def test_follow_up_from_the_same_user(open_app: OpenApp, platform_api: FakePlatform, seed_engine: QAEngine) -> None:
    client = open_app(seed_engine)
    deliver(client, text_xml("和谦镇办理了多少件行政处罚案件?"))
    platform_api.wait_for(WECOM_SEND)
    deliver(client, text_xml("那西仓镇呢?"))
    first, second = platform_api.wait_for(WECOM_SEND, 2)
    assert "151" in sent_text(first)
    assert XICANG in sent_text(second)


def test_forged_signature_is_rejected(open_app: OpenApp, platform_api: FakePlatform) -> None:
    engine = FakeEngine()
    client = open_app(engine)
    response = deliver(client, text_xml("和谦镇"), signature="477715d11cdb4164915debcba66cb864d751f3e6")
    assert response.status_code == 401
    assert client.post("/webhooks/wecom", content=b"<xml><Encrypt>x</Encrypt></xml>").status_code == 401
    assert_nothing_sent(platform_api)
    assert engine.calls == []


def test_message_for_another_corp_is_refused(open_app: OpenApp, platform_api: FakePlatform) -> None:
    engine = FakeEngine()
    client = open_app(engine)
    response = deliver(client, text_xml("和谦镇"), corp_id="ww_other_corp")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "wrong_receive_id"
    assert_nothing_sent(platform_api)
    assert engine.calls == []


def test_stale_timestamp_is_rejected(open_app: OpenApp, platform_api: FakePlatform) -> None:
    engine = FakeEngine()
    client = open_app(engine)
    response = deliver(client, text_xml("和谦镇"), timestamp=int(time.time()) - 3600)
    assert response.status_code == 403
    assert_nothing_sent(platform_api)
    assert engine.calls == []


@pytest.mark.parametrize(
    "xml",
    [
        '<!DOCTYPE xml [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><xml><Encrypt>&lol2;</Encrypt></xml>',
        '<?xml version="1.0"?><!doctype xml SYSTEM "file:///etc/passwd"><xml><Encrypt>x</Encrypt></xml>',
    ],
)
def test_doctype_and_entities_are_refused(xml: str, open_app: OpenApp, platform_api: FakePlatform) -> None:
    client = open_app(FakeEngine())
    params = {"msg_signature": "0" * 40, "timestamp": str(int(time.time())), "nonce": "1"}
    response = client.post("/webhooks/wecom", params=params, content=xml.encode())
    assert response.status_code == 400
    assert_nothing_sent(platform_api)


def test_doctype_inside_the_encrypted_message_is_refused(open_app: OpenApp, platform_api: FakePlatform) -> None:
    engine = FakeEngine()
    client = open_app(engine)
    response = deliver(client, '<!DOCTYPE x [<!ENTITY e "和谦镇">]>' + text_xml("&e;"))
    assert response.status_code == 400
    assert_nothing_sent(platform_api)
    assert engine.calls == []


def test_retried_message_is_answered_once(open_app: OpenApp, platform_api: FakePlatform) -> None:
    engine = FakeEngine()
    client = open_app(engine)
    deliver(client, text_xml("和谦镇", msg_id=1234567890123456))
    platform_api.wait_for(WECOM_SEND)
    assert deliver(client, text_xml("和谦镇", msg_id=1234567890123456)).status_code == 200
    deliver(client, text_xml("西仓镇"))
    platform_api.wait_for(WECOM_SEND, 2)
    time.sleep(0.2)
    assert [q for q, _, _ in engine.calls] == ["和谦镇", "西仓镇"]
    assert len(platform_api.received(WECOM_SEND)) == 2


def test_oversized_message_gets_a_polite_reply(open_app: OpenApp, platform_api: FakePlatform) -> None:
    engine = FakeEngine()
    client = open_app(engine)
    deliver(client, text_xml("法" * 2001))
    (sent,) = platform_api.wait_for(WECOM_SEND)
    assert "2001 个字符" in sent_text(sent)
    assert engine.calls == []


def test_platform_api_500_then_200(open_app: OpenApp, platform_api: FakePlatform) -> None:
    client = open_app(FakeEngine())
    platform_api.fail_next("POST", WECOM_SEND, 500, body={"errcode": -1, "errmsg": "system busy"})
    deliver(client, text_xml("和谦镇"))
    first, second = platform_api.wait_for(WECOM_SEND, 2)
    assert first.json() == second.json()
    time.sleep(0.2)
    assert len(platform_api.received(WECOM_SEND)) == 2


def test_expired_access_token_is_refreshed(open_app: OpenApp, platform_api: FakePlatform) -> None:
    client = open_app(FakeEngine())
    platform_api.fail_next("POST", WECOM_SEND, 200, body={"errcode": 42001, "errmsg": "access_token expired"})
    deliver(client, text_xml("和谦镇"))
    platform_api.wait_for(WECOM_SEND, 2)
    assert len(platform_api.received("/cgi-bin/gettoken")) == 2


def test_replies_are_split_under_2048_bytes(open_app: OpenApp, platform_api: FakePlatform) -> None:
    client = open_app(FakeEngine())
    deliver(client, text_xml("镇" * 1500))
    platform_api.wait_for(WECOM_SEND, 2)
    time.sleep(0.2)
    texts = [sent_text(r) for r in platform_api.received(WECOM_SEND)]
    assert all(len(t.encode()) <= 2048 for t in texts)
    assert "".join(texts).count("镇") >= 1500
