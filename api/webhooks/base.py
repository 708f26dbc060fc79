"""The shape every messaging platform shares: verify → parse → answer → format → send.

A platform is one `WebhookAdapter` subclass: it verifies a request and parses it into an
`IncomingMessage` plus the immediate response the platform expects, and it sends reply texts
through the platform's API. `WebhookService` does the rest for all of them: it acknowledges at
once, drops retried deliveries, rate-limits users, answers in the background through the one
engine, and formats the answer for chat.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from fastapi import Request
from fastapi.responses import Response

from api.errors import error_response
from api.webhooks.chat_format import (
    PLAIN,
    Markup,
    format_answer,
    help_text,
    is_chinese,
    rate_limited_text,
    split_message,
    too_long_text,
    unavailable_text,
)
from api.webhooks.dedup import Deliveries
from api.webhooks.outbound import DeliveryFailed, OutboundClient
from api.webhooks.ratelimit import PerUserRateLimiter
from qa.errors import ReportQAError
from qa.settings import Settings
from qa.types import Answer

log = logging.getLogger("reportqa.webhooks")

PayloadT = TypeVar("PayloadT")
Ask = Callable[[str, str], Awaitable[Answer]]


class WebhookRejected(ReportQAError):
    """A webhook request that is not answered; nothing secret goes into the message."""

    code = "bad_webhook_request"
    status = 400


class InvalidSignature(WebhookRejected):
    code = "invalid_signature"
    status = 401


class StaleRequest(WebhookRejected):
    code = "stale_request"
    status = 403


class ForbiddenRequest(WebhookRejected):
    code = "forbidden"
    status = 403


class PlatformDisabled(WebhookRejected):
    code = "not_found"
    status = 404


def secrets_equal(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a credential taken from a request with the configured one."""
    if given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def check_fresh(timestamp_s: float, now_s: float, max_skew_s: float) -> None:
    """StaleRequest when a signed timestamp is further than `max_skew_s` from now, either way."""
    if abs(now_s - timestamp_s) > max_skew_s:
        raise StaleRequest(f"The request timestamp is more than {max_skew_s:g} s away from the server's clock.")


def json_object(body: bytes) -> dict[str, Any]:
    """The request body as a JSON object, or a 400."""
    try:
        data = json.loads(body)
    except ValueError:
        raise WebhookRejected("The request body is not valid JSON.") from None
    except RecursionError:
        raise WebhookRejected("The request body is JSON nested too deeply.") from None
    if not isinstance(data, dict):
        raise WebhookRejected("The request body is not a JSON object.")
    return data


@dataclass(frozen=True)
class IncomingMessage:
    """A user's message, the same for every platform once parsed."""

    platform: str
    delivery_id: str
    chat_id: str
    user_id: str
    text: str
    message_id: str | None = None
    is_group: bool = False
    wants_help: bool = False
    reply_url: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def conversation_id(self) -> str:
        """One conversation per chat, and per user within a group chat."""
        return f"{self.platform}:{self.chat_id}:{self.user_id}"

    @property
    def user_key(self) -> str:
        """Who the rate limit counts."""
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True)
class Delivery:
    """A verified request's outcome: the response the platform expects now, and a message to answer later."""

    response: Response
    message: IncomingMessage | None = None


