"""Which figure of a passage answers a how-many or which-more question: a fitted model over the claim's clause.

    model = claim_model()                               # qa/data/claim_model.json, fitted by
                                                        #   python -m qa.training.claims
    p = model.probability(claim_features(retriever, pq, passage, claim, passage_prob))

A passage often holds several figures ("召开党委会开展专题学法3次,参加中心组学习会10次,按照学法计划带头集体学法23次");
the one asked for is the one whose own clause names the measure. The features:
- passage: the passage's relevance (qa.relevance);
- own: coverage of the question's terms by the figure's own clause;
- window: coverage by the figure's clause with the clause before it (the measure is often named just before:
  "行政处罚案件,共151件");
- ngram: share of the question's topic character bigrams in the own clause (variant wording);
- unit: +1 when the figure counts the kind of thing asked (people, occasions, money, items), −1 when another, 0 when
  the question names no unit;
- rate: +1 when a rate question meets a percentage or a count question a count, −1 otherwise;
- breakdown: the clause starts with 其中 (a part of a larger figure);
- goal: the clause states a goal or plan (力争…, 下一步);
- first: the figure is the first of its passage;
- own_gap: its own-clause coverage minus the best of the passage's figures (0 for the best);
- near: 1/(1 + characters between the last question term in its clause window and the figure / 10).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from qa.answers.clauses import clause_around, clause_window, counted_noun, is_target
from qa.plan.intent import RATE_Q
from qa.relevance import topic_bigrams, unit_kind

if TYPE_CHECKING:
    from qa.plan import ParsedQuestion
    from qa.retrieval import Retriever
    from qa.types import Claim, Passage

CLAIM_FEATURES = ("bias", "passage", "own", "window", "ngram", "unit", "rate", "breakdown", "goal", "first", "own_gap",
                  "near")


@dataclass(frozen=True)
class ClaimModel:
    weights: tuple[float, ...]

    def probability(self, row: list[float]) -> float:
        z = sum(w * x for w, x in zip(self.weights, row, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@lru_cache(maxsize=1)
def claim_model() -> ClaimModel:
    """The shipped weights (qa/data/claim_model.json)."""
    data = json.loads(resources.files("qa").joinpath("data/claim_model.json").read_text(encoding="utf-8"))
    return ClaimModel(tuple(float(data["weights"][f]) for f in CLAIM_FEATURES))


def passage_claim_rows(retriever: Retriever, pq: ParsedQuestion, p: Passage, claims: list[Claim],
                       passage_prob: float) -> list[list[float]]:
    """One row per figure of a passage (CLAIM_FEATURES order), the passage's figures in text order."""
    rows = [claim_features(retriever, pq, p, cl, passage_prob, first=k == 0) for k, cl in enumerate(claims)]
    i = CLAIM_FEATURES.index("own")
    best = max((r[i] for r in rows), default=0.0)
    for r in rows:
        r[CLAIM_FEATURES.index("own_gap")] = r[i] - best
    return rows


def _near(pq: ParsedQuestion, window: str, figure_at: int) -> float:
    last = -1
    for g in pq.terms:
        for f in g.forms:
            j = window.rfind(f, 0, figure_at)
            if j >= 0:
                last = max(last, j + len(f))
    return 0.0 if last < 0 else 1.0 / (1.0 + max(0, figure_at - last) / 10.0)


def claim_features(retriever: Retriever, pq: ParsedQuestion, p: Passage, cl: Claim, passage_prob: float,
                   first: bool = False) -> list[float]:
    """One row (CLAIM_FEATURES order) for a figure of a passage (own_gap is filled by passage_claim_rows)."""
    # The clause up to the figure, and what it counts when that is named after it (18个行政村).
    own = clause_around(p, cl) + counted_noun(p, cl)
    window = clause_window(p, cl)
    grams = topic_bigrams(pq)
    asked = {unit_kind(u) for u in pq.asked_units} - {"any"}
    kind = unit_kind(cl.unit)
    unit = 0.0 if not asked or kind == "any" else (1.0 if kind in asked else -1.0)
    wants_rate = bool(RATE_Q.search(pq.wording))
    return [
        1.0,
        passage_prob,
        retriever.coverage(pq, -1, own),
        retriever.coverage(pq, -1, window),
        sum(1 for g in grams if g in own) / len(grams) if grams else 0.0,
        unit,
        1.0 if wants_rate == (cl.unit == "%") else -1.0,
        1.0 if own.lstrip().startswith("其中") else 0.0,
        1.0 if is_target(p, own) else 0.0,
        1.0 if first else 0.0,
        0.0,
        _near(pq, window, len(window) - (cl.end - cl.start)),
    ]
