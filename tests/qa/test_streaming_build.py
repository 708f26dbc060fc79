"""The streaming build: shards give the same index as one batch, BM25 postings equal bm25s's own build."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import qa.corpus_index as corpus_index
from embeddings.factory import make_embedder
from qa.corpus_index import CorpusIndex
from qa.documents import iter_report_files, read_document
from qa.lexical import BM25Builder, BM25Index, Tokenizer
from tests.conftest import SEEDS


def _seed_tokens() -> list[list[str]]:
    parsed = [read_document(f, s) for f, s in iter_report_files([SEEDS])]
    tok = Tokenizer(extra_words=[pd.document.metadata.town for pd in parsed if pd.document.metadata.town])
    return [CorpusIndex.lexical_tokens(tok, p) for pd in parsed for p in pd.passages]


def test_bm25_from_postings_scores_exactly_as_bm25s() -> None:
    tokens = _seed_tokens()
    tokens[3] = []  # a passage without tokens, which bm25s indexes as [""]
    reference = BM25Index.build(tokens)
    builder = BM25Builder()
    builder.add(tokens[:100])
    builder.add(tokens[100:])
    built = builder.build()
    assert built.n_docs == reference.n_docs == len(tokens)
    assert built.doc_freq == reference.doc_freq
    terms = sorted(reference.doc_freq)
    assert len(terms) > 1000
    for t in terms:
        assert np.array_equal(built.scores([t]), reference.scores([t])), t
    assert np.array_equal(built.scores(terms[:40]), reference.scores(terms[:40]))


def test_a_build_in_shards_of_two_reports_equals_one_in_a_single_shard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one = CorpusIndex.build([SEEDS], tmp_path / "one", make_embedder("hash"))
    monkeypatch.setattr(corpus_index, "SHARD_DOCS", 2)
    sharded = CorpusIndex.build([SEEDS], tmp_path / "sharded", make_embedder("hash"))
    assert (sharded.documents, sharded.passages, sharded.claims) == (one.documents, one.passages, one.claims) == (5, 348, 82)
    a, b = CorpusIndex.load(tmp_path / "one"), CorpusIndex.load(tmp_path / "sharded")
    for name in ("documents.jsonl", "passages.jsonl", "claims.jsonl"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "sharded" / name).read_bytes()
    assert np.array_equal(a.vectors.reconstruct_all(), b.vectors.reconstruct_all())
    for t in ("行政", "执法", "合规率", "和谦镇"):
        assert np.array_equal(a.bm25.scores([t]), b.bm25.scores([t]))
    assert not list(tmp_path.glob(".*building*")), "no staging or shard files are left behind"


def test_a_rebuild_reuses_every_vector_shard_by_shard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(corpus_index, "SHARD_DOCS", 2)
    first = CorpusIndex.build([SEEDS], tmp_path / "idx", make_embedder("hash"))
    vectors = CorpusIndex.load(tmp_path / "idx").vectors.reconstruct_all()
    again = CorpusIndex.build([SEEDS], tmp_path / "idx", make_embedder("hash"))
    assert (again.embedded, again.reused, again.unchanged) == (0, first.passages, 5)
    assert np.array_equal(CorpusIndex.load(tmp_path / "idx").vectors.reconstruct_all(), vectors)
