"""Fit the comparison gate (qa/data/compare_model.json): the share of the best town's relevance a town's figure
needs to be ranked with it.

    python -m qa.training.compare            # fit on the development sets and write the file
    python -m qa.training.compare --measure  # only print the accuracy of each share

For every development question of type compare that the engine plans as a comparison, each document's best figure
is found once (qa.answers.compare.compare_candidates); each share on a grid then ranks them, and the question counts
as right when the top town is the gold winner. The chosen share is the lowest with the best accuracy: a town is
dropped only when the labelled data shows that dropping helps.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from qa.answers.compare import compare_candidates, compare_model, rank_candidates
from qa.training.relevance import engine_for, question_sets, town_core

MODEL = Path(__file__).resolve().parents[1] / "data" / "compare_model.json"
GRID = [round(i * 0.05, 2) for i in range(20)]


def outcomes() -> list[tuple[str, str, list[bool]]]:
    """(set, question id, right or wrong at each share of GRID) for every planned comparison."""
    from qa.types import Turn

    out: list[tuple[str, str, list[bool]]] = []
    for name, texts, qs in question_sets("dev"):
        engine = engine_for(name, texts)
        by_id = {q["id"]: q for q in qs}
        answers: dict[str, Any] = {}
        for q in qs:
            conv: list[Turn] = []
            if q.get("followup_of") in answers:
                conv = [Turn(by_id[q["followup_of"]]["question"], answers[q["followup_of"]])]
            answers[q["id"]] = engine.ask(q["question"], conv)
            if q["type"] != "compare":
                continue
            pq = engine.plan(q["question"], conv)
            if pq.intent != "compare":
                continue
            doc_ids, _ = engine.composer.candidate_docs(pq, None)
            found, _ = compare_candidates(engine.composer, pq, doc_ids) if doc_ids else ([], 0)
            gold = {town_core(t) for t in q.get("answer_towns", [])}
            right = []
            for share in GRID:
                ranked = rank_candidates(engine.composer, pq, found, share) if found else []
                top = engine.index.documents[ranked[0][1].doc_id].metadata.town if ranked else None
                right.append(bool(top) and town_core(top or "") in gold)
            out.append((name, q["id"], right))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--measure", action="store_true", help="print the accuracy of each share; write nothing")
    a = ap.parse_args()
    res = outcomes()
    acc = [sum(r[2][i] for r in res) / max(1, len(res)) for i in range(len(GRID))]
    for share, v in zip(GRID, acc, strict=True):
        print(f"share {share:.2f}: {v:.3f}")
    print(f"({len(res)} comparisons; shipped share {compare_model().min_share})")
    if a.measure:
        return 0
    best = max(acc)
    share = GRID[acc.index(best)]
    MODEL.write_text(json.dumps({"min_share": share, "accuracy": round(best, 3), "comparisons": len(res),
                                 "fitted_on": "seeds + tests/data/eval/A,B + tests/data/eval/real/dev*",
                                 "command": "python -m qa.training.compare"}, indent=1) + "\n", encoding="utf-8")
    compare_model.cache_clear()
    print(f"wrote {MODEL}: min_share {share} (accuracy {best:.3f} on {len(res)} development comparisons)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
