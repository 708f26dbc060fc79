"""The app factory: `create_app(settings=None, *, engine=None)`. Routes live one module each in `api/routes/`."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from api.deps import Engine, Services
from api.errors import install_error_handlers
from api.middleware import AccessLogMiddleware, ApiKeyMiddleware, BodyLimitMiddleware
from api.routes import admin, chat, conversations, documents, health, indicators, openai_compat, review, web
from api.webhooks.router import router as webhooks_router
from qa.conversations import ConversationStore
from qa.settings import Settings

# Paths that answer without the API key; the page too when `public_page` is on (it holds no data).
OPEN_PATHS = ("/healthz",)
PAGE_PATHS = ("/", "/favicon.ico")
PAGE_PREFIXES = ("/static/", "/report/")
# Webhooks authenticate with each platform's own signature, never the API key.
WEBHOOK_PREFIXES = ("/webhooks/",)


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    store: ConversationStore | None = None,
) -> FastAPI:
    """Build the HTTP app. Without `engine`, the lifespan loads the index named by `settings` in the background."""
    settings = settings or Settings()
    services = Services(settings, engine=engine, store=store)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services.store  # noqa: B018 - open the database before the first request
        services.start_loading()
        interval = settings.index.reload_interval_s
        watcher = asyncio.create_task(services.watch_index(interval)) if interval > 0 and engine is None else None
        try:
            yield
        finally:
            if watcher is not None:
                watcher.cancel()
            services.close()

    app = FastAPI(
        title="reportqa",
        summary="Questions over township 法治政府建设情况报告, answered with verbatim, cited quotes.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served below from packaged assets: government intranets have no CDN
        redoc_url=None,
    )
    app.state.services = services
    install_error_handlers(app)

    app.include_router(health.router)
    app.include_router(chat.router)
    app.include_router(conversations.router)
    app.include_router(documents.router)
    app.include_router(review.router)
    app.include_router(indicators.router)
    app.include_router(admin.router)
    app.include_router(openai_compat.router)
    app.include_router(web.router)
    app.include_router(webhooks_router)
    app.mount("/static", StaticFiles(directory=web.STATIC_DIR), name="static")
    _offline_docs(app)

    api = settings.api
    if api.api_key is not None:
        page = api.public_page
        app.add_middleware(
            ApiKeyMiddleware,
            key=api.api_key.get_secret_value(),
            open_paths=OPEN_PATHS + (PAGE_PATHS if page else ()),
            open_prefixes=WEBHOOK_PREFIXES + (PAGE_PREFIXES if page else ()),
        )
    app.add_middleware(
        BodyLimitMiddleware,
        limit=api.max_body_bytes,
        path_limits={("POST", "/documents"): settings.index.max_upload_bytes + 64_000},
    )
    if api.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=api.cors_origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["*"],
        )
    app.add_middleware(AccessLogMiddleware, log_questions=api.log_questions)
    _ensure_access_log_handler()
    return app


def _offline_docs(app: FastAPI) -> None:
    """/docs (Swagger UI 5, which reads OpenAPI 3.1) with its JavaScript and CSS from the pinned `fastapi-offline`
    package, so the page works with no internet; /redoc is off."""
    from importlib.resources import files

    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse

    assets = files("fastapi_offline") / "static"
    app.mount("/docs-static", StaticFiles(directory=str(assets)), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="reportqa API",
            swagger_js_url="/docs-static/swagger-ui-bundle.js",
            swagger_css_url="/docs-static/swagger-ui.css",
            swagger_favicon_url="/docs-static/favicon.png",
            # No validator badge: it is an image from validator.swagger.io, unreachable on an intranet.
            swagger_ui_parameters={"validatorUrl": None},
        )


def _ensure_access_log_handler() -> None:
    """Print access lines to stderr unless the host process configured logging itself."""
    logger = logging.getLogger("reportqa.access")
    if logger.handlers or logging.getLogger().handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
