"""Pure ASGI middleware: access log, body size cap, API key. Pure ASGI so streams pass through untouched."""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Collection

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response

access_log = logging.getLogger("reportqa.access")


class BodyTooLarge(HTTPException):
    """Raised while reading a body that grows past the cap; FastAPI re-raises HTTPExceptions as they are."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413, f"The request body is larger than the {limit:,}-byte limit (REPORTQA_MAX_BODY_BYTES)."
        )


class BodyLimitMiddleware:
    """413 for a body over `limit` bytes: at once from Content-Length, or as a chunked body grows."""

    def __init__(self, app: ASGIApp, limit: int, path_limits: dict[tuple[str, str], int] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.path_limits = path_limits or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.path_limits.get((scope.get("method", ""), scope.get("path", "")), self.limit)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            too_large = BodyTooLarge(limit)
            await error_response(413, "payload_too_large", str(too_large.detail))(scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge as exc:
            if started:
                raise
            await error_response(413, "payload_too_large", str(exc.detail))(scope, receive, send)


class ApiKeyMiddleware:
    """Every path but the open ones needs `Authorization: Bearer <key>`."""

    def __init__(
        self, app: ASGIApp, key: str, open_paths: Collection[str], open_prefixes: Collection[str] = ()
    ) -> None:
        self.app = app
        self.expected = f"Bearer {key}".encode()
        self.open_paths = frozenset(open_paths)
        self.open_prefixes = tuple(open_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "OPTIONS" or self._open(scope["path"]):
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get("authorization", "").encode()
        if secrets.compare_digest(given, self.expected):
            await self.app(scope, receive, send)
            return
        response = error_response(
            401,
            "unauthorized",
            "Missing or wrong API key: send the header Authorization: Bearer <REPORTQA_API_KEY>.",
            headers={"WWW-Authenticate": "Bearer"},
        )
        await response(scope, receive, send)

    def _open(self, path: str) -> bool:
        return path in self.open_paths or path.startswith(self.open_prefixes)


class AccessLogMiddleware:
    """One JSON line per request with status and latency; routes add fields through `scope["state"]["log"]`.

    Question text is kept only when `log_questions` is on.
    """

    def __init__(self, app: ASGIApp, *, log_questions: bool = False) -> None:
        self.app = app
        self.log_questions = log_questions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = 500
        sent = 0
        extra: dict[str, object] = {}
        scope.setdefault("state", {})["log"] = extra

        async def logging_send(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, logging_send)
        finally:
            if not self.log_questions:
                extra.pop("question", None)
            client = scope.get("client")
            line = {
                "event": "http",
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "ms": round((time.perf_counter() - t0) * 1000, 2),
                "bytes": sent,
                "client": client[0] if client else None,
                **extra,
            }
            access_log.info(json.dumps(line, ensure_ascii=False))
