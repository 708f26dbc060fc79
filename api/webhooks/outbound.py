"""Calls to the platforms' APIs: httpx with timeouts, retry with backoff on 429/5xx, no secrets in logs."""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

log = logging.getLogger("reportqa.webhooks")

_ERROR_TEXT_CHARS = 300
_SECRET_PATTERNS = (
    (re.compile(r"/bot\d+:[\w-]+"), "/bot<redacted>"),
    (re.compile(r"(?i)\b(access_token|corpsecret|app_secret|session|sign)=[^&\s\"']+"), r"\1=<redacted>"),
)


def redact_secrets(text: str) -> str:
    """`text` with bot tokens and credential query parameters replaced by <redacted>."""
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class SecretRedactingFilter(logging.Filter):
    """Rewrites log records so URLs that carry credentials (Telegram's /bot<token>/, ?access_token=) never leak."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_secrets(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def install_secret_redaction() -> None:
    """Attach the redacting filter to httpx's request logger, once."""
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, SecretRedactingFilter) for f in logger.filters):
        logger.addFilter(SecretRedactingFilter())


class DeliveryFailed(Exception):
    """A platform API call that failed; `detail` is the platform's own error, without secrets.

    `transient` failures (network errors, 429 and 5xx once this call's retries are spent) are worth
    another try later; the others (a 4xx, an error code in the reply) are not.
    """

    def __init__(
        self,
        platform: str,
        detail: str,
        *,
        status: int | None = None,
        body: dict[str, Any] | None = None,
        transient: bool = False,
    ) -> None:
        super().__init__(f"{platform}: {detail}")
        self.platform = platform
        self.detail = detail
        self.status = status
        self.body = body
        self.transient = transient


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def platform_error(response: httpx.Response) -> str:
    """The status and the platform's error code and message, read from the usual JSON fields."""
    body = _json_object(response)
    if body is not None:
        code = next((body[k] for k in ("error_code", "errcode", "code") if k in body), None)
        message = next((body[k] for k in ("description", "errmsg", "msg", "message") if k in body), None)
        detail = " ".join(str(p) for p in (code, message) if p not in (None, ""))
    else:
        detail = response.text
    text = f"HTTP {response.status_code}" + (f": {detail}" if detail else "")
    return redact_secrets(text)[:_ERROR_TEXT_CHARS]


def _retry_after_s(response: httpx.Response) -> float | None:
    """The wait the platform asked for: a Retry-After header, or Telegram's parameters.retry_after."""
    header = response.headers.get("retry-after")
    if header is not None:
        try:
            return max(0.0, float(header))
        except ValueError:
            return None
    parameters = (_json_object(response) or {}).get("parameters")
    value = parameters.get("retry_after") if isinstance(parameters, dict) else None
    return float(value) if isinstance(value, int | float) else None


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


class OutboundClient:
    """One httpx client for every platform; each call retries 429/5xx and network errors with backoff."""

    def __init__(
        self,
        *,
        timeout_s: float,
        retries: int,
        backoff_s: float,
        max_backoff_s: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        install_secret_redaction()
        self.retries = retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s), follow_redirects=False, transport=transport
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    def _delay_s(self, attempt: int, hinted: float | None) -> float:
        if hinted is not None:
            return min(hinted, self.max_backoff_s)
        base = self.backoff_s * (2**attempt)
        return min(base + random.uniform(0, base / 4), self.max_backoff_s)

    async def request_json(
        self,
        platform: str,
        method: str,
        url: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """The JSON object a platform API returned; DeliveryFailed once retries are spent or on another 4xx."""
        failure = "no attempt made"
        hinted: float | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                await asyncio.sleep(self._delay_s(attempt - 1, hinted))
            hinted = None
            try:
                response = await self._http.request(method, url, json=json, params=params, headers=headers)
            except httpx.TransportError as exc:
                failure = f"{type(exc).__name__} talking to the {platform} API"
                continue
            if _retryable(response.status_code):
                failure = platform_error(response)
                hinted = _retry_after_s(response)
                continue
            if response.status_code >= 400:
                raise DeliveryFailed(
                    platform, platform_error(response), status=response.status_code, body=_json_object(response)
                )
            try:
                body = response.json()
            except ValueError:
                raise DeliveryFailed(
                    platform, f"HTTP {response.status_code}: the reply is not JSON"
                ) from None
            if not isinstance(body, dict):
                raise DeliveryFailed(platform, f"HTTP {response.status_code}: the reply is not a JSON object")
            return body
        raise DeliveryFailed(platform, f"{failure} (after {self.retries + 1} attempts)", transient=True)


class CachedToken:
    """An access token fetched on first use and again shortly before it expires or when it is rejected."""

    def __init__(
        self,
        fetch: Callable[[], Awaitable[tuple[str, float]]],
        *,
        margin_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._margin_s = margin_s
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> str:
        """A token that is valid for at least the margin; fetches one when needed."""
        async with self._lock:
            if self._token is None or self._clock() >= self._expires_at:
                token, lifetime_s = await self._fetch()
                self._token = token
                self._expires_at = self._clock() + max(lifetime_s - self._margin_s, lifetime_s / 2)
            return self._token

    def invalidate(self, token: str) -> None:
        """Forget `token` (the platform rejected it), unless a newer one already replaced it."""
        if self._token == token:
            self._token = None
