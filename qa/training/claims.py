"""Fit the figure-choice model (qa/data/claim_model.json): which figure of a passage answers the question.

    python -m qa.training.claims            # fit on the development sets and write the file
    python -m qa.training.claims --cv       # leave one development set out at a time; print choice accuracy

Examples come from every development question of type fact or compare whose gold quotes hold a figure: for each
passage retrieved in a gold town's report, every figure of the passage is a row, labelled 1 when the figure lies
inside a gold quote. The figure chosen per document is the most probable; accuracy is the share of gold documents
whose chosen figure is a gold one.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from qa.claim_choice import CLAIM_FEATURES, claim_model, passage_claim_rows
from qa.relevance import score_hits
from qa.training.relevance import engine_for, question_sets, town_core

MODEL = Path(__file__).resolve().parents[1] / "data" / "claim_model.json"
_DIGIT = re.compile(r"\d")

Group = list[tuple[list[float], int]]  # one gold document's figures: (features, label)


def groups_by_set() -> dict[str, list[Group]]:
    from qa.types import Turn

    out: dict[str, list[Group]] = {}
    for name, texts, qs in question_sets("dev"):
        engine = engine_for(name, texts)
        by_id = {q["id"]: q for q in qs}
        answers: dict[str, Any] = {}
        groups: list[Group] = []
        out[name] = groups
        for q in qs:
            conv: list[Turn] = []
            if q.get("followup_of") in answers:
                conv = [Turn(by_id[q["followup_of"]]["question"], answers[q["followup_of"]])]
            answers[q["id"]] = engine.ask(q["question"], conv)
            if q["type"] not in ("fact", "compare"):
                continue
            gold = [(town_core(e["town"]), e["quote"]) for e in q.get("evidence", []) if _DIGIT.search(e["quote"])]
            if not gold:
                continue
            pq = engine.plan(q["question"], conv)
            doc_ids, _ = engine.composer.candidate_docs(pq, None)
            if not doc_ids:
                continue
            gold_towns = {t for t, _ in gold}
            docs = [d for d in doc_ids if town_core(engine.index.documents[d].metadata.town or "") in gold_towns]
            if not docs:
                continue
            hits = engine.retriever.search(pq, docs, k=30)
            by_doc: dict[str, Group] = {}
            for prob, h, _ in score_hits(engine.retriever, pq, hits):
                p = engine.index.passages[h.row]
                town = town_core(engine.index.documents[p.doc_id].metadata.town or "")
                spans = []
                for t, quote in gold:
                    i = p.text.find(quote)
                    if t == town and i >= 0:
                        spans.append((p.start + i, p.start + i + len(quote)))
                claims = [cl for cl in engine.index.claims_by_doc.get(p.doc_id, []) if cl.passage_id == p.passage_id]
                for cl, row in zip(claims, passage_claim_rows(engine.retriever, pq, p, claims, prob), strict=True):
                    label = int(any(a <= cl.start and cl.end <= b for a, b in spans))
                    by_doc.setdefault(p.doc_id, []).append((row, label))
            groups += [g for g in by_doc.values() if any(lab for _, lab in g)]
    return out


def fit(groups: list[Group], C: float = 1.0) -> list[float]:
    from sklearn.linear_model import LogisticRegression

    X = [r for g in groups for r, _ in g]
    y = [lab for g in groups for _, lab in g]
    clf = LogisticRegression(C=C, class_weight="balanced", max_iter=5000, fit_intercept=False)
    clf.fit(X, y)
    return [float(w) for w in clf.coef_[0]]


def accuracy(weights: list[float], groups: list[Group]) -> float:
    """The share of gold documents whose most probable figure is a gold one."""
    right = 0
    for g in groups:
        best = max(g, key=lambda x: sum(w * v for w, v in zip(weights, x[0], strict=True)))
        right += best[1]
    return right / max(1, len(groups))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cv", action="store_true", help="leave-one-set-out accuracy; write nothing")
    ap.add_argument("--C", type=float, default=1.0)
    a = ap.parse_args()
    by_set = groups_by_set()
    everything = [g for gs in by_set.values() for g in gs]
    shipped = list(claim_model().weights) if MODEL.exists() else None
    if a.cv:
        accs, right = [], 0.0
        for name, gs in by_set.items():
            if not gs:
                continue
            rest = [g for k, v in by_set.items() if k != name for g in v]
            acc = accuracy(fit(rest, a.C), gs)
            accs.append(acc)
            right += acc * len(gs)
            print(f"  {name:12s} {acc:.3f} ({len(gs)} documents)")
        print(f"  mean over sets {sum(accs) / len(accs):.3f}; pooled {right / len(everything):.3f}")
        return 0
    w = fit(everything, a.C)
    if shipped:
        print(f"shipped weights: choice accuracy {accuracy(shipped, everything):.3f}")
    print(f"fitted: choice accuracy {accuracy(w, everything):.3f} on {len(everything)} gold documents")
    MODEL.write_text(json.dumps({
        "fitted_on": "seeds + tests/data/eval/A,B + tests/data/eval/real/dev*",
        "command": "python -m qa.training.claims",
        "documents": len(everything),
        "choice_accuracy": round(accuracy(w, everything), 3),
        "C": a.C,
        "weights": {f: round(v, 4) for f, v in zip(CLAIM_FEATURES, w, strict=True)},
    }, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    claim_model.cache_clear()
    print(f"wrote {MODEL}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
