"""Keeping an index current: add, replace, remove, counts, overrides."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from embeddings.factory import make_embedder
from embeddings.store import read_manifest
from qa.corpus_index import CorpusIndex
from qa.engine import QAEngine
from qa.errors import DocumentNotFound
from tests.conftest import SEEDS, settings_for

EXTRA = Path(__file__).parent / "data" / "daping_yao_2022.txt"


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    d = tmp_path / "corpus"
    shutil.copytree(SEEDS, d)
    return d


def test_add_embeds_only_the_new_document_and_answers_it(corpus: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    first = CorpusIndex.build([corpus], idx, make_embedder("hash"))
    added = CorpusIndex.add([EXTRA], idx, make_embedder("hash"))
    assert (added.added, added.documents) == (1, 6)
    # only the new report's passages are embedded (fewer when one repeats a heading already indexed)
    assert added.reused >= first.passages
    assert 0 < added.embedded <= added.passages - first.passages
    a = QAEngine.load(settings_for(idx)).ask("大坪瑶族乡调处成功了多少件纠纷?")
    assert "调处成功35件" in a.citations[0].quote


def test_build_counts_added_updated_unchanged_removed(corpus: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    CorpusIndex.build([corpus], idx, make_embedder("hash"))
    (corpus / "004_8a58fc0ccff5796e.txt").unlink()
    with open(corpus / "000_fc6b19c338c3d419.txt", "a", encoding="utf-8") as fh:
        fh.write("\n附：全年新增调解案件5件。")
    shutil.copy(EXTRA, corpus / EXTRA.name)
    r = CorpusIndex.build([corpus], idx, make_embedder("hash"))
    assert (r.added, r.updated, r.unchanged, r.removed) == (1, 1, 3, 1)
    assert r.embedded < 30


def test_remove_by_source_or_id(corpus: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    CorpusIndex.build([corpus], idx, make_embedder("hash"))
    r = CorpusIndex.remove(["004_8a58fc0ccff5796e.txt"], idx, make_embedder("hash"))
    assert (r.removed, r.documents, r.embedded) == (1, 4, 0)
    engine = QAEngine.load(settings_for(idx))
    assert "龙凤场镇" not in engine.index.towns
    with pytest.raises(DocumentNotFound):
        CorpusIndex.remove(["nope"], idx, make_embedder("hash"))


def test_duplicate_copy_is_indexed_once(corpus: Path, tmp_path: Path) -> None:
    shutil.copy(corpus / "001_a72cb30ac0344b96.txt", corpus / "copy_of_gulong.txt")
    r = CorpusIndex.build([corpus], tmp_path / "idx", make_embedder("hash"))
    assert r.documents == 5
    assert [d.as_row() for d in r.duplicates] == [
        ["copy_of_gulong.txt", "001_a72cb30ac0344b96.txt", 1.0, "both plain text with the same text; the first file in order is kept"]
    ]


def test_metadata_override_files(corpus: Path, tmp_path: Path) -> None:
    (corpus / "reportqa.toml").write_text('["002_43717beec33bc72e.txt"]\ncounty = "南昌县"\ncity = "南昌市"\nprovince = "江西省"\n', encoding="utf-8")
    (corpus / "reportqa.csv").write_text("source,town,year\n003_182556944e2e6830.txt,西仓镇,2024\n", encoding="utf-8")
    idx = tmp_path / "idx"
    r = CorpusIndex.build([corpus], idx, make_embedder("hash"))
    assert r.documents == 5 and not r.skipped
    docs = {d["source"]: d for d in QAEngine.load(settings_for(idx)).documents()}
    assert docs["002_43717beec33bc72e.txt"]["province"] == "江西省"
    assert docs["003_182556944e2e6830.txt"]["year"] == 2024
    # an incremental add keeps the overrides of documents already indexed
    CorpusIndex.add([EXTRA], idx, make_embedder("hash"))
    docs = {d["source"]: d for d in QAEngine.load(settings_for(idx)).documents()}
    assert docs["002_43717beec33bc72e.txt"]["province"] == "江西省"


def test_is_current_tracks_reports_and_overrides(corpus: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    (corpus / "reportqa.csv").write_text("source,county\n000_fc6b19c338c3d419.txt,某某县\n", encoding="utf-8")
    CorpusIndex.build([corpus], idx, make_embedder("hash"))
    assert CorpusIndex.is_current([corpus], idx, "hash-256")
    assert not CorpusIndex.is_current([corpus], idx, "usem3")
    (corpus / "reportqa.csv").write_text("source,county\n000_fc6b19c338c3d419.txt,另一县\n", encoding="utf-8")
    assert not CorpusIndex.is_current([corpus], idx, "hash-256")


def test_index_add_is_kept_through_rebuilds_until_removed(corpus: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    CorpusIndex.build([corpus], idx, make_embedder("hash"))
    added = CorpusIndex.add([EXTRA], idx, make_embedder("hash"))
    assert added.kept == [EXTRA.name]
    assert read_manifest(idx).extra["kept"] == [EXTRA.name]  # type: ignore[union-attr]
    assert CorpusIndex.is_current([corpus], idx, "hash-256") is False  # an add is not a build of the corpus
    rebuilt = CorpusIndex.build([corpus], idx, make_embedder("hash"))
    assert (rebuilt.documents, rebuilt.kept, rebuilt.removed, rebuilt.unchanged) == (6, [EXTRA.name], 0, 6)
    assert CorpusIndex.is_current([corpus], idx, "hash-256") is True
    assert "大坪瑶族乡" in QAEngine.load(settings_for(idx)).index.towns
    gone = CorpusIndex.remove([EXTRA.name], idx, make_embedder("hash"))
    assert (gone.forgotten, gone.corpus_removed) == ([EXTRA.name], [])
    assert read_manifest(idx).extra["kept"] == []  # type: ignore[union-attr]
    assert CorpusIndex.is_current([corpus], idx, "hash-256") is False
    rebuilt = CorpusIndex.build([corpus], idx, make_embedder("hash"))
    assert (rebuilt.documents, rebuilt.kept, rebuilt.removed) == (5, [], 0)
    seed_gone = CorpusIndex.remove(["004_8a58fc0ccff5796e.txt"], idx, make_embedder("hash"))
    assert (seed_gone.forgotten, seed_gone.corpus_removed) == ([], ["004_8a58fc0ccff5796e.txt"])


def test_a_kept_report_replaces_the_corpus_file_of_its_name(corpus: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    CorpusIndex.build([corpus], idx, make_embedder("hash"))
    newer = tmp_path / "000_fc6b19c338c3d419.txt"
    newer.write_text((corpus / newer.name).read_text(encoding="utf-8") + "\n附：全年新增调解案件5件。", encoding="utf-8")
    CorpusIndex.add([newer], idx, make_embedder("hash"))
    rebuilt = CorpusIndex.build([corpus], idx, make_embedder("hash"))
    assert (rebuilt.documents, rebuilt.kept) == (5, [newer.name])
    doc = next(d for d in QAEngine.load(settings_for(idx)).index.documents.values() if d.source == newer.name)
    assert doc.text.endswith("附：全年新增调解案件5件。")
