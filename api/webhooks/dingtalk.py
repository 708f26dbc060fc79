"""DingTalk: the robot's `timestamp` + `sign` headers; markdown replies to the message's sessionWebhook.

The signature covers only the timestamp, not the body, so the body's sessionWebhook is untrusted:
a reply goes there only when its origin is on the allow-list (no server-side request forgery).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Iterable
from typing import Any, ClassVar
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import JSONResponse

from api.webhooks.base import (
    Delivery,
    ForbiddenRequest,
    IncomingMessage,
    InvalidSignature,
    WebhookAdapter,
    check_fresh,
    json_object,
    secrets_equal,
)
from api.webhooks.chat_format import DingTalkMarkdown, shorten
from api.webhooks.outbound import DeliveryFailed

log = logging.getLogger("reportqa.webhooks")

GROUP_CONVERSATION = "2"
_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNSAFE_URL_CHARS = frozenset("\\ \t\r\n")


def request_signature(timestamp: str, app_secret: str) -> str:
    """The `sign` header: base64 of HMAC-SHA256 over f"{timestamp}\\n{app_secret}", keyed by the app secret."""
    digest = hmac.new(
        app_secret.encode("utf-8"), f"{timestamp}\n{app_secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def session_webhook_allowed(url: str, allowed: Iterable[str]) -> bool:
    """Whether `url` may receive a reply: a bare allowed host means https on 443; an origin means exactly it."""
    if not url or any(c in _UNSAFE_URL_CHARS for c in url):
        return False
    try:
        parts = urlsplit(url)
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return False
    if parts.username is not None or parts.password is not None or not parts.hostname:
        return False
    scheme, host = parts.scheme.lower(), parts.hostname.lower()
    for entry in allowed:
        entry = entry.strip().lower()
        if "://" not in entry:
            if scheme == "https" and host == entry and port == 443:
                return True
            continue
        try:
            origin = urlsplit(entry)
            origin_port = origin.port or _DEFAULT_PORTS.get(origin.scheme)
        except ValueError:
            continue
        if (scheme, host, port) == (origin.scheme, origin.hostname, origin_port):
            return True
    return False


class DingTalkAdapter(WebhookAdapter[dict[str, Any]]):
    """A DingTalk robot whose message receiving mode is HTTP, pointed at …/webhooks/dingtalk."""

    platform: ClassVar[str] = "dingtalk"
    message_limit: ClassVar[int] = 4000
    markup = DingTalkMarkdown()

    @property
    def enabled(self) -> bool:
        """Whether REPORTQA_DINGTALK_APP_SECRET is set."""
        return self.settings.dingtalk.enabled

    async def verify(self, request: Request, body: bytes) -> dict[str, Any]:
        """The message, when `sign` matches `timestamp` and the timestamp is within the allowed skew."""
        app_secret = self.settings.dingtalk.app_secret
        assert app_secret is not None
        timestamp = request.headers.get("timestamp")
        sign = request.headers.get("sign")
        if timestamp is None or sign is None:
            raise InvalidSignature("The timestamp and sign headers are required.")
        if not secrets_equal(sign, request_signature(timestamp, app_secret.get_secret_value())):
            raise InvalidSignature("The sign header does not match the timestamp.")
        try:
            sent_at_ms = int(timestamp)
        except ValueError:
            raise InvalidSignature("The timestamp header is not a number.") from None
        check_fresh(sent_at_ms / 1000, self.clock(), self.settings.dingtalk.max_clock_skew_s)
        return json_object(body)

    def parse(self, payload: dict[str, Any]) -> Delivery:
        """A message with an allowed, unexpired sessionWebhook becomes an IncomingMessage."""
        ack = Delivery(JSONResponse({}))
        msg_id = payload.get("msgId")
        if not msg_id:
            return ack
        webhook = str(payload.get("sessionWebhook") or "")
        if not session_webhook_allowed(webhook, self.settings.dingtalk.allowed_webhook_hosts):
            raise ForbiddenRequest(
                "The sessionWebhook's host is not on REPORTQA_DINGTALK_ALLOWED_WEBHOOK_HOSTS."
            )
        expires_ms = payload.get("sessionWebhookExpiredTime")
        if isinstance(expires_ms, int) and expires_ms / 1000 < self.clock():
            log.info("dingtalk message %s: its sessionWebhook has expired; not answering", msg_id)
            return ack
        text = ""
        if payload.get("msgtype") == "text":
            text = str((payload.get("text") or {}).get("content", ""))
        sender = payload.get("senderStaffId") or payload.get("senderId") or ""
        return Delivery(
            ack.response,
            IncomingMessage(
                platform=self.platform,
                delivery_id=str(msg_id),
                chat_id=str(payload.get("conversationId") or sender),
                user_id=str(sender),
                text=" ".join(text.split()),
                message_id=str(msg_id),
                is_group=payload.get("conversationType") == GROUP_CONVERSATION,
                reply_url=webhook,
            ),
        )

    async def send_part(self, message: IncomingMessage, text: str, index: int) -> None:
        """POST markdown to the sessionWebhook, re-checked against the allow-list."""
        url = message.reply_url or ""
        if not session_webhook_allowed(url, self.settings.dingtalk.allowed_webhook_hosts):
            raise DeliveryFailed("dingtalk", "the sessionWebhook is not on the allow-list")
        title = shorten(message.text, 20) or "reportqa"
        payload = {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
        body = await self.outbound.request_json("dingtalk", "POST", url, json=payload)
        if body.get("errcode", 0) != 0:
            raise DeliveryFailed("dingtalk", f"errcode {body.get('errcode')}: {body.get('errmsg')}", body=body)
