"""WeCom (企业微信) app: URL verification, msg_signature, AES-256-CBC bodies with a receive-id check; message/send.

The EncodingAESKey is base64 (without its "=") of the 32-byte AES key; the IV is the key's first
16 bytes, and the padding is PKCS#7 to a 32-byte block. A decrypted message is
random(16) + length(4, network order) + msg + receive_id, where receive_id must be our corp id.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from fastapi import Request
from fastapi.responses import PlainTextResponse

from api.webhooks.base import (
    Delivery,
    ForbiddenRequest,
    IncomingMessage,
    InvalidSignature,
    WebhookAdapter,
    WebhookRejected,
    check_fresh,
    secrets_equal,
)
from api.webhooks.chat_format import utf8_bytes
from api.webhooks.outbound import CachedToken, DeliveryFailed

PAD_BLOCK = 32
# errcode values WeCom returns for an invalid or expired access_token.
TOKEN_REJECTED_CODES = frozenset({40001, 40014, 42001})
_FORBIDDEN_XML = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class UndecryptableMessage(InvalidSignature):
    code = "undecryptable_message"


class WrongReceiver(ForbiddenRequest):
    code = "wrong_receive_id"


def message_signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    """msg_signature: hex SHA-1 of the sorted, concatenated token, timestamp, nonce and ciphertext."""
    return hashlib.sha1("".join(sorted((token, timestamp, nonce, encrypted))).encode("utf-8")).hexdigest()


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key an EncodingAESKey stands for."""
    return base64.b64decode(encoding_aes_key + "=")


def decrypt_message(encoding_aes_key: str, encrypted: str, receive_id: str) -> str:
    """The plaintext of an Encrypt field or echostr; WrongReceiver unless it was sealed for `receive_id`."""
    key = aes_key(encoding_aes_key)
    try:
        data = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError):
        raise UndecryptableMessage("The encrypted message is not valid base64.") from None
    if not data or len(data) % 16:
        raise UndecryptableMessage("The encrypted message has the wrong length.")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    pad = padded[-1]
    if not 1 <= pad <= PAD_BLOCK or padded[-pad:] != bytes([pad]) * pad or len(padded) - pad < 20:
        raise UndecryptableMessage("The message does not decrypt under the configured EncodingAESKey.")
    content = padded[:-pad]
    length = int.from_bytes(content[16:20], "big")
    if 20 + length > len(content):
        raise UndecryptableMessage("The decrypted message is malformed.")
    try:
        message = content[20 : 20 + length].decode("utf-8")
        sealed_for = content[20 + length :].decode("utf-8")
    except UnicodeDecodeError:
        raise UndecryptableMessage("The decrypted message is not UTF-8.") from None
    if not secrets_equal(sealed_for, receive_id):
        raise WrongReceiver("The message was encrypted for another receive id (corp id).")
    return message


