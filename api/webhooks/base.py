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
from dataclasses import asdict, dataclass, field
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
from api.webhooks.dedup import Deliveries, OutboxEntry
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

    def to_json(self) -> dict[str, Any]:
        """The message as a JSON object, as the outbox stores it."""
        data = asdict(self)
        data["extra"] = dict(self.extra)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> IncomingMessage:
        """The message `to_json` stored."""
        return cls(**data)


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
    async def send_part(self, message: IncomingMessage, text: str, index: int) -> None:
        """Send the `index`-th reply text to the message's chat; raises DeliveryFailed with the platform's error."""

    async def send(self, message: IncomingMessage, texts: list[str]) -> None:
        """Send reply texts to the message's chat, in order."""
        for i, text in enumerate(texts):
            await self.send_part(message, text, i)


class WebhookService:
    """Runs every adapter's pipeline and owns what they share: dedup, rate limit, the outbox of replies.

    A claimed delivery is stored as pending in the same transaction as the dedup claim, before the
    platform gets its acknowledgement. The sender answers it, saves the reply texts, sends them part by
    part (recording each), and deletes the entry once all are sent. A transient failure is tried again
    with backoff; a process killed at any step leaves the entry pending, and the next process resumes
    it once the lease has expired. Entries older than `outbox_max_age_s` are dropped with a log line.
    """

    def __init__(
        self,
        settings: Settings,
        adapters: Mapping[str, WebhookAdapter[Any]],
        *,
        ask: Ask,
        deliveries: Deliveries,
        outbound: OutboundClient,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.adapters = dict(adapters)
        self._ask = ask
        self._deliveries = deliveries
        self._outbound = outbound
        self._clock = clock
        self._limiter = PerUserRateLimiter(settings.webhook.rate_limit_per_minute)
        self._tasks: set[asyncio.Task[None]] = set()
        self._working: set[tuple[str, str]] = set()
        self._poller: asyncio.Task[None] | None = None

    def enabled(self, platform: str) -> bool:
        """Whether `platform` has an adapter with its secrets configured."""
        adapter = self.adapters.get(platform)
        return adapter is not None and adapter.enabled

    def start(self) -> None:
        """Start the outbox sender: replies left pending by an earlier process resume now."""
        if self._poller is None:
            self._poller = asyncio.ensure_future(self._poll())

    async def outbox_depth(self) -> int:
        """How many replies are pending in the outbox."""
        return await asyncio.to_thread(self._deliveries.depth)

    async def handle(self, platform: str, request: Request) -> Response:
        """Verify and parse a webhook request, store it in the outbox, start answering it, and acknowledge."""
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
            lease_s = self.settings.webhook.outbox_lease_s
            if self._deliveries.claim(platform, message.delivery_id, message.to_json(), lease_s=lease_s):
                entry = OutboxEntry(platform, message.delivery_id, message.to_json(), self._clock())
                self._start_delivery(adapter, entry)
            else:
                log.info("%s delivery %s already handled; not answering again", platform, message.delivery_id)
        return delivery.response

    def _start_delivery(self, adapter: WebhookAdapter[Any], entry: OutboxEntry) -> None:
        key = (entry.platform, entry.delivery_id)
        self._working.add(key)
        task: asyncio.Task[None] = asyncio.ensure_future(self._deliver(adapter, entry))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda _t: self._working.discard(key))

    async def _poll(self) -> None:
        """Lease and deliver every due entry not already being worked on here, every `outbox_poll_s`."""
        hooks = self.settings.webhook
        while True:
            try:
                due = await asyncio.to_thread(self._deliveries.due)
                for platform, delivery_id in due:
                    if (platform, delivery_id) in self._working:
                        continue
                    entry = await asyncio.to_thread(
                        self._deliveries.lease, platform, delivery_id, hooks.outbox_lease_s
                    )
                    if entry is None:
                        continue
                    adapter = self.adapters.get(platform)
                    if adapter is None or not adapter.enabled:
                        await asyncio.to_thread(self._deliveries.finish, platform, delivery_id)
                        log.warning(
                            "%s reply for delivery %s dropped: the %s webhook is no longer configured",
                            platform, delivery_id, platform,
                        )
                        continue
                    self._start_delivery(adapter, entry)
            except Exception:
                log.exception("the webhook outbox could not be read; trying again in %g s", hooks.outbox_poll_s)
            await asyncio.sleep(hooks.outbox_poll_s)

    def _retry_delay_s(self, attempts: int) -> float:
        hooks = self.settings.webhook
        return float(min(hooks.outbox_retry_s * (2 ** min(attempts, 30)), hooks.outbox_max_retry_s))

    async def _deliver(self, adapter: WebhookAdapter[Any], entry: OutboxEntry) -> None:
        """Answer (unless already answered), send the parts not yet sent, and take the entry out of the outbox."""
        store, hooks = self._deliveries, self.settings.webhook
        key = (entry.platform, entry.delivery_id)
        message = IncomingMessage.from_json(entry.message)
        age_s = self._clock() - entry.created
        if age_s > hooks.outbox_max_age_s:
            await asyncio.to_thread(store.finish, *key)
            log.warning(
                "%s reply to chat %s dropped: not delivered in %.0f s (REPORTQA_WEBHOOK_OUTBOX_MAX_AGE_S=%g)",
                adapter.platform, message.chat_id, age_s, hooks.outbox_max_age_s,
            )
            return
        try:
            texts = list(entry.texts) if entry.texts is not None else None
            if texts is None:
                prepared = await adapter.prepare(message)
                if prepared is None:
                    await asyncio.to_thread(store.finish, *key)
                    return
                message = prepared
                texts = adapter.format(await self._reply_blocks(adapter, message))
                await asyncio.to_thread(store.save_texts, *key, message.to_json(), texts, hooks.outbox_lease_s)
            for i in range(entry.parts_sent, len(texts)):
                await adapter.send_part(message, texts[i], i)
                if i + 1 < len(texts):
                    await asyncio.to_thread(store.record_sent, *key, i + 1, hooks.outbox_lease_s)
            # Marked sent (out of the outbox) right after the platform accepted the last part.
            await asyncio.to_thread(store.finish, *key)
        except DeliveryFailed as exc:
            if exc.transient:
                delay_s = self._retry_delay_s(entry.attempts)
                log.error(
                    "%s reply to chat %s failed: %s; trying again in %g s",
                    adapter.platform, message.chat_id, exc.detail, delay_s,
                )
                await asyncio.to_thread(store.retry_later, *key, delay_s)
            else:
                log.error(
                    "%s reply to chat %s failed: %s; not trying again",
                    adapter.platform, message.chat_id, exc.detail,
                )
                await asyncio.to_thread(store.finish, *key)
        except asyncio.CancelledError:
            # Shutting down: the entry stays pending, and its lease is released so a restart resumes it at once.
            store.retry_later(*key, 0.0)
            raise
        except Exception:
            delay_s = self._retry_delay_s(entry.attempts)
            log.exception("%s reply to chat %s failed; trying again in %g s", adapter.platform, message.chat_id, delay_s)
            await asyncio.to_thread(store.retry_later, *key, delay_s)

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
        """Let replies under way finish for up to `timeout_s`, cancel the rest (they stay pending), then release."""
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.wait({self._poller}, timeout=1.0)
            self._poller = None
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=timeout_s)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1.0)
        await self._outbound.aclose()
        self._deliveries.close()
