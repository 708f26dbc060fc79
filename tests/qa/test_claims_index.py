"""The claims index and the scale shortcuts in retrieval give exactly what a scan of every claim/passage gives."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from qa.engine import QAEngine
from qa.plan import Constraint
from qa.types import Claim


def _scan(engine: QAEngine, keep: Callable[[Claim], bool]) -> dict[str, list[Claim]]:
    out: dict[str, list[Claim]] = {}
    for doc_id, claims in engine.index.claims_by_doc.items():
        picked = [c for c in claims if keep(c)]
        if picked:
            out[doc_id] = picked
    return out


@pytest.mark.parametrize(
    "constraint",
    [Constraint(">=", 100, "%"), Constraint(">", 90, "%"), Constraint("<", 50, "件"), Constraint("==", 100, "%"),
     Constraint("<=", 3, "次"), Constraint(">=", 1, "吨")],
)
def test_claims_meeting_equals_a_scan(seed_engine: QAEngine, constraint: Constraint) -> None:
    got = seed_engine.index.claims_meeting(constraint.unit, constraint.holds)
    want = _scan(seed_engine, lambda c: c.unit == constraint.unit and constraint.holds(c.value))
    assert got == want


def test_claims_meeting_finds_the_card_example(seed_engine: QAEngine) -> None:
    got = seed_engine.index.claims_meeting("%", Constraint(">=", 100, "%").holds)
    towns = {seed_engine.index.documents[d].metadata.town for d in got}
    assert {"和谦镇", "西仓镇"} <= towns


@pytest.mark.parametrize("forms", [("资料",), ("普法", "宣传资料"), ("行政处罚案件",), ("不在任何数字里的词",), ("",)])
def test_claims_containing_equals_a_scan(seed_engine: QAEngine, forms: tuple[str, ...]) -> None:
    got = seed_engine.index.claims_containing(forms)
    assert got == _scan(seed_engine, lambda c: any(f in c.text for f in forms))


def test_rows_of_every_document_is_unrestricted(seed_engine: QAEngine) -> None:
    r = seed_engine.retriever
    every = list(seed_engine.index.documents)
    assert r.rows_of(every) is None
    some = every[:2]
    rows = r.rows_of(some)
    assert rows is not None
    assert rows.tolist() == sorted(i for d in some for i in seed_engine.index.doc_rows[d].tolist())


def test_sweep_require_any_only_drops_passages_without_the_forms(seed_engine: QAEngine) -> None:
    pq = seed_engine.parse("哪些镇发放了普法宣传资料?")
    forms = seed_engine.retriever.focal_forms(pq)
    assert forms
    full = seed_engine.retriever.sweep(pq, list(seed_engine.index.documents))
    narrowed = seed_engine.retriever.sweep(pq, list(seed_engine.index.documents), require_any=forms)
    keep = [h for h in full if any(f in seed_engine.index.passages[h.row].text for f in forms)]
    assert narrowed == keep and 0 < len(narrowed) < len(full)


def test_term_parts_are_remembered(seed_engine: QAEngine) -> None:
    r = seed_engine.retriever
    first = r.term_parts("行政执法合规")
    assert first == tuple(t for t in seed_engine.index.tokenizer.words("行政执法合规") if len(t) > 1)
    assert r.term_parts("行政执法合规") is first


def test_documents_by_town_keeps_index_order(seed_engine: QAEngine) -> None:
    docs = list(seed_engine.index.documents.values())
    for town, listed in seed_engine.index.documents_by_town.items():
        assert listed == [d for d in docs if d.metadata.town == town]
    assert seed_engine.composer.candidate_docs(seed_engine.parse("西仓镇办理了多少件案件?"), None)[0] == [
        d.doc_id for d in docs if d.metadata.town == "西仓镇"
    ]
