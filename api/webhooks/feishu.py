"""Feishu/Lark: url_verification, Encrypt Key bodies, X-Lark-Signature, the verification token; replies in thread.

With an Encrypt Key configured, every event arrives as `{"encrypt": base64(iv + AES-256-CBC(json))}`
with key SHA256(encrypt_key), signed by `X-Lark-Signature = sha256(timestamp + nonce + encrypt_key +
raw body)`. The url_verification challenge is not signed; it is trusted for its verification token
and, when encrypted, for decrypting under the key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from fastapi import Request
from fastapi.responses import JSONResponse

from api.webhooks.base import (
    Delivery,
    IncomingMessage,
    InvalidSignature,
    WebhookAdapter,
    WebhookRejected,
    check_fresh,
    json_object,
    secrets_equal,
)
from api.webhooks.outbound import CachedToken, DeliveryFailed

MESSAGE_EVENT = "im.message.receive_v1"
# Codes Feishu returns for an invalid or expired tenant_access_token.
TOKEN_REJECTED_CODES = frozenset({99991661, 99991663, 99991664, 99991668})


class UndecryptableEvent(InvalidSignature):
    code = "undecryptable_event"


def decrypt_event(encrypt_key: str, encrypted: str) -> str:
    """The plaintext of an `encrypt` field: AES-256-CBC, key SHA256(encrypt_key), IV the first 16 bytes."""
    key = hashlib.sha256(encrypt_key.encode("utf-8")).digest()
    try:
        data = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError):
        raise UndecryptableEvent("The encrypted event is not valid base64.") from None
    if len(data) < 32 or len(data) % 16:
        raise UndecryptableEvent("The encrypted event has the wrong length.")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(data[:16])).decryptor()
    padded = decryptor.update(data[16:]) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        plain = unpadder.update(padded) + unpadder.finalize()
        return plain.decode("utf-8")
    except ValueError:
        raise UndecryptableEvent("The event does not decrypt under the configured Encrypt Key.") from None


def event_signature(timestamp: str, nonce: str, encrypt_key: str, body: bytes) -> str:
    """X-Lark-Signature: hex SHA-256 of timestamp + nonce + encrypt_key + the raw body."""
    return hashlib.sha256((timestamp + nonce + encrypt_key).encode("utf-8") + body).hexdigest()


class FeishuAdapter(WebhookAdapter[dict[str, Any]]):
    """A Feishu/Lark app bot subscribed to im.message.receive_v1 at …/webhooks/feishu."""

    platform: ClassVar[str] = "feishu"
    message_limit: ClassVar[int] = 8000

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.token = CachedToken(self._fetch_token)

    @property
    def enabled(self) -> bool:
        """Whether REPORTQA_FEISHU_APP_ID is set."""
        return self.settings.feishu.enabled

    @property
    def _encrypt_key(self) -> str | None:
        key = self.settings.feishu.encrypt_key
        return key.get_secret_value() if key is not None else None

    def _url(self, path: str) -> str:
        return self.settings.feishu.api_base.rstrip("/") + path

    async def verify(self, request: Request, body: bytes) -> dict[str, Any]:
        """The event, decrypted, once its signature (when signed) and verification token check out."""
        key = self._encrypt_key
        signature = request.headers.get("x-lark-signature")
        if key is not None and signature is not None:
            timestamp = request.headers.get("x-lark-request-timestamp", "")
            nonce = request.headers.get("x-lark-request-nonce", "")
            if not secrets_equal(signature, event_signature(timestamp, nonce, key, body)):
                raise InvalidSignature("The X-Lark-Signature header does not match the request.")
            try:
                sent_at = float(timestamp)
            except ValueError:
                raise InvalidSignature("The X-Lark-Request-Timestamp header is not a number.") from None
            check_fresh(sent_at, self.clock(), self.settings.webhook.max_clock_skew_s)
        data = json_object(body)
        if "encrypt" in data:
            if key is None:
                raise InvalidSignature("The event is encrypted but REPORTQA_FEISHU_ENCRYPT_KEY is not set.")
            data = json_object(decrypt_event(key, str(data["encrypt"])).encode("utf-8"))
        elif key is not None:
            raise InvalidSignature("An Encrypt Key is configured, so events must arrive encrypted.")
        is_challenge = data.get("type") == "url_verification"
        if key is not None and signature is None and not is_challenge:
            raise InvalidSignature("The event carries no X-Lark-Signature header.")
        header = data.get("header")
        token = header.get("token") if isinstance(header, dict) else data.get("token")
        verification_token = self.settings.feishu.verification_token
        assert verification_token is not None
        if not secrets_equal(token if isinstance(token, str) else None, verification_token.get_secret_value()):
            raise InvalidSignature("The verification token does not match.")
        return data

    def parse(self, payload: dict[str, Any]) -> Delivery:
        """The challenge answered; a text message to the bot becomes an IncomingMessage."""
        if payload.get("type") == "url_verification":
            return Delivery(JSONResponse({"challenge": payload.get("challenge", "")}))
        ack = Delivery(JSONResponse({}))
        header = payload.get("header") or {}
        event = payload.get("event") or {}
        if header.get("event_type") != MESSAGE_EVENT or not header.get("event_id"):
            return ack
        sender = event.get("sender") or {}
        message = event.get("message") or {}
        if sender.get("sender_type") != "user" or not message.get("message_id"):
            return ack
        mentions = [m for m in message.get("mentions") or [] if isinstance(m, dict)]
        is_group = message.get("chat_type") != "p2p"
        if is_group and not mentions:
            return ack
        text = ""
        if message.get("message_type") == "text":
            try:
                text = str(json.loads(message.get("content") or "{}").get("text", ""))
            except (ValueError, AttributeError, RecursionError):
                raise WebhookRejected("The message content is not the JSON Feishu sends.") from None
        for key in (m.get("key") for m in mentions):
            if isinstance(key, str) and key:
                text = text.replace(key, " ")
        sender_ids = sender.get("sender_id") or {}
        return Delivery(
            ack.response,
            IncomingMessage(
                platform=self.platform,
                delivery_id=str(header["event_id"]),
                chat_id=str(message.get("chat_id", "")),
                user_id=str(sender_ids.get("open_id") or sender_ids.get("union_id") or sender_ids.get("user_id")),
                text=" ".join(text.split()),
                message_id=str(message["message_id"]),
                is_group=is_group,
            ),
        )

    async def _fetch_token(self) -> tuple[str, float]:
        app_secret = self.settings.feishu.app_secret
        assert app_secret is not None
        body = await self.outbound.request_json(
            "feishu",
            "POST",
            self._url("/open-apis/auth/v3/tenant_access_token/internal"),
            json={"app_id": self.settings.feishu.app_id, "app_secret": app_secret.get_secret_value()},
        )
        token = body.get("tenant_access_token")
        if body.get("code") != 0 or not isinstance(token, str):
            raise DeliveryFailed("feishu", f"tenant_access_token: code {body.get('code')}: {body.get('msg')}")
        return token, float(body.get("expire", 7200))

    async def _with_token(self, call: Callable[[str], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
        """Run `call` with the tenant token; when Feishu rejects the token, refresh it and try once more."""
        for attempt in (1, 2):
            token = await self.token.get()
            try:
                body = await call(token)
            except DeliveryFailed as exc:
                if attempt == 1 and (exc.body or {}).get("code") in TOKEN_REJECTED_CODES:
                    self.token.invalidate(token)
                    continue
                raise
            code = body.get("code")
            if code == 0:
                return body
            if attempt == 1 and code in TOKEN_REJECTED_CODES:
                self.token.invalidate(token)
                continue
            raise DeliveryFailed("feishu", f"code {code}: {body.get('msg')}", body=body)
        raise DeliveryFailed("feishu", "the tenant_access_token was rejected twice")

    async def send_part(self, message: IncomingMessage, text: str, index: int) -> None:
        """Reply to the user's message with a text message; `uuid` makes a resent part idempotent (Feishu's key)."""
        url = self._url(f"/open-apis/im/v1/messages/{message.message_id}/reply")
        payload = {
            "msg_type": "text",
            "content": json.dumps({"text": text}, ensure_ascii=False),
            "uuid": f"{message.delivery_id}-{index}"[:50],
        }

        async def reply(token: str) -> dict[str, Any]:
            return await self.outbound.request_json(
                "feishu", "POST", url, json=payload, headers={"Authorization": f"Bearer {token}"}
            )

        await self._with_token(reply)