class WebhookAdapter(ABC, Generic[PayloadT]):
    """One messaging platform: verify and parse its webhook, send replies through its API."""

    platform: ClassVar[str]
    message_limit: ClassVar[int]
    markup: ClassVar[Markup] = PLAIN

    def __init__(
        self, settings: Settings, outbound: OutboundClient, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.settings = settings
        self.outbound = outbound
        self.clock = clock

    @property
    @abstractmethod
    def enabled(self) -> bool:
        """Whether the platform's secrets are configured."""

    @abstractmethod
    async def verify(self, request: Request, body: bytes) -> PayloadT:
        """The authenticated payload; raises InvalidSignature, StaleRequest or WebhookRejected."""

    @abstractmethod
    def parse(self, payload: PayloadT) -> Delivery:
        """The immediate response, and the message to answer when there is one."""

    async def prepare(self, message: IncomingMessage) -> IncomingMessage | None:
        """In the background, before answering: drop a message not meant for the bot, or clean its text."""
        return message

    def measure(self, text: str) -> int:
        """A message's size as the platform counts it against `message_limit`."""
        return len(text)

    def format(self, blocks: list[str]) -> list[str]:
        """Rendered paragraphs packed into messages that each fit the platform's limit."""
        return split_message(
            blocks, self.message_limit, separator=self.markup.paragraph_break, measure=self.measure
        )

    @abstractmethod
    async def send(self, message: IncomingMessage, texts: list[str]) -> None:
        """Send reply texts to the message's chat; raises DeliveryFailed with the platform's error."""


class WebhookService:
    """Runs every adapter's pipeline and owns what they share: dedup, rate limit, background replies."""

    def __init__(
        self,
        settings: Settings,
        adapters: Mapping[str, WebhookAdapter[Any]],
        *,
        ask: Ask,
        deliveries: Deliveries,
        outbound: OutboundClient,
    ) -> None:
        self.settings = settings
        self.adapters = dict(adapters)
        self._ask = ask
        self._deliveries = deliveries
        self._outbound = outbound
        self._limiter = PerUserRateLimiter(settings.webhook.rate_limit_per_minute)
        self._tasks: set[asyncio.Task[None]] = set()

    def enabled(self, platform: str) -> bool:
        """Whether `platform` has an adapter with its secrets configured."""
        adapter = self.adapters.get(platform)
        return adapter is not None and adapter.enabled

    async def handle(self, platform: str, request: Request) -> Response:
        """Verify and parse a webhook request, start answering it in the background, and acknowledge."""
        adapter = self.adapters.get(platform)
        try:
            if adapter is None or not adapter.enabled:
                raise PlatformDisabled(f"The {platform} webhook is not configured on this server.")
            body = await request.body()
            payload = await adapter.verify(request, body)
            delivery = adapter.parse(payload)
        except WebhookRejected as exc:
            if exc.status != 404:
                client = request.client.host if request.client else "?"
                log.warning("%s webhook rejected (%s) from %s", platform, exc.code, client)
            return error_response(exc.status, exc.code, exc.message)
        message = delivery.message
        if message is not None:
            if self._deliveries.claim(platform, message.delivery_id):
                self._spawn(self._reply(adapter, message))
            else:
                log.info("%s delivery %s already handled; not answering again", platform, message.delivery_id)
        return delivery.response

    def _spawn(self, work: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _reply(self, adapter: WebhookAdapter[Any], message: IncomingMessage) -> None:
        try:
            prepared = await adapter.prepare(message)
            if prepared is None:
                return
            blocks = await self._reply_blocks(adapter, prepared)
            await adapter.send(prepared, adapter.format(blocks))
        except DeliveryFailed as exc:
            log.error(
                "%s reply to chat %s failed: %s", adapter.platform, message.chat_id, exc.detail
            )
        except Exception:
            log.exception("%s reply to chat %s failed", adapter.platform, message.chat_id)

    async def _reply_blocks(self, adapter: WebhookAdapter[Any], message: IncomingMessage) -> list[str]:
        markup = adapter.markup
        # JSON may carry unpaired surrogates ("\ud800") that no store or platform API can encode.
        question = message.text.strip().encode("utf-8", "replace").decode("utf-8")
        chinese = is_chinese(question)
        wait_s = self._limiter.try_acquire(message.user_key)
        if wait_s > 0:
            per_minute = self._limiter.per_minute
            return [markup.escape(rate_limited_text(chinese, per_minute, wait_s))]
        if message.wants_help or not question:
            return [markup.escape(p) for p in help_text().split("\n\n")]
        limit = self.settings.webhook.max_message_chars
        if len(question) > limit:
            return [markup.escape(too_long_text(chinese, len(question), limit))]
        started = time.perf_counter()
        try:
            answer = await self._ask(question, message.conversation_id)
        except ReportQAError as exc:
            log.warning("%s question in chat %s not answered: %s", adapter.platform, message.chat_id, exc.code)
            text = exc.message if exc.status < 500 else unavailable_text(chinese)
            return [markup.escape(text)]
        except Exception:
            log.exception("%s question in chat %s failed", adapter.platform, message.chat_id)
            return [markup.escape(unavailable_text(chinese))]
        log.info(
            "%s answered chat %s: kind=%s towns=%s in %.0f ms%s",
            adapter.platform,
            message.chat_id,
            answer.kind,
            ",".join(answer.towns),
            (time.perf_counter() - started) * 1000,
            f" question={question!r}" if self.settings.api.log_questions else "",
        )
        return format_answer(answer, markup, limit=adapter.message_limit, measure=adapter.measure)

    async def aclose(self, timeout_s: float = 5.0) -> None:
        """Let replies under way finish for up to `timeout_s`, cancel the rest, then release resources."""
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=timeout_s)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1.0)
        await self._outbound.aclose()
        self._deliveries.close()
