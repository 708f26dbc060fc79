"""The English glossary feeds English questions only: adding entries leaves every Chinese dev answer unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import qa.lexical
from embeddings.factory import make_embedder
from qa.corpus_index import CorpusIndex
from qa.engine import QAEngine
from tests.conftest import SEEDS, settings_for

SHARED_Q = Path(__file__).resolve().parents[3] / "shared" / "eval" / "seed_questions.jsonl"
SETS = Path(__file__).resolve().parents[1] / "data" / "eval"


def chinese_questions() -> list[str]:
    out = []
    for f in [SHARED_Q, SETS / "A" / "questions.jsonl", SETS / "B" / "questions.jsonl"]:
        if f.exists():
            out += [q["question"] for q in map(json.loads, f.read_text(encoding="utf-8").splitlines()) if q["lang"] == "zh"]
    return out


def answers(tmp: Path, corpus: list[Path]) -> list[object]:
    """Every Chinese question's answer (kind, towns, citations), its words, and the words of every passage."""
    idx = tmp / "index"
    CorpusIndex.build(corpus, idx, make_embedder("hash"))
    engine = QAEngine.load(settings_for(idx))
    out: list[object] = []
    for q in chinese_questions():
        a = engine.ask(q)
        out.append((a.kind, a.towns, tuple((c.doc_id, c.start) for c in a.citations)))
        out.append(tuple(engine.index.tokenizer.tokens(q)))
    out += [tuple(engine.index.tokenizer.tokens(p.text)) for p in engine.index.passages]
    return out


def test_new_glossary_entries_leave_chinese_answers_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    qs = chinese_questions()
    assert len(qs) >= 30
    before = answers(tmp_path / "a", [SEEDS])
    rows = dict(qa.lexical._glossary_rows())
    # Entries whose Chinese side would re-cut Chinese text if it reached the tokenizer.
    rows.update({"publicity handout": (("发放法治宣传资料", "宣传资料400"),), "case count": (("处罚案件151",),),
                 "compliance rate": (("程序合规率均达到",),), "dispute": (("矛盾纠纷调",),)})
    rows = {k: (v[0], v[1] if len(v) > 1 else 1.0) for k, v in rows.items()}
    monkeypatch.setattr(qa.lexical, "_glossary_rows", lambda: rows)
    qa.lexical.glossary.cache_clear() if hasattr(qa.lexical.glossary, "cache_clear") else None
    after = answers(tmp_path / "b", [SEEDS])
    assert before == after
