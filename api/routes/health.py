"""`GET /healthz` (liveness, always quick) and `GET /readyz` (the index is loaded)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from api.deps import ServicesDep
from api.errors import error_payload
from api.schemas import Health, Readiness
from qa.errors import ReportQAError

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def healthz() -> dict[str, str]:
    """The process is up. Never touches the engine."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None, responses={200: {"model": Readiness}, 503: {"model": Readiness}})
async def readyz(services: ServicesDep, request: Request) -> JSONResponse:
    """Ready when the index is loaded: documents, passages, claims and the embedder; 503 until then.

    With a webhook configured, `webhook_outbox` is the number of replies not yet delivered.
    """
    state, value = services.status()
    if state == "ready":
        assert value is not None and not isinstance(value, Exception)
        stats = await services.run(value.stats)
        body = {"ready": True, "status": "ready", **jsonable_encoder(stats)}
        webhooks = getattr(request.app.state, "webhooks", None)
        if webhooks is not None:
            body["webhook_outbox"] = {"pending": await webhooks.outbox_depth()}
        return JSONResponse(body)
    if state == "loading":
        body = {
            "ready": False,
            "status": "loading",
            **error_payload("loading", "The index is still loading."),
        }
        return JSONResponse(body, status_code=503)
    assert isinstance(value, ReportQAError)
    body = {"ready": False, "status": "failed", **error_payload(value.code, value.message)}
    return JSONResponse(body, status_code=503)
