"""What routes depend on: the engine (loaded once, off the event loop), the conversation store, settings."""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import Depends, Request

from qa.conversations import ConversationStore, open_conversation_store
from qa.errors import IndexNotFound, ReportQAError, UnreadableDocument
from qa.settings import Settings
from qa.types import Answer, Document, Filters, IndicatorRow, Review, Turn

T = TypeVar("T")
logger = logging.getLogger("reportqa.server")


class Engine(Protocol):
    """What the API needs of `qa.engine.QAEngine`."""

    def ask(
        self, question: str, conversation: Sequence[Turn] = (), filters: Filters | None = None
    ) -> Answer: ...

    def documents(self) -> list[dict[str, Any]]: ...

    def document(self, doc_id: str) -> Document: ...

    def passage(self, doc_id: str, start: int, end: int) -> dict[str, Any]: ...

    def stats(self) -> dict[str, Any]: ...

    def reviews(self) -> list[Review]: ...

    def review(self, doc_id: str) -> Review: ...

    def indicators(self) -> list[IndicatorRow]: ...


def _load_error(exc: BaseException) -> ReportQAError:
    if isinstance(exc, ReportQAError):
        return exc
    return IndexNotFound(
        f"The index could not be loaded ({type(exc).__name__}: {exc}); "
        "run `reportqa index build` and restart the server."
    )


