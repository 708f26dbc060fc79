from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from embeddings.factory import make_embedder
from embeddings.store import Manifest, new_version_dir, publish, read_manifest, resolve
from embeddings.vector_index import VectorIndex
from qa.corpus_index import CorpusIndex
from qa.errors import IndexCorrupt, IndexMismatch, IndexNotFound
from tests.conftest import SEEDS


def _unit(n: int, d: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_search_save_load_and_restricted_search(tmp_path: Path, kind: str) -> None:
    v = _unit(500, 32)
    idx = VectorIndex.build(v, kind)  # type: ignore[arg-type]
    scores, ids = idx.search(v[7], 3)
    assert ids[0][0] == 7 and scores[0][0] == pytest.approx(1.0, abs=1e-5)
    idx.save(tmp_path / "v.faiss")
    again = VectorIndex.load(tmp_path / "v.faiss")
    assert again.kind == kind and again.size == 500
    allowed = np.array([3, 9, 400], dtype=np.int64)
    _, ids = again.search(v[7], 10, allowed)
    assert set(ids[0][ids[0] >= 0].tolist()) <= {3, 9, 400}
    np.testing.assert_allclose(again.reconstruct([9])[0], v[9], rtol=1e-5)


def test_publish_swaps_atomically_and_keeps_old_until_done(tmp_path: Path) -> None:
    path = tmp_path / "index"
    for i in range(2):
        staging = new_version_dir(path)
        (staging / "data.txt").write_text(str(i))
        publish(staging, path, Manifest("e", 4, f"fp{i}"))
        assert path.is_symlink()
        assert (path / "data.txt").read_text() == str(i)
        m = read_manifest(path)
        assert m is not None and m.fingerprint == f"fp{i}"


def test_interrupted_build_leaves_the_last_good_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "index"
    CorpusIndex.build([SEEDS], path, make_embedder("hash"))
    good = resolve(path)

    def boom(*a: object, **k: object) -> None:
        raise KeyboardInterrupt("killed mid-build")

    monkeypatch.setattr("qa.corpus_index.BM25Index.save", boom)
    with pytest.raises(KeyboardInterrupt):
        CorpusIndex.build([SEEDS], path, make_embedder("hash"))
    assert resolve(path) == good
    assert len(CorpusIndex.load(path, make_embedder("hash")).documents) == 5


def test_rebuild_reuses_vectors_of_unchanged_passages(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    for f in SEEDS.glob("*.txt"):
        (corpus / f.name).write_bytes(f.read_bytes())
    path = tmp_path / "index"
    first = CorpusIndex.build([corpus], path, make_embedder("hash"))
    assert first.reused == 0
    (corpus / "extra.txt").write_text("2024年,新桥镇开展普法活动12场。\n一、主要成效\n新桥镇全年调解纠纷30起。", encoding="utf-8")
    second = CorpusIndex.build([corpus], path, make_embedder("hash"))
    assert second.reused == first.passages
    assert second.embedded == second.passages - first.passages


def test_load_refuses_missing_mismatched_and_truncated(tmp_path: Path, seed_index: Path) -> None:
    with pytest.raises(IndexNotFound, match="reportqa index build"):
        CorpusIndex.load(tmp_path / "nothing")
    with pytest.raises(IndexMismatch, match="reportqa index build"):
        CorpusIndex.load(seed_index, make_embedder("hash-64"))
    copy = tmp_path / "copy"
    os.system(f"cp -rL {seed_index} {copy}")
    with open(copy / "passages.jsonl", "r+", encoding="utf-8") as fh:
        lines = fh.readlines()
        fh.seek(0)
        fh.writelines(lines[:-10])
        fh.truncate()
    with pytest.raises(IndexCorrupt, match="rebuild"):
        CorpusIndex.load(copy)
    (copy / "vectors.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexCorrupt):
        CorpusIndex.load(copy)
