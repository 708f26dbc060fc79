"""Webhook fixtures: a fake platform API on loopback for all four platforms, and apps pointed at it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import Engine
from qa.settings import (
    DingTalkSettings,
    FeishuSettings,
    Settings,
    TelegramSettings,
    WebhookSettings,
    WeComSettings,
)
from tests.api.webhooks.fake_platform import FakePlatform

TELEGRAM_TOKEN = "123456789:AAH-test_token-value"
TELEGRAM_SECRET = "telegram-secret_token-1"
TELEGRAM_BOT_ID = 123456789
TELEGRAM_USERNAME = "reportqa_bot"
TELEGRAM_SEND = rf"/bot{re.escape(TELEGRAM_TOKEN)}/sendMessage"

FEISHU_APP_ID = "cli_a1b2c3d4e5"
FEISHU_APP_SECRET = "feishu-app-secret-value"
FEISHU_VERIFICATION_TOKEN = "feishu-verification-token"
FEISHU_ENCRYPT_KEY = "feishu-encrypt-key-value"
FEISHU_TENANT_TOKEN = "t-g1044abcdefTENANT"
FEISHU_TOKEN_PATH = "/open-apis/auth/v3/tenant_access_token/internal"
FEISHU_REPLY = r"/open-apis/im/v1/messages/[^/]+/reply"

DINGTALK_APP_SECRET = "dingtalk-app-secret-value"
DINGTALK_SEND = "/robot/sendBySession"

# Token, EncodingAESKey and CorpID of the official WeCom sample (WXBizMsgCrypt).
WECOM_TOKEN = "QDG6eK"
WECOM_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
WECOM_CORP_ID = "wx5823bf96d3bd56c7"
WECOM_CORP_SECRET = "wecom-corp-secret-value"
WECOM_AGENT_ID = "1000002"
WECOM_ACCESS_TOKEN = "wecom-access-token-value"
WECOM_SEND = "/cgi-bin/message/send"

SECRETS = (
    TELEGRAM_TOKEN,
    TELEGRAM_TOKEN.split(":", 1)[1],
    TELEGRAM_SECRET,
    FEISHU_APP_SECRET,
    FEISHU_VERIFICATION_TOKEN,
    FEISHU_ENCRYPT_KEY,
    FEISHU_TENANT_TOKEN,
    DINGTALK_APP_SECRET,
    WECOM_AES_KEY,
    WECOM_CORP_SECRET,
    WECOM_ACCESS_TOKEN,
)


def install_platform_routes(api: FakePlatform) -> None:
    """What each platform's API answers when all goes well."""
    api.route("POST", TELEGRAM_SEND, {"ok": True, "result": {"message_id": 9001}})
    api.route(
        "POST",
        rf"/bot{re.escape(TELEGRAM_TOKEN)}/getMe",
        {"ok": True, "result": {"id": TELEGRAM_BOT_ID, "is_bot": True, "username": TELEGRAM_USERNAME}},
    )
    api.route(
        "POST",
        FEISHU_TOKEN_PATH,
        {"code": 0, "msg": "ok", "tenant_access_token": FEISHU_TENANT_TOKEN, "expire": 7200},
    )
    api.route("POST", FEISHU_REPLY, {"code": 0, "msg": "success", "data": {"message_id": "om_reply"}})
    api.route("POST", DINGTALK_SEND, {"errcode": 0, "errmsg": "ok"})
    api.route(
        "GET",
        "/cgi-bin/gettoken",
        {"errcode": 0, "errmsg": "ok", "access_token": WECOM_ACCESS_TOKEN, "expires_in": 7200},
    )
    api.route("POST", WECOM_SEND, {"errcode": 0, "errmsg": "ok", "msgid": "m1"})


@pytest.fixture
def platform_api() -> Iterator[FakePlatform]:
    """The four platforms' APIs on one loopback port."""
    api = FakePlatform()
    install_platform_routes(api)
    api.start()
    try:
        yield api
    finally:
        api.stop()


def with_webhooks(settings: Settings, api_base: str, **webhook: object) -> Settings:
    """`settings` with all four platforms configured against `api_base` and fast retries."""
    hooks = {"rate_limit_per_minute": 100, "outbound_timeout_s": 5.0, "outbound_backoff_s": 0.01, **webhook}
    return settings.model_copy(
        update={
            "telegram": TelegramSettings(bot_token=TELEGRAM_TOKEN, secret_token=TELEGRAM_SECRET, api_base=api_base),
            "feishu": FeishuSettings(
                app_id=FEISHU_APP_ID,
                app_secret=FEISHU_APP_SECRET,
                verification_token=FEISHU_VERIFICATION_TOKEN,
                encrypt_key=FEISHU_ENCRYPT_KEY,
                api_base=api_base,
            ),
            "dingtalk": DingTalkSettings(
                app_secret=DINGTALK_APP_SECRET, allowed_webhook_hosts=["oapi.dingtalk.com", api_base]
            ),
            "wecom": WeComSettings(
                token=WECOM_TOKEN,
                encoding_aes_key=WECOM_AES_KEY,
                corp_id=WECOM_CORP_ID,
                corp_secret=WECOM_CORP_SECRET,
                agent_id=WECOM_AGENT_ID,
                api_base=api_base,
            ),
            "webhook": WebhookSettings(**hooks),  # type: ignore[arg-type]
        }
    )


@pytest.fixture
def webhook_settings(api_settings: Settings, platform_api: FakePlatform) -> Settings:
    """Settings over the seed index with every platform pointed at the fake platform API."""
    return with_webhooks(api_settings, platform_api.base_url)


OpenApp = Callable[..., TestClient]


@pytest.fixture
def open_app(webhook_settings: Settings) -> Iterator[OpenApp]:
    """Start apps (lifespan run) with a given engine and optional settings; all stop at teardown."""
    with ExitStack() as stack:

        def open_app(engine: Engine, settings: Settings | None = None) -> TestClient:
            app = create_app(settings or webhook_settings, engine=engine)
            return stack.enter_context(TestClient(app))

        yield open_app
