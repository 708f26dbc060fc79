"""The BM25 score matrix's column order: scipy's transposition of passage-ordered postings equals a sort."""

from __future__ import annotations

import numpy as np

from qa.lexical import BM25Builder, _term_major


def test_transposing_passage_ordered_postings_equals_sorting_them() -> None:
    rng = np.random.default_rng(0)
    builder = BM25Builder()
    builder.add([[f"t{int(x)}" for x in rng.integers(0, 300, rng.integers(1, 40))] for _ in range(500)])
    p = builder.postings()
    data = rng.random(len(p.rows)).astype(np.float32)
    n, n_vocab = len(p.lengths), len(builder.vocab)
    assert np.all(p.rows[1:] >= p.rows[:-1]), "a builder keeps its postings in passage order"
    got_data, got_rows = _term_major(data, p.rows, p.terms, n, n_vocab)
    order = np.argsort((p.terms.astype(np.int64) << 32) | p.rows.astype(np.int64))
    assert np.array_equal(got_data, data[order]) and np.array_equal(got_rows, p.rows[order])
    assert got_rows.dtype == p.rows.dtype
    shuffle = rng.permutation(len(p.rows))  # any other order is sorted, to the same result
    again_data, again_rows = _term_major(data[shuffle], p.rows[shuffle], p.terms[shuffle], n, n_vocab)
    assert np.array_equal(again_data, data[order]) and np.array_equal(again_rows, p.rows[order])
