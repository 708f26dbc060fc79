"""Immutable segments: an update hard-links the base and writes a small delta; answers equal a full build's."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from embeddings.factory import make_embedder
from embeddings.store import damaged_files, read_manifest, resolve
from qa import index_update
from qa.corpus_index import CorpusIndex
from qa.engine import QAEngine
from qa.errors import IndexCorrupt, IndexWriteError
from qa.segments import CATALOGUE, DELTA, DELTA_SHARE_ENV, TABLE, Segments, SegmentTable, delta_share
from tests.conftest import SEEDS, settings_for

FILES = sorted(p.name for p in SEEDS.glob("*.txt"))
QUESTIONS = (
    "哪些镇的行政执法合规率达到100%?",
    "哪些镇发放了普法宣传资料?各发放了多少?",
    "和谦镇办理了多少件行政处罚案件?",
    "西仓镇的调解成功率是多少?",
    "古龙镇开展了哪些普法活动?",
    "各镇存在哪些不足?",
    "Which towns report 100% enforcement compliance?",
    "哪个镇调解的矛盾纠纷最多?",
)


def _copy(names: list[str], to: Path) -> Path:
    to.mkdir(parents=True)
    for n in names:
        shutil.copy(SEEDS / n, to / n)
    return to


def _answers(index: Path) -> list[tuple[str, tuple[str, ...], list[tuple[str, str]]]]:
    engine = QAEngine.load(settings_for(index))
    out = []
    for q in QUESTIONS:
        a = engine.ask(q)
        out.append((a.answer, a.towns, [(c.source, c.quote) for c in a.citations]))
    return out


def _has_delta(index: Path) -> bool:
    return Segments.open(resolve(index)).delta is not None


@pytest.fixture(params=["delta", "compaction"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each update either writes a delta (a share no update reaches) or compacts (share 0)."""
    monkeypatch.setenv(DELTA_SHARE_ENV, "1000" if request.param == "delta" else "0")
    return str(request.param)


def test_add_change_remove_answer_as_a_full_build(tmp_path: Path, mode: str) -> None:
    emb = make_embedder("hash")
    idx = tmp_path / "idx"
    CorpusIndex.build([_copy(FILES[:4], tmp_path / "four")], idx, emb)
    base = resolve(idx)

    CorpusIndex.add([SEEDS / FILES[4]], idx, emb)  # add
    assert _has_delta(idx) == (mode == "delta")
    CorpusIndex.build([SEEDS], tmp_path / "full5", emb)
    assert _answers(idx) == _answers(tmp_path / "full5")
    if mode == "delta":  # the base is shared with the previous version, not rewritten
        assert os.path.samefile(base / "vectors.faiss", resolve(idx) / "vectors.faiss")
        assert os.path.samefile(base / "passages.jsonl", resolve(idx) / "passages.jsonl")

    changed = tmp_path / "changed"
    _copy(FILES, changed)
    text = (SEEDS / FILES[0]).read_text(encoding="utf-8").replace("151件", "152件")
    (changed / FILES[0]).write_text(text, encoding="utf-8")
    r = CorpusIndex.add([changed / FILES[0]], idx, emb)  # change a base report
    assert (r.updated, r.documents) == (1, 5)
    assert 0 < r.embedded < 10, "the replaced report's vectors are reused by content key"
    CorpusIndex.build([changed], tmp_path / "full-changed", emb)
    changed_answers = _answers(idx)
    assert changed_answers == _answers(tmp_path / "full-changed")
    assert any("152件" in a for a, _, _ in changed_answers)

    r = CorpusIndex.remove([FILES[4]], idx, emb)  # remove the report the delta holds
    assert (r.removed, r.documents) == (1, 4)
    (changed / FILES[4]).unlink()
    CorpusIndex.build([changed], tmp_path / "full-removed", emb)
    assert _answers(idx) == _answers(tmp_path / "full-removed")
    assert _has_delta(idx) == (mode == "delta")


def test_the_delta_is_small_and_checksummed_and_the_base_checksums_are_carried_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DELTA_SHARE_ENV, "1000")
    emb = make_embedder("hash")
    idx = tmp_path / "idx"
    CorpusIndex.build([_copy(FILES[:4], tmp_path / "four")], idx, emb)
    before = read_manifest(resolve(idx))
    CorpusIndex.add([SEEDS / FILES[4]], idx, emb)
    d = resolve(idx)
    after = read_manifest(d)
    assert before is not None and after is not None
    for rel in ("documents.jsonl", "passages.jsonl", "vectors.faiss", TABLE, "bm25/postings.npz"):
        assert after.files[rel] == before.files[rel], rel
    delta_files = sorted(rel for rel in after.files if rel.startswith(DELTA + "/"))
    assert "delta/vectors.npy" in delta_files and "delta/tombstones.json" in delta_files
    assert CATALOGUE in after.files
    delta_size = sum((d / rel).stat().st_size for rel in delta_files)
    base_size = sum((d / rel).stat().st_size for rel in after.files if not rel.startswith(DELTA + "/"))
    assert delta_size < base_size / 2
    table = SegmentTable.load(d / DELTA / TABLE)
    assert table.sources == [FILES[4]]
    assert [json.loads(line)["segment"] for line in (d / CATALOGUE).read_text(encoding="utf-8").splitlines()] == [
        "base",
        "delta",
    ]

    (d / DELTA / "vectors.npy").write_bytes(b"garbage")  # a damaged delta is refused like a damaged base
    with pytest.raises(IndexCorrupt):
        CorpusIndex.load(idx)


