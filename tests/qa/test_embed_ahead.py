"""Embedding while parsing (qa.embed_ahead) gives the index the vectors the build would have computed afterwards."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np
import pytest

from embeddings.hashing import HashingEmbedder
from embeddings.store import resolve
from qa import corpus_index
from qa.corpus_index import CorpusIndex
from qa.embed_ahead import EmbedAhead, embedding_process
from tests.conftest import ROOT, SEEDS


class CallSensitiveEmbedder:
    """Hashing vectors nudged by the size of the call they were embedded in, like a real model's last bits."""

    name = "hash-calls"
    dim = 64
    fork_safe = False

    def __init__(self) -> None:
        self.inner = HashingEmbedder(self.dim)
        self.calls: list[tuple[str, ...]] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(tuple(texts))
        v = self.inner.embed(texts)
        v[:, 0] += len(texts) * 1e-3
        return v


def vectors(index: Path) -> np.ndarray:
    vi = faiss.read_index(str(resolve(index) / "vectors.faiss"))
    return vi.reconstruct_n(0, vi.ntotal)


def build_without_speculation(corpus: Path, index: Path, embedder: object, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as m:
        m.setattr(EmbedAhead, "add", lambda self, keys, texts: None)
        CorpusIndex.build([corpus], index, embedder, shard_docs=2)  # type: ignore[arg-type]


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    d = tmp_path / "corpus"
    shutil.copytree(SEEDS, d)
    return d


def test_the_speculative_calls_are_the_calls_the_build_makes(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(corpus_index, "EMBED_BATCH", 50)
    ahead, after = CallSensitiveEmbedder(), CallSensitiveEmbedder()
    CorpusIndex.build([corpus], tmp_path / "ahead", ahead, shard_docs=2)  # type: ignore[arg-type]
    build_without_speculation(corpus, tmp_path / "after", after, monkeypatch)
    assert len(after.calls) > 3
    assert ahead.calls == after.calls
    assert np.array_equal(vectors(tmp_path / "ahead"), vectors(tmp_path / "after"))


def test_a_dropped_duplicate_makes_the_calls_after_it_again(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(corpus_index, "EMBED_BATCH", 50)
    first = sorted(corpus.glob("*.txt"))[1]
    (corpus / ("000_copy_" + first.name)).write_text("转发\n" + first.read_text(encoding="utf-8"), encoding="utf-8")
    ahead, after = CallSensitiveEmbedder(), CallSensitiveEmbedder()
    report = CorpusIndex.build([corpus], tmp_path / "ahead", ahead, shard_docs=2)  # type: ignore[arg-type]
    build_without_speculation(corpus, tmp_path / "after", after, monkeypatch)
    assert len(report.duplicates) == 1
    assert set(after.calls) < set(ahead.calls)  # the speculative calls past the dropped copy were not used
    assert np.array_equal(vectors(tmp_path / "ahead"), vectors(tmp_path / "after"))


FORKED_BUILD = """
import sys
from pathlib import Path
from embeddings.hashing import HashingEmbedder
from qa.corpus_index import CorpusIndex
from qa.embed_ahead import embedding_process
process = embedding_process(HashingEmbedder())
assert process is not None, "no embedding process in a process without other threads"
import os
assert len(process._processes) == int(os.environ["REPORTQA_EMBEDDING_PROCESSES"])  # every worker forked at once
process.shutdown()
CorpusIndex.build([Path(sys.argv[1])], Path(sys.argv[2]), HashingEmbedder(), shard_docs=2)
"""


@pytest.mark.parametrize("processes", [1, 2])
def test_a_forked_process_embeds_the_same_vectors(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, processes: int
) -> None:
    # In a fresh interpreter: this test process may run other threads, beside which the build never forks.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "REPORTQA_EMBEDDING_PROCESSES": str(processes)}
    run = subprocess.run(
        [sys.executable, "-c", FORKED_BUILD, str(corpus), str(tmp_path / "forked")], env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    build_without_speculation(corpus, tmp_path / "after", HashingEmbedder(), monkeypatch)
    assert np.array_equal(vectors(tmp_path / "forked"), vectors(tmp_path / "after"))


def test_no_process_is_forked_beside_other_threads() -> None:
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert embedding_process(HashingEmbedder()) is None
    finally:
        stop.set()
        t.join()


ORPHANED = """
import os, signal
from embeddings.hashing import HashingEmbedder
from qa.embed_ahead import embedding_process
process = embedding_process(HashingEmbedder())
assert process is not None
print(*process._processes, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_the_embedding_process_exits_when_the_build_is_killed() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run([sys.executable, "-c", ORPHANED], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == -9, run.stderr
    child = int(run.stdout.split()[0])
    deadline = time.monotonic() + 10
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running(child), "the forked embedding process outlived the killed build"


def test_the_number_of_embedding_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    from qa.embed_ahead import embedding_processes

    monkeypatch.setenv("REPORTQA_EMBEDDING_PROCESSES", "3")
    assert embedding_processes() == 3
    monkeypatch.setenv("REPORTQA_EMBEDDING_PROCESSES", "many")
    with pytest.raises(ValueError, match="whole number"):
        embedding_processes()
    monkeypatch.delenv("REPORTQA_EMBEDDING_PROCESSES")
    assert 1 <= embedding_processes() <= 4