def parse_xml(text: str | bytes) -> ET.Element:
    """A small XML document, refusing DOCTYPE and ENTITY declarations (XXE, billion laughs)."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    if _FORBIDDEN_XML.search(raw):
        raise WebhookRejected("XML with DOCTYPE or ENTITY declarations is refused.")
    try:
        return ET.fromstring(raw)
    except ET.ParseError:
        raise WebhookRejected("The request body is not well-formed XML.") from None


def _field(root: ET.Element, name: str) -> str:
    node = root.find(name)
    return (node.text or "").strip() if node is not None else ""


@dataclass(frozen=True)
class WeComCallback:
    """A verified, decrypted callback: the URL check's echo string, or a message's XML."""

    kind: Literal["echo", "message"]
    plaintext: str


class WeComAdapter(WebhookAdapter[WeComCallback]):
    """A WeCom self-built app whose 接收消息 API points at …/webhooks/wecom."""

    platform: ClassVar[str] = "wecom"
    message_limit: ClassVar[int] = 2048

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.token = CachedToken(self._fetch_token)

    @property
    def enabled(self) -> bool:
        """Whether REPORTQA_WECOM_TOKEN is set."""
        return self.settings.wecom.enabled

    def measure(self, text: str) -> int:
        """WeCom counts text messages in UTF-8 bytes."""
        return utf8_bytes(text)

    def _url(self, path: str) -> str:
        return self.settings.wecom.api_base.rstrip("/") + path

    def _secrets(self) -> tuple[str, str, str]:
        cfg = self.settings.wecom
        assert cfg.token is not None and cfg.encoding_aes_key is not None and cfg.corp_id is not None
        return cfg.token.get_secret_value(), cfg.encoding_aes_key.get_secret_value(), cfg.corp_id

    async def verify(self, request: Request, body: bytes) -> WeComCallback:
        """The echostr (GET) or message XML (POST), once signature, timestamp and receive id check out."""
        token, encoding_aes_key, corp_id = self._secrets()
        query = request.query_params
        signature, timestamp, nonce = (query.get(k) for k in ("msg_signature", "timestamp", "nonce"))
        if signature is None or timestamp is None or nonce is None:
            raise InvalidSignature("msg_signature, timestamp and nonce are required.")
        if request.method == "GET":
            echostr = query.get("echostr")
            if echostr is None:
                raise WebhookRejected("The URL verification request carries no echostr.")
            encrypted = echostr.replace(" ", "+")
        else:
            encrypted = _field(parse_xml(body), "Encrypt")
        if not secrets_equal(signature, message_signature(token, timestamp, nonce, encrypted)):
            raise InvalidSignature("msg_signature does not match the request.")
        try:
            sent_at = float(timestamp)
        except ValueError:
            raise InvalidSignature("The timestamp is not a number.") from None
        check_fresh(sent_at, self.clock(), self.settings.webhook.max_clock_skew_s)
        plaintext = decrypt_message(encoding_aes_key, encrypted, corp_id)
        return WeComCallback("echo" if request.method == "GET" else "message", plaintext)

    def parse(self, payload: WeComCallback) -> Delivery:
        """The echo string returned as is; a user's message becomes an IncomingMessage; events are ignored."""
        if payload.kind == "echo":
            return Delivery(PlainTextResponse(payload.plaintext))
        ack = Delivery(PlainTextResponse(""))
        root = parse_xml(payload.plaintext)
        msg_type, msg_id, user = _field(root, "MsgType"), _field(root, "MsgId"), _field(root, "FromUserName")
        if msg_type == "event" or not msg_id or not user:
            return ack
        return Delivery(
            ack.response,
            IncomingMessage(
                platform=self.platform,
                delivery_id=msg_id,
                chat_id=user,
                user_id=user,
                text=" ".join(_field(root, "Content").split()) if msg_type == "text" else "",
                message_id=msg_id,
            ),
        )

    async def _fetch_token(self) -> tuple[str, float]:
        cfg = self.settings.wecom
        assert cfg.corp_id is not None and cfg.corp_secret is not None
        body = await self.outbound.request_json(
            "wecom",
            "GET",
            self._url("/cgi-bin/gettoken"),
            params={"corpid": cfg.corp_id, "corpsecret": cfg.corp_secret.get_secret_value()},
        )
        token = body.get("access_token")
        if body.get("errcode", 0) != 0 or not isinstance(token, str):
            raise DeliveryFailed("wecom", f"gettoken: errcode {body.get('errcode')}: {body.get('errmsg')}")
        return token, float(body.get("expires_in", 7200))

    async def _send_one(self, payload: dict[str, Any]) -> None:
        for attempt in (1, 2):
            token = await self.token.get()
            body = await self.outbound.request_json(
                "wecom", "POST", self._url("/cgi-bin/message/send"), params={"access_token": token}, json=payload
            )
            code = body.get("errcode", 0)
            if code == 0:
                return
            if attempt == 1 and code in TOKEN_REJECTED_CODES:
                self.token.invalidate(token)
                continue
            raise DeliveryFailed("wecom", f"errcode {code}: {body.get('errmsg')}", body=body)

    async def send_part(self, message: IncomingMessage, text: str, index: int) -> None:
        """message/send a text message to the user, as the app."""
        agent_id = self.settings.wecom.agent_id
        assert agent_id is not None
        await self._send_one(
            {
                "touser": message.user_id,
                "msgtype": "text",
                "agentid": int(agent_id) if agent_id.isdigit() else agent_id,
                "text": {"content": text},
            }
        )