def test_an_index_built_before_segments_is_updated_and_gets_its_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DELTA_SHARE_ENV, "1000")
    emb = make_embedder("hash")
    idx = tmp_path / "idx"
    CorpusIndex.build([_copy(FILES[:4], tmp_path / "four")], idx, emb)
    built = SegmentTable.load(resolve(idx) / TABLE)
    old = resolve(idx)
    (old / TABLE).unlink()  # as an older build left it (its manifest then names a missing file: drop it)
    (old / CATALOGUE).unlink()
    m = read_manifest(old)
    assert m is not None
    (old / "manifest.json").write_text(
        m.__class__(**{**m.__dict__, "files": {k: v for k, v in m.files.items() if k not in (TABLE, CATALOGUE)}}).to_json(),
        encoding="utf-8",
    )
    assert SegmentTable.scan(old) == built
    CorpusIndex.add([SEEDS / FILES[4]], idx, emb)
    assert SegmentTable.load(resolve(idx) / TABLE) == built
    CorpusIndex.build([SEEDS], tmp_path / "full", emb)
    assert _answers(idx) == _answers(tmp_path / "full")


def test_the_compaction_share(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DELTA_SHARE_ENV, raising=False)
    assert delta_share(77, 76_698) == pytest.approx(0.0448, abs=1e-4)  # one report of the 1k corpus
    assert delta_share(154, 764_569) < delta_share(154, 76_698)  # a larger base takes a smaller share
    monkeypatch.setenv(DELTA_SHARE_ENV, "0.25")
    assert delta_share(77, 76_698) == 0.25


def test_a_failed_update_leaves_the_last_good_index_serving_and_the_base_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DELTA_SHARE_ENV, "1000")
    emb = make_embedder("hash")
    idx = tmp_path / "idx"
    CorpusIndex.build([_copy(FILES[:3], tmp_path / "three")], idx, emb)
    CorpusIndex.add([SEEDS / FILES[3]], idx, emb)
    good = resolve(idx)
    good_manifest = read_manifest(good)
    assert good_manifest is not None and _has_delta(idx)

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(index_update.np, "save", full_disk)
    with pytest.raises(IndexWriteError):
        CorpusIndex.add([SEEDS / FILES[4]], idx, emb)
    assert resolve(idx) == good
    assert not list(tmp_path.glob(".idx.building-*")), "the staging directory is removed"
    assert damaged_files(good, good_manifest) == [], "the shared base and the delta are unchanged"
    assert len(CorpusIndex.load(idx).documents) == 4
    monkeypatch.undo()
    monkeypatch.setenv(DELTA_SHARE_ENV, "1000")
    CorpusIndex.add([SEEDS / FILES[4]], idx, emb)
    assert damaged_files(good, good_manifest) == [], "a later update leaves the previous version intact too"
    assert len(CorpusIndex.load(idx).documents) == 5


def test_an_update_copies_the_base_where_hard_links_fail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DELTA_SHARE_ENV, "1000")
    emb = make_embedder("hash")
    idx = tmp_path / "idx"
    CorpusIndex.build([_copy(FILES[:4], tmp_path / "four")], idx, emb)
    base = resolve(idx)

    def cross_device(src: object, dst: object) -> None:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", cross_device)
    CorpusIndex.add([SEEDS / FILES[4]], idx, emb)
    assert _has_delta(idx)
    assert not os.path.samefile(base / "vectors.faiss", resolve(idx) / "vectors.faiss")
    CorpusIndex.build([SEEDS], tmp_path / "full", emb)
    assert _answers(idx) == _answers(tmp_path / "full")


def test_index_status_names_the_segments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from qa.cli import app

    monkeypatch.setenv(DELTA_SHARE_ENV, "1000")
    monkeypatch.setenv("REPORTQA_EMBEDDING_MODEL", "hash")
    emb = make_embedder("hash")
    idx = tmp_path / "idx"
    CorpusIndex.build([_copy(FILES[:4], tmp_path / "four")], idx, emb)
    out = CliRunner().invoke(app, ["index", "status", "--index", str(idx)]).output
    assert "segments:" not in out and "4 documents" in out
    CorpusIndex.remove([FILES[0]], idx, emb)
    CorpusIndex.add([SEEDS / FILES[4]], idx, emb)
    out = CliRunner().invoke(app, ["index", "status", "--index", str(idx)]).output
    assert "segments: a base of 4 reports, 1 of them removed or replaced since, and a delta of 1 added" in out
    assert "4 documents" in out


def test_a_full_build_over_a_delta_reuses_every_vector_and_writes_one_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DELTA_SHARE_ENV, "1000")
    emb = make_embedder("hash")
    idx = tmp_path / "idx"
    corpus = _copy(FILES[:4], tmp_path / "corpus")
    CorpusIndex.build([corpus], idx, emb)
    CorpusIndex.add([SEEDS / FILES[4]], idx, emb)
    assert _has_delta(idx)
    shutil.copy(SEEDS / FILES[4], corpus / FILES[4])
    r = CorpusIndex.build([corpus], idx, emb)
    assert (r.documents, r.embedded, r.unchanged) == (5, 0, 5), "the delta's vectors are reused too"
    assert not _has_delta(idx)
    CorpusIndex.build([SEEDS], tmp_path / "full", emb)
    assert _answers(idx) == _answers(tmp_path / "full")
