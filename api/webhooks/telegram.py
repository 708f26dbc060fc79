"""Telegram: the X-Telegram-Bot-Api-Secret-Token header, text messages and commands, sendMessage in HTML.

Telegram signs nothing with a timestamp; a message older than the clock-skew window (a backlog
after downtime, or a replay) is acknowledged and not answered, so Telegram does not retry it.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import replace
from typing import Any, ClassVar

from fastapi import Request
from fastapi.responses import JSONResponse

from api.webhooks.base import (
    Delivery,
    IncomingMessage,
    InvalidSignature,
    WebhookAdapter,
    json_object,
    secrets_equal,
)
from api.webhooks.chat_format import TelegramHTML
from api.webhooks.outbound import DeliveryFailed

log = logging.getLogger("reportqa.webhooks")

HELP_COMMANDS = frozenset({"start", "help"})
ASK_COMMAND = "ask"
GROUP_CHATS = frozenset({"group", "supergroup"})


def entity_text(text: str, entity: dict[str, Any]) -> str:
    """The part of `text` an entity covers; Telegram counts offsets in UTF-16 code units."""
    units = text.encode("utf-16-le")
    start = int(entity.get("offset", 0)) * 2
    end = start + int(entity.get("length", 0)) * 2
    return units[start:end].decode("utf-16-le", errors="ignore")


class TelegramAdapter(WebhookAdapter[dict[str, Any]]):
    """A Telegram bot behind `setWebhook(url=…/webhooks/telegram, secret_token=…)`."""

    platform: ClassVar[str] = "telegram"
    message_limit: ClassVar[int] = 4096
    markup = TelegramHTML()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._username: str | None = None
        self._username_lock = asyncio.Lock()

    @property
    def enabled(self) -> bool:
        """Whether REPORTQA_TELEGRAM_BOT_TOKEN is set."""
        return self.settings.telegram.enabled

    @property
    def _token(self) -> str:
        token = self.settings.telegram.bot_token
        assert token is not None
        return token.get_secret_value()

    @property
    def bot_id(self) -> str:
        """The bot's own user id: the part of the token before the colon."""
        return self._token.split(":", 1)[0]

    def _method_url(self, method: str) -> str:
        return f"{self.settings.telegram.api_base.rstrip('/')}/bot{self._token}/{method}"

    async def verify(self, request: Request, body: bytes) -> dict[str, Any]:
        """The update, when the secret-token header matches the configured secret."""
        secret = self.settings.telegram.secret_token
        assert secret is not None
        given = request.headers.get("x-telegram-bot-api-secret-token")
        if not secrets_equal(given, secret.get_secret_value()):
            raise InvalidSignature("The X-Telegram-Bot-Api-Secret-Token header is missing or wrong.")
        return json_object(body)

    def parse(self, payload: dict[str, Any]) -> Delivery:
        """A message update becomes an IncomingMessage; other updates are acknowledged and ignored."""
        ack = Delivery(JSONResponse({}))
        update_id = payload.get("update_id")
        message = payload.get("message")
        if not isinstance(update_id, int) or not isinstance(message, dict):
            return ack
        chat = message.get("chat") or {}
        sender = message.get("from") or {}
        if "id" not in chat or sender.get("is_bot"):
            return ack
        sent_at = message.get("date")
        max_age_s = self.settings.webhook.max_clock_skew_s
        if isinstance(sent_at, int) and self.clock() - sent_at > max_age_s:
            log.info("telegram update %s is older than %s s; not answering", update_id, max_age_s)
            return ack
        reply_to = message.get("reply_to_message") or {}
        return Delivery(
            ack.response,
            IncomingMessage(
                platform=self.platform,
                delivery_id=str(update_id),
                chat_id=str(chat["id"]),
                user_id=str(sender.get("id", chat["id"])),
                text=message.get("text") or "",
                message_id=str(message["message_id"]) if "message_id" in message else None,
                is_group=chat.get("type") in GROUP_CHATS,
                extra={
                    "entities": message.get("entities") or [],
                    "reply_to_user_id": str((reply_to.get("from") or {}).get("id", "")),
                    "thread_id": message.get("message_thread_id"),
                },
            ),
        )

    async def _bot_username(self) -> str | None:
        """The bot's @username from getMe, fetched once; None when Telegram cannot be asked."""
        async with self._username_lock:
            if self._username is None:
                try:
                    body = await self.outbound.request_json("telegram", "POST", self._method_url("getMe"))
                except DeliveryFailed as exc:
                    log.warning("telegram getMe failed: %s", exc.detail)
                    return None
                username = (body.get("result") or {}).get("username")
                self._username = username if isinstance(username, str) else None
            return self._username

    async def prepare(self, message: IncomingMessage) -> IncomingMessage | None:
        """Commands become help or a question; in groups, only messages addressed to the bot remain."""
        text = message.text
        entities = [e for e in message.extra.get("entities", []) if isinstance(e, dict)]
        username = await self._bot_username()
        command = next((e for e in entities if e.get("type") == "bot_command" and e.get("offset") == 0), None)
        if command is not None:
            name, _, target = entity_text(text, command)[1:].partition("@")
            if target and (username is None or target.lower() != username.lower()):
                return None
            rest = text[len(entity_text(text, command)) :].strip()
            if name.lower() == ASK_COMMAND and rest:
                return replace(message, text=rest)
            return replace(message, text="", wants_help=True)
        if message.is_group and not self._addressed(message, entities, username):
            return None
        if username:
            text = re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE)
        return replace(message, text=" ".join(text.split()))

    def _addressed(self, message: IncomingMessage, entities: list[dict[str, Any]], username: str | None) -> bool:
        if message.extra.get("reply_to_user_id") == self.bot_id:
            return True
        for entity in entities:
            if entity.get("type") == "text_mention" and str((entity.get("user") or {}).get("id")) == self.bot_id:
                return True
            if (
                entity.get("type") == "mention"
                and username is not None
                and entity_text(message.text, entity).lower() == f"@{username.lower()}"
            ):
                return True
        return False

    async def send_part(self, message: IncomingMessage, text: str, index: int) -> None:
        """sendMessage in HTML, the first part replying to the user's message (Telegram has no idempotency key)."""
        payload: dict[str, Any] = {
            "chat_id": message.chat_id,
            "text": text,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
        }
        if index == 0 and message.message_id is not None:
            payload["reply_parameters"] = {
                "message_id": int(message.message_id),
                "allow_sending_without_reply": True,
            }
        if message.extra.get("thread_id") is not None:
            payload["message_thread_id"] = message.extra["thread_id"]
        body = await self.outbound.request_json("telegram", "POST", self._method_url("sendMessage"), json=payload)
        if not body.get("ok"):
            raise DeliveryFailed("telegram", str(body.get("description") or body))
