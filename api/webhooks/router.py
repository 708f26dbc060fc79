"""`/webhooks/{telegram,feishu,dingtalk,wecom}`: one route per platform; a platform without its secrets is a 404."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from api.deps import Services
from api.errors import error_response
from api.schemas import ErrorResponse
from api.webhooks.base import Ask, WebhookAdapter, WebhookService
from api.webhooks.dedup import open_delivery_log
from api.webhooks.dingtalk import DingTalkAdapter
from api.webhooks.feishu import FeishuAdapter
from api.webhooks.outbound import OutboundClient
from api.webhooks.telegram import TelegramAdapter
from api.webhooks.wecom import WeComAdapter
from qa.conversations import ask_in_conversation
from qa.types import Answer

ADAPTERS: tuple[type[WebhookAdapter[Any]], ...] = (
    TelegramAdapter,
    FeishuAdapter,
    DingTalkAdapter,
    WeComAdapter,
)


def asker(services: Services) -> Ask:
    """Ask through the app's engine and conversation store, in the answering pool."""

    async def ask(question: str, conversation_id: str) -> Answer:
        engine = await services.engine()
        return await services.run(
            ask_in_conversation, engine, services.store, question, conversation_id, adopt_id=True
        )

    return ask


def build_webhook_service(services: Services) -> WebhookService | None:
    """The webhook service for the enabled platforms; None when no platform is configured."""
    settings = services.settings
    if not any(group.enabled for group in (settings.telegram, settings.feishu, settings.dingtalk, settings.wecom)):
        return None
    hooks = settings.webhook
    outbound = OutboundClient(
        timeout_s=hooks.outbound_timeout_s, retries=hooks.outbound_retries, backoff_s=hooks.outbound_backoff_s
    )
    adapters = {cls.platform: cls(settings, outbound) for cls in ADAPTERS}
    return WebhookService(
        settings,
        adapters,
        ask=asker(services),
        deliveries=open_delivery_log(settings.api),
        outbound=outbound,
    )


@asynccontextmanager
async def webhook_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Build the webhook service next to the app's services; finish or cancel replies at shutdown."""
    service = build_webhook_service(app.state.services)
    app.state.webhooks = service
    if service is not None:
        service.start()
    try:
        yield
    finally:
        app.state.webhooks = None
        if service is not None:
            await service.aclose()


# Refusals every platform route may answer, in the one error shape (404: the platform is not configured).
_REFUSALS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse} for status in (400, 401, 403, 404, 413)
}
router = APIRouter(prefix="/webhooks", tags=["webhooks"], lifespan=webhook_lifespan, responses=_REFUSALS)


async def _handle(platform: str, request: Request) -> Response:
    service: WebhookService | None = getattr(request.app.state, "webhooks", None)
    if service is None or not service.enabled(platform):
        return error_response(404, "not_found", f"The {platform} webhook is not configured on this server.")
    return await service.handle(platform, request)


@router.post("/telegram")
async def telegram_webhook(request: Request) -> Response:
    """Telegram Bot API updates (setWebhook with secret_token)."""
    return await _handle("telegram", request)


@router.post("/feishu")
async def feishu_webhook(request: Request) -> Response:
    """Feishu/Lark event subscription: url_verification and im.message.receive_v1."""
    return await _handle("feishu", request)


@router.post("/dingtalk")
async def dingtalk_webhook(request: Request) -> Response:
    """DingTalk robot messages (HTTP receiving mode)."""
    return await _handle("dingtalk", request)


@router.get("/wecom")
async def wecom_url_verification(request: Request) -> Response:
    """WeCom's URL check when the callback is saved: answers the decrypted echostr."""
    return await _handle("wecom", request)


@router.post("/wecom")
async def wecom_webhook(request: Request) -> Response:
    """WeCom app callbacks: encrypted XML messages."""
    return await _handle("wecom", request)
