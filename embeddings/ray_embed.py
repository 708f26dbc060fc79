"""Embedding on a Ray cluster (extra `[ray]`): Ray Data `map_batches` over an actor pool, one embedder per actor.

Each `embed(texts)` call is one Ray Data job: the texts go into the object store with their positions, a fixed
pool of `workers` actors (each loads the embedder once, in its constructor) embeds batches of `batch_size`, and
the vectors come back in input order. A worker process that dies is restarted and its batch retried
(`max_restarts`, `max_task_retries`); a batch that keeps failing fails the job instead of hanging it.

With no address a local Ray is started (`ray.init(num_cpus=workers)`). An address is checked with a plain TCP
connect first, so an unreachable cluster fails in seconds rather than after Ray's own connection retries.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from embeddings.base import EmbeddingError

RAY_MAX_RESTARTS = 3  # a dead actor is recreated this many times
RAY_MAX_TASK_RETRIES = 3  # a batch whose actor died is retried this many times
CONNECT_TIMEOUT_S = 3.0
CONNECT_RETRIES = 3


class _EmbedActor:
    """One embedder per Ray actor, loaded once when the actor starts; subclassed per model by `_actor_for`."""

    model = ""

    def __init__(self) -> None:
        from embeddings.factory import make_embedder

        self._embedder = make_embedder(self.model, threads=1)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = self._embedder.embed([str(t) for t in batch["text"]])
        return {"i": batch["i"], "vector": vectors}


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence file descriptor 2 while Ray connects: its C++ core logs each retry there; the error we raise says it all."""
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _actor_for(model: str) -> type[_EmbedActor]:
    """The actor class with the model name baked in: no constructor arguments to keep in the object store."""
    return type("EmbedActor", (_EmbedActor,), {"model": model})


def check_reachable(address: str, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
    """Raise EmbeddingError unless something listens at the address's host:port ('auto' is left to Ray)."""
    if address == "auto":
        return
    hostport = address.split("://", 1)[-1].rstrip("/")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise EmbeddingError(f"--ray-address {address!r} is not host:port (e.g. 10.0.0.5:6379 or ray://10.0.0.5:10001)")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s):
            pass
    except OSError as e:
        raise EmbeddingError(
            f"no Ray cluster answers at {address} ({e.strerror or e}); start one with `ray start --head` "
            "and pass its address, or leave out --ray-address to run Ray locally"
        ) from e


class RayEmbedder:
    """Embeds through Ray Data; `name` and `dim` are those of the wrapped model, so indexes are interchangeable."""

    def __init__(
        self,
        model: str,
        local: Any,
        *,
        address: str | None = None,
        workers: int = 2,
        batch_size: int = 256,
        actor: type[_EmbedActor] | None = None,
    ) -> None:
        self._actor = actor or _actor_for(model)
        self._local = local
        self._address = address
        self.workers = workers
        self._batch_size = batch_size
        self._started = False

    @property
    def name(self) -> str:
        return str(self._local.name)

    @property
    def batch_size(self) -> int:
        """Passages per build call: each call is a Ray Data job, whose fixed cost a larger call spreads thinner."""
        return self._batch_size

    @property
    def dim(self) -> int:
        return int(self._local.dim)

    def start(self) -> None:
        """Connect to the cluster (or start a local Ray) once; EmbeddingError says what to do when that fails."""
        if self._started:
            return
        # Ray's own chatter (job summaries, a C++ note about actor restarts) would bury the build's one-line report.
        os.environ.setdefault("RAY_DATA_LOG_LEVEL", "WARNING")
        os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
        # Ray retries a silent cluster 20 times a second apart; 3 tries is enough to tell it is not there.
        os.environ.setdefault("RAY_NUM_REDIS_GET_RETRIES", str(CONNECT_RETRIES))
        try:
            import ray
        except ImportError as e:
            raise EmbeddingError("--embed-with ray needs Ray: pip install 'reportqa[ray]'") from e
        if self._address:
            check_reachable(self._address)
        try:
            with _quiet_stderr():
                if not ray.is_initialized():
                    if self._address:
                        ray.init(address=self._address, logging_level=logging.ERROR, log_to_driver=False)
                    else:
                        ray.init(num_cpus=self.workers, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
        except (ConnectionError, RuntimeError, TimeoutError) as e:
            if self._address:
                raise EmbeddingError(
                    f"no Ray cluster answers at {self._address} (something listens there, but not Ray's GCS); pass the "
                    "address `ray start --head` printed, or leave out --ray-address to run Ray locally"
                ) from e
            raise EmbeddingError(f"could not start a local Ray ({e}); check `ray status` and free memory") from e
        ctx = ray.data.DataContext.get_current()
        ctx.print_on_execution_start = False
        self._started = True

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, in order, embedded by the actor pool."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        self.start()
        import ray

        # Enough blocks for every actor to get work (one block would feed one actor), at most a batch a block.
        blocks = max(1, min(-(-len(texts) // self._batch_size), self.workers * 4))
        ds = ray.data.from_items([{"i": i, "text": t} for i, t in enumerate(texts)], override_num_blocks=blocks)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Ray 2.60 flags max_restarts/max_task_retries as to-be-renamed
            out = ds.map_batches(
                self._actor,
                compute=ray.data.ActorPoolStrategy(size=self.workers),
                batch_size=self._batch_size,
                batch_format="numpy",
                num_cpus=1,
                max_restarts=RAY_MAX_RESTARTS,
                max_task_retries=RAY_MAX_TASK_RETRIES,
            )
        try:
            ids: list[np.ndarray] = []
            rows: list[np.ndarray] = []
            for batch in out.iter_batches(batch_size=None, batch_format="numpy"):
                ids.append(np.asarray(batch["i"], dtype=np.int64))
                rows.append(np.asarray(batch["vector"], dtype=np.float32))
        except Exception as e:  # a Ray task or actor error after the retries
            raise EmbeddingError(f"embedding on Ray failed after {RAY_MAX_TASK_RETRIES} retries: {str(e).splitlines()[0]}") from e
        order = np.concatenate(ids)
        vectors = np.empty((len(texts), self.dim), dtype=np.float32)
        vectors[order] = np.vstack(rows)
        if len(order) != len(texts) or len(np.unique(order)) != len(texts):
            raise EmbeddingError(f"Ray returned {len(order)} vectors for {len(texts)} texts; run the build again")
        return vectors

    def shutdown(self) -> None:
        """Leave the cluster (and stop a local Ray)."""
        if self._started:
            import ray

            ray.shutdown()
            self._started = False
