"""Embedding on Ray (extra [ray]): Ray Data actors give the local vectors, survive a dying worker, fail fast."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from embeddings.base import EmbeddingError
from embeddings.factory import make_embedder
from embeddings.ray_embed import RayEmbedder, _EmbedActor
from qa.documents import iter_report_files, read_document
from tests.conftest import SEEDS

pytest.importorskip("ray")
pytestmark = pytest.mark.integration

FLAG = "REPORTQA_TEST_DIE_FLAG"


class DiesOnce(_EmbedActor):
    """Kills its own worker process on the first batch it sees (once per flag file), then embeds normally."""

    model = "hash-512"

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        flag = Path(os.environ[FLAG])
        if not flag.exists():
            flag.write_text("died")
            os._exit(1)
        return super().__call__(batch)


class AlwaysDies(_EmbedActor):
    model = "hash-512"

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        os._exit(1)


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [p.text for f, s in iter_report_files([SEEDS]) for p in read_document(f, s).passages]


@pytest.fixture(scope="module")
def ray_local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    os.environ[FLAG] = str(tmp_path_factory.mktemp("ray") / "died")
    r = RayEmbedder("hash-512", make_embedder("hash-512"), workers=2)
    r.start()
    yield
    r.shutdown()


def test_ray_vectors_equal_local_vectors(ray_local: None, texts: list[str]) -> None:
    r = RayEmbedder("hash-512", make_embedder("hash-512"), workers=2, batch_size=64)
    v = r.embed(texts)
    assert v.shape == (348, 512)
    assert np.array_equal(v, make_embedder("hash-512").embed(texts))


def test_a_worker_that_dies_is_restarted_and_its_batch_retried(ray_local: None, texts: list[str]) -> None:
    r = RayEmbedder("hash-512", make_embedder("hash-512"), workers=1, batch_size=64, actor=DiesOnce)
    v = r.embed(texts)
    assert Path(os.environ[FLAG]).read_text() == "died"
    assert np.array_equal(v, make_embedder("hash-512").embed(texts))


def test_a_worker_that_always_dies_fails_the_job_instead_of_hanging(ray_local: None, texts: list[str]) -> None:
    r = RayEmbedder("hash-512", make_embedder("hash-512"), workers=1, batch_size=64, actor=AlwaysDies)
    t0 = time.monotonic()
    with pytest.raises(EmbeddingError, match="embedding on Ray failed after 3 retries"):
        r.embed(texts[:10])
    assert time.monotonic() - t0 < 120


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("address", ["127.0.0.1:{port}", "ray://127.0.0.1:{port}", "nonsense"])
def test_an_unreachable_ray_address_fails_in_seconds_with_one_line(tmp_path: Path, address: str) -> None:
    address = address.format(port=_closed_port())
    t0 = time.monotonic()
    p = subprocess.run(
        [sys.executable, "-m", "qa", "index", "build", str(SEEDS), "--index", str(tmp_path / "idx"),
         "--embed-with", "ray", "--ray-address", address],
        capture_output=True, text=True, env={**os.environ, "REPORTQA_EMBEDDING_MODEL": "hash"}, timeout=60,
    )
    assert time.monotonic() - t0 < 20
    assert p.returncode == 1
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    if address == "nonsense":
        assert lines[0] == "error: --ray-address 'nonsense' is not host:port (e.g. 10.0.0.5:6379 or ray://10.0.0.5:10001)"
    else:
        assert lines[0].startswith(f"error: no Ray cluster answers at {address} (Connection refused); start one with `ray start --head`")
    assert not (tmp_path / "idx").exists()
