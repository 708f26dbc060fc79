"""The one place HTTP errors are shaped: `{"error": {"code": str, "message": str}}`, never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from qa.errors import BadQuestion, ReportQAError

log = logging.getLogger("reportqa.api")


class ConversationNotFound(ReportQAError):
    code = "conversation_not_found"
    status = 404


class ModelNotFound(ReportQAError):
    code = "model_not_found"
    status = 404


class BadRange(BadQuestion):
    code = "bad_range"


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    503: "unavailable",
}


def error_payload(code: str, message: str) -> dict[str, dict[str, str]]:
    """The error body every endpoint uses."""
    return {"error": {"code": code, "message": message}}


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """A JSON error response in the one shape."""
    return JSONResponse(error_payload(code, message), status_code=status, headers=dict(headers or {}))


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_response(exc: RequestValidationError) -> JSONResponse:
    """400 for a body that is not JSON, 422 with the first problem named for anything else."""
    errors = list(exc.errors())
    for e in errors:
        if e.get("type") == "json_invalid":
            detail = (e.get("ctx") or {}).get("error", "")
            return error_response(
                400, "malformed_json", f"The request body is not valid JSON ({detail}).".replace(" ()", "")
            )
    for e in errors:
        if tuple(e.get("loc", ())) == ("body",) and isinstance(e.get("input"), bytes | bytearray):
            return error_response(
                400, "malformed_json", "Send a JSON body with the header Content-Type: application/json."
            )
    if not errors:
        return error_response(422, "invalid_request", "The request is invalid.")
    first = errors[0]
    message = f"{_location(tuple(first.get('loc', ())))}: {first.get('msg', 'invalid')}"
    if first.get("type") == "extra_forbidden":
        message = (
            f"{_location(tuple(first.get('loc', ())))} is not a field of this request; remove it or check its "
            "spelling (POST /chat takes message, conversation_id and filters)"
        )
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return error_response(422, "invalid_request", message)


async def _reportqa_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ReportQAError)
    return error_response(exc.status, exc.code, exc.message)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return validation_response(exc)


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (Starlette names only the first route's methods)."""
    routes = request.app.router.routes
    allowed = [
        m for m in _METHODS
        if any(route.matches({**request.scope, "method": m})[0] == Match.FULL for route in routes)
    ]
    return ", ".join(allowed)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = allowed_methods(request) or headers.get("Allow", "")
    return error_response(exc.status_code, code, message, headers=headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(
        500, "internal_error", "Something went wrong on the server; the log has the details."
    )


def install_error_handlers(app: FastAPI) -> None:
    """Route every error the app can raise through the one shape."""
    app.add_exception_handler(ReportQAError, _reportqa_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
