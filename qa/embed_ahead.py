"""Embedding a build's passages while its reports are still being parsed, without changing a single vector.

A build parses every report before it knows which near-duplicate copies it drops, and only then embeds what it
keeps, shard by shard, `batch` passages per call to the embedder. The embedder's results depend (in the last bits)
on which texts share a call, so embedding earlier must make exactly the calls the build would make later. This
module makes them speculatively: as each report is parsed, its passages that need embedding join its shard's queue,
and every full call (and a shard's last, partial one) is embedded in the build's embedding thread, its vectors
written to a file. When the build reaches a shard, each of its calls takes the speculative vectors if that call
holds the same content keys, in the same order, as the speculative one; otherwise (a report dropped as a
near-duplicate changed the calls from there on) it embeds them as before. With no duplicate, every call is ready.

At most `ahead` calls wait to be embedded: parsing pauses when embedding falls that far behind, so memory stays
bounded on any corpus.

Where it is safe, the speculative calls run in a forked process (`embedding_process`) rather than in the build's
embedding thread: the embedder's numpy code takes the GIL back between its matrix products, and a thread running
it beside the parser (pure Python) waits for the GIL at every step. Measured on dev1's 762 passages: 1.04 s to
embed alone, 32 s in a thread beside a Python loop at the default switch interval, 1.8-2.0 s for a whole build
with the thread, 1.3 s with the forked process, 1.0 s with two forked processes on the 2 cores (once parsing ends, both
cores embed; `embedding_processes`).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np

from embeddings.base import Embedder

_FORKED: Embedder | None = None  # the embedder a forked embedding process inherits


def embedding_processes() -> int:
    """How many forked embedding processes a build runs: REPORTQA_EMBEDDING_PROCESSES, else one per usable core
    (at most 4). While the build parses, they share the cores with it; once it has parsed, every core embeds
    (dev1: 1.31 s with one process, 1.00 s with two, on 2 cores; vectors identical, BENCHMARKS.md)."""
    raw = os.environ.get("REPORTQA_EMBEDDING_PROCESSES", "").strip()
    if raw:
        try:
            return max(1, int(raw))
        except ValueError:
            raise ValueError(f"REPORTQA_EMBEDDING_PROCESSES must be a whole number, not {raw!r}") from None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(4, cores))


def embedding_process(embedder: Embedder) -> ProcessPoolExecutor | None:
    """Processes forked from this one that embed with its embedder (its model, when loaded, comes along), or None.

    Only when forking is safe: the embedder says it is (`fork_safe`: numpy and OpenBLAS, no OpenMP or torch thread
    pools), the platform forks, and this process runs no other Python thread (a server's threads may hold locks
    the child would inherit held).
    """
    global _FORKED
    if not getattr(embedder, "fork_safe", False) or threading.active_count() > 1:
        return None
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    _FORKED = embedder
    try:
        process = ProcessPoolExecutor(
            max_workers=embedding_processes(), mp_context=multiprocessing.get_context("fork"), initializer=_exit_with,
            initargs=(os.getpid(),),
        )
        process.submit(int).result()  # forks them all now (the fork context starts every worker at once), while _FORKED is set
        return process
    except (OSError, BrokenProcessPool):
        return None
    finally:
        _FORKED = None


def _exit_with(parent: int) -> None:
    """In the embedding process: exit once the build that forked it is gone (killed, say) instead of lingering; it
    holds both ends of its own pipes, so it would never read an end of input."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(0)

    threading.Thread(target=watch, name="reportqa-embed-parent", daemon=True).start()


def _embed_forked(path: Path, texts: list[str]) -> Path:
    if _FORKED is None:
        raise RuntimeError("the embedding process has no embedder")
    _FORKED.embed(texts).tofile(path)
    return path


class EmbedAhead:
    """Speculative embedder calls of a build, made in `executor` (one worker, first in, first out) or in the
    forked `process` pool (each call whole in one process, so its vectors are the ones the build would make)."""

    def __init__(
        self,
        embedder: Embedder,
        executor: ThreadPoolExecutor,
        scratch: Path,
        batch: int,
        ahead: int = 32,
        process: ProcessPoolExecutor | None = None,
    ) -> None:
        self._embedder = embedder
        self._executor = executor
        self._process = process
        self._scratch = scratch
        self._batch = batch
        self._ahead = ahead
        self._shards: list[list[tuple[tuple[str, ...], Future[Path]]]] = [[]]
        self._keys: list[str] = []
        self._texts: list[str] = []
        self._inflight: deque[Future[Path]] = deque()

    def add(self, keys: Sequence[str], texts: Sequence[str]) -> None:
        """Queue passages (content key, text) of the current shard that the build will embed, in build order."""
        self._keys.extend(keys)
        self._texts.extend(texts)
        while len(self._keys) >= self._batch:
            self._submit(self._batch)

    def end_shard(self) -> None:
        """The current shard is complete: embed its last, partial call and start the next shard."""
        if self._keys:
            self._submit(len(self._keys))
        self._shards.append([])

    def take(self, shard: int, call: int, keys: Sequence[str]) -> np.ndarray | None:
        """The vectors of the shard's `call`-th embedder call when it holds exactly `keys`, else None.

        Call it from the executor's worker only: every speculative call was submitted before, so it is done.
        """
        calls = self._shards[shard] if shard < len(self._shards) else []
        if call >= len(calls) or calls[call][0] != tuple(keys):
            return None
        try:
            path = calls[call][1].result()
        except BrokenProcessPool:  # the embedding process died (killed for memory, say): embed here instead
            return None
        vectors = np.fromfile(path, dtype=np.float32).reshape(len(keys), -1)
        path.unlink()
        return vectors

    def _submit(self, n: int) -> None:
        keys, texts = tuple(self._keys[:n]), self._texts[:n]
        del self._keys[:n], self._texts[:n]
        calls = self._shards[-1]
        path = self._scratch / f"ahead-{len(self._shards) - 1:06d}-{len(calls):06d}.f32"
        while self._inflight and (self._inflight[0].done() or len(self._inflight) >= self._ahead):
            try:
                self._inflight.popleft().result()  # an embedder error surfaces here, not at the end of parsing
            except BrokenProcessPool:
                self._process = None  # its calls are embedded again when the build reaches them
        future: Future[Path]
        if self._process is not None:
            try:
                future = self._process.submit(_embed_forked, path, texts)
            except BrokenProcessPool:
                self._process = None
        if self._process is None:
            future = self._executor.submit(self._embed_to, path, texts)
        calls.append((keys, future))
        self._inflight.append(future)

    def _embed_to(self, path: Path, texts: list[str]) -> Path:
        self._embedder.embed(texts).tofile(path)
        return path
