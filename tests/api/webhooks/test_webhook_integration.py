"""The card's question through every platform, answered by the engine with the default multilingual model."""

from __future__ import annotations

import json

import pytest

from qa.engine import QAEngine
from tests.api.conftest import CARD_QUESTION_EN, CARD_QUESTION_ZH, HEQIAN, XICANG
from tests.api.webhooks import test_webhook_dingtalk as dingtalk
from tests.api.webhooks import test_webhook_feishu as feishu
from tests.api.webhooks import test_webhook_telegram as telegram
from tests.api.webhooks import test_webhook_wecom as wecom
from tests.api.webhooks.conftest import DINGTALK_SEND, FEISHU_REPLY, TELEGRAM_SEND, WECOM_SEND, OpenApp
from tests.api.webhooks.fake_platform import FakePlatform

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("question", [CARD_QUESTION_EN, CARD_QUESTION_ZH])
def test_card_question_on_every_platform(
    question: str, open_app: OpenApp, platform_api: FakePlatform, real_engine: QAEngine
) -> None:
    client = open_app(real_engine)
    assert telegram.deliver(client, telegram.update(question)).status_code == 200
    assert feishu.deliver(client, feishu.message_event(question)).status_code == 200
    webhook = dingtalk.session_url(platform_api)
    assert dingtalk.deliver(client, dingtalk.message(question, webhook)).status_code == 200
    assert wecom.deliver(client, wecom.text_xml(question)).status_code == 200

    replies = {
        "telegram": platform_api.wait_for(TELEGRAM_SEND)[0].json()["text"],
        "feishu": json.loads(platform_api.wait_for(FEISHU_REPLY)[0].json()["content"])["text"],
        "dingtalk": platform_api.wait_for(DINGTALK_SEND)[0].json()["markdown"]["text"],
        "wecom": platform_api.wait_for(WECOM_SEND)[0].json()["text"]["content"],
    }
    expected = real_engine.ask(question)
    assert set(expected.towns) == {HEQIAN, XICANG}
    for platform, text in replies.items():
        assert HEQIAN in text and XICANG in text, platform
        assert "[1]" in text and "[2]" in text, platform