class Services:
    """Everything one app instance shares: settings, engine, store and the answering thread pool.

    The engine loads in the pool while the server already accepts connections, so `/healthz`
    answers at once; requests that need the engine wait for the load, then get the engine or
    the load's error (a 503 that says to run `reportqa index build`).
    """

    def __init__(
        self,
        settings: Settings,
        engine: Engine | None = None,
        store: ConversationStore | None = None,
    ) -> None:
        self.settings = settings
        self._engine = engine
        self._engine_error: ReportQAError | None = None
        self._loading: asyncio.Future[Engine] | None = None
        self._store = store
        self._owns_store = store is None
        self._executor: ThreadPoolExecutor | None = None
        self._reload_lock = asyncio.Lock()
        self._ingest_lock = asyncio.Lock()

    @property
    def executor(self) -> ThreadPoolExecutor:
        """The pool that runs CPU-bound answering, sized by `settings.api.workers`."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                max_workers=self.settings.api.workers, thread_name_prefix="reportqa-answer"
            )
        return self._executor

    @property
    def store(self) -> ConversationStore:
        """The conversation store (`settings.api.state_backend`: SQLite or Redis) unless one was injected."""
        if self._store is None:
            self._store = open_conversation_store(self.settings.api)
        return self._store

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking call in the answering pool."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(fn, *args, **kwargs))

    def start_loading(self) -> None:
        """Begin loading the engine in the pool unless one was injected or a load is under way."""
        if self._engine is not None or self._loading is not None:
            return
        self._loading = asyncio.ensure_future(self.run(_load_engine, self.settings))

    async def engine(self) -> Engine:
        """The loaded engine; raises the load's error (503) when there is none."""
        if self._engine is not None:
            return self._engine
        if self._engine_error is None:
            self.start_loading()
            assert self._loading is not None
            try:
                self._engine = await asyncio.shield(self._loading)
                return self._engine
            except Exception as exc:
                self._engine_error = _load_error(exc)
        raise self._engine_error

    def status(self) -> tuple[str, Engine | ReportQAError | None]:
        """('ready', engine), ('loading', None) or ('failed', error), without waiting."""
        if self._engine is not None:
            return "ready", self._engine
        if self._loading is not None and self._loading.done() and self._engine_error is None:
            exc = self._loading.exception()
            if exc is None:
                self._engine = self._loading.result()
                return "ready", self._engine
            self._engine_error = _load_error(exc)
        if self._engine_error is not None:
            return "failed", self._engine_error
        return "loading", None

    async def reload(self) -> dict[str, Any]:
        """Load the index version now on disk and swap it in; requests in flight finish on the old one."""
        async with self._reload_lock:
            engine = await self.run(_load_engine, self.settings)
            self._engine, self._engine_error, self._loading = engine, None, None
            stats: dict[str, Any] = engine.stats()
            logger.info("index reloaded: %s (%s documents)", stats.get("version"), stats.get("documents"))
            return stats

    def loaded_version(self) -> str | None:
        """The index version directory the engine serves, when known."""
        engine = self._engine
        path = getattr(getattr(engine, "index", None), "path", None)
        return str(path) if path is not None else None

    async def watch_index(self, interval_s: float) -> None:
        """Hot-reload when the index path points at a new version (after `index build/add/remove`)."""
        path = self.settings.index.path
        while True:
            await asyncio.sleep(interval_s)
            try:
                if not path.exists():
                    continue
                current = os.path.realpath(path)
                status, _ = self.status()
                if status == "failed" or (status == "ready" and self.loaded_version() not in (None, current)):
                    await self.reload()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a bad new version: keep serving the old one
                logger.error("index reload failed, still serving %s: %s", self.loaded_version(), exc)

    async def ingest(self, path: Path) -> dict[str, Any]:
        """Add one uploaded report to the index, then reload; returns what was extracted."""
        from qa.corpus_index import CorpusIndex
        from qa.documents import read_options

        engine = await self.engine()
        embedder = getattr(engine, "embedder", None)
        if embedder is None:
            raise ReportQAError("this server's engine cannot ingest documents")
        async with self._ingest_lock:
            report = await self.run(
                CorpusIndex.add, [path], self.settings.index.path, embedder,
                max_file_bytes=self.settings.index.max_upload_bytes,
                reading=read_options(self.settings, max_bytes=self.settings.index.max_upload_bytes),
            )
            if report.skipped:
                raise UnreadableDocument(report.skipped[0][1])
            await self.reload()
        new_engine = await self.engine()
        doc = next((d for d in new_engine.documents() if d["source"] == path.name), None)
        return {"document": doc, "added": report.added, "updated": report.updated, "unchanged": report.unchanged,
                "duplicates": [d.dropped for d in report.duplicates]}

    async def remove(self, doc_id: str) -> dict[str, Any]:
        """Remove one report by id (an uploaded one leaves the kept files too), then reload."""
        from qa.corpus_index import CorpusIndex

        engine = await self.engine()
        engine.document(doc_id)  # DocumentNotFound (404) before any work
        embedder = getattr(engine, "embedder", None)
        if embedder is None:
            raise ReportQAError("this server's engine cannot remove documents")
        async with self._ingest_lock:
            report = await self.run(
                CorpusIndex.remove, [doc_id], self.settings.index.path, embedder, index_kind=self.settings.index.kind
            )
            await self.reload()
        return {
            "removed": doc_id,
            "documents": report.documents,
            "uploaded": bool(report.forgotten),
            "note": None
            if report.forgotten
            else "this report comes from the corpus folder: delete its file there too, or the next "
            "`reportqa index build` indexes it again",
        }

    def close(self) -> None:
        """Release the pool and the store this instance opened; a later start opens them afresh."""
        if self._loading is not None and not self._loading.done():
            self._loading.cancel()
            self._loading = None
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        if self._owns_store and self._store is not None:
            close = getattr(self._store, "close", None)
            if close is not None:
                close()
            self._store = None


def _load_engine(settings: Settings) -> Engine:
    from qa.engine import QAEngine

    engine: Engine = QAEngine.load(settings)
    # The index is a few hundred thousand long-lived objects; keeping them out of the cyclic
    # collector's full passes removes pauses of tens of milliseconds from the latency tail.
    gc.collect()
    gc.freeze()
    return engine


async def get_services(request: Request) -> Services:
    """The app's shared services."""
    services: Services = request.app.state.services
    return services


async def get_engine(request: Request) -> Engine:
    """The loaded engine, or a 503 saying how to build the index."""
    services: Services = request.app.state.services
    return await services.engine()


async def get_settings(request: Request) -> Settings:
    """The app's settings."""
    services: Services = request.app.state.services
    return services.settings


async def get_store(request: Request) -> ConversationStore:
    """The conversation store."""
    services: Services = request.app.state.services
    return services.store


ServicesDep = Annotated[Services, Depends(get_services)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[ConversationStore, Depends(get_store)]
