"""Updates in time proportional to the change: add/replace/remove from the stored rows, equal to a full build."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import qa.corpus_index as corpus_index
from bench.generate_corpus import write_corpus
from embeddings.factory import make_embedder
from embeddings.store import resolve
from qa.corpus_index import CorpusIndex
from qa.engine import QAEngine
from qa.lexical import Tokenizer
from qa.segments import Segments
from tests.conftest import SEEDS, settings_for

FILES = sorted(p.name for p in SEEDS.glob("*.txt"))
TERMS = ("行政", "执法", "合规率", "普法", "宣传", "调解", "和谦镇", "西仓镇")


def _copy(names: list[str], to: Path) -> Path:
    to.mkdir(parents=True)
    for n in names:
        shutil.copy(SEEDS / n, to / n)
    return to


def live_rows(path: Path, name: str) -> str:
    """The live rows of an index version's segments (the base's not tombstoned, then the delta's)."""
    segments = Segments.open(resolve(path))
    return "".join(segments.live_lines(name, segments.base_masks()))


def _same_index(a_path: Path, b_path: Path) -> None:
    for name in ("documents.jsonl", "passages.jsonl", "claims.jsonl"):
        assert live_rows(a_path, name) == live_rows(b_path, name), name
    a, b = CorpusIndex.load(a_path), CorpusIndex.load(b_path)
    assert np.array_equal(a.vectors.reconstruct_all(), b.vectors.reconstruct_all())
    for t in TERMS:
        assert np.array_equal(a.bm25.scores([t]), b.bm25.scores([t])), t
    assert a.bm25.doc_freq == b.bm25.doc_freq


@pytest.fixture()
def no_reparse(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Stored reports must not be parsed again, and only new passages tokenised: count the tokeniser's calls."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a stored report was parsed again")

    monkeypatch.setattr(corpus_index, "parse_text", refuse)
    calls: list[int] = []
    original = Tokenizer.tokens

    def counting(self: Tokenizer, text: str) -> list[str]:
        calls.append(1)
        return original(self, text)

    monkeypatch.setattr(Tokenizer, "tokens", counting)
    return calls


def test_adding_one_report_equals_a_full_build_without_reparsing(tmp_path: Path, no_reparse: list[int]) -> None:
    emb = make_embedder("hash")
    full = CorpusIndex.build([SEEDS], tmp_path / "full", emb)
    CorpusIndex.build([_copy(FILES[:4], tmp_path / "four")], tmp_path / "idx", emb)
    no_reparse.clear()
    r = CorpusIndex.add([SEEDS / FILES[4]], tmp_path / "idx", emb)
    assert (r.added, r.updated, r.unchanged, r.documents, r.passages) == (1, 0, 0, 5, full.passages)
    idx = CorpusIndex.load(tmp_path / "idx")
    added_rows = len(next(idx.doc_rows[i] for i, d in idx.documents.items() if d.source == FILES[4]))
    assert added_rows < r.passages / 3
    assert added_rows <= len(no_reparse) <= 2 * added_rows, "only the new report's passages are tokenised"
    _same_index(tmp_path / "full", tmp_path / "idx")


def test_removing_and_replacing_a_report_equal_full_builds(tmp_path: Path, no_reparse: list[int]) -> None:
    emb = make_embedder("hash")
    corpus = _copy(FILES, tmp_path / "corpus")
    CorpusIndex.build([corpus], tmp_path / "idx", emb)
    no_reparse.clear()
    r = CorpusIndex.remove([FILES[4]], tmp_path / "idx", emb)
    assert (r.removed, r.unchanged, r.documents, r.embedded) == (1, 4, 4, 0)
    assert no_reparse == []
    CorpusIndex.build([_copy(FILES[:4], tmp_path / "four")], tmp_path / "four-full", emb)
    _same_index(tmp_path / "four-full", tmp_path / "idx")

    changed = (SEEDS / FILES[0]).read_text(encoding="utf-8").replace("151件", "152件")
    (corpus / FILES[4]).unlink()
    (corpus / FILES[0]).write_text(changed, encoding="utf-8")
    r = CorpusIndex.add([corpus / FILES[0]], tmp_path / "idx", emb)
    assert (r.added, r.updated, r.documents) == (0, 1, 4)
    assert 0 < r.embedded < 10
    a = QAEngine.load(settings_for(tmp_path / "idx")).ask("和谦镇办理了多少件行政处罚案件?")
    assert "152件" in a.answer and "151件" not in a.answer


def test_an_ivf_index_is_edited_in_place_not_retrained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_corpus(24, tmp_path / "gen")
    (tmp_path / "gen" / "corpus.jsonl").unlink()
    extra = sorted((tmp_path / "gen").rglob("*.txt"))[-1]
    held = tmp_path / "held.txt"
    extra.rename(held)
    emb = make_embedder("hash")
    CorpusIndex.build([tmp_path / "gen"], tmp_path / "idx", emb, index_kind="ivf-sq8")
    before = CorpusIndex.load(tmp_path / "idx")
    assert before.vectors.kind == "ivf-sq8"
    old_vectors, old_cells = before.vectors.reconstruct_all(), before.vectors._index.nlist

    def no_training(*args: object, **kwargs: object) -> None:
        raise AssertionError("the IVF cells were trained again")

    monkeypatch.setattr(corpus_index.VectorIndex, "build_from_shards", no_training)
    r = CorpusIndex.add([held], tmp_path / "idx", emb, index_kind="ivf-sq8")
    after = CorpusIndex.load(tmp_path / "idx")
    assert (r.added, r.documents, after.vectors.kind, after.vectors._index.nlist) == (1, 24, "ivf-sq8", old_cells)
    assert np.array_equal(after.vectors.reconstruct_all()[: len(old_vectors)], old_vectors)
    new_rows = after.doc_rows[after.passages[-1].doc_id]
    assert new_rows.tolist() == list(range(len(old_vectors), after.vectors.size))
    q = emb.embed([corpus_index.embed_text(after.passages[int(new_rows[5])])])
    assert after.vectors.search(q, 1)[1][0, 0] in set(new_rows.tolist())
