"""Does this passage answer this question? A fitted model over the signals retrieval already computes.

    model = relevance_model()                       # qa/data/relevance_model.json, fitted by
                                                    #   python -m qa.training.relevance
    feats = features(retriever, pq, hit)            # one row of FEATURES
    p = model.probability(feats)                    # 0–1
    model.answerable(answer_features(...))          # is the question answered at all?
    model.passage_threshold / answer_threshold / aggregate_threshold  # fitted operating points

The features:
- coverage: IDF-weighted share of the question's term groups in the passage (headings count half);
- lexical: BM25 of the passage, relative to the best passage for the question;
- dense: cosine of the multilingual embeddings of question and passage;
- ngram: share of the question's topic character bigrams present in the passage (variant wording: 调处/调解);
- focal: the question's heaviest term is in the passage;
- heading: the passage is a heading;
- plan: +1 when a passage in a 下一步/计划 section answers a question about plans, -1 when it answers one about
  what was done (a goal is not a result), 0 otherwise;
- negated: a clause of the passage says 未/没有/0件;
- unit: the question asks how many/what rate and the passage has a figure in that unit family (or it asks for a
  document number, 文号, and the passage holds one: 〔2024〕9号);
- number: the passage has any figure while the question asks for one;
- n_terms: how many topic term groups the question has (log);
- figure_coverage: for a how-many question, the best coverage of a clause holding a figure together with the clause
  before it (the measure is stated next to its number: 全年办理行政处罚案件151件 / 行政处罚案件,共151件).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

from qa.places import matching_text
from qa.plan import PLAN_Q, PLAN_SECTION
from qa.plan.intent import DOC_NUMBER_Q, RATE_Q
from qa.plan.measure import DURATION_UNITS

if TYPE_CHECKING:
    from qa.plan import ParsedQuestion
    from qa.retrieval import Hit, Retriever

FEATURES = (
    "bias", "coverage", "lexical", "dense", "ngram", "focal", "heading", "plan", "negated", "unit", "number", "n_terms",
    "figure_coverage",
)
_NEGATION = re.compile(r"(?:未|没有|无|零)(?:发生|出现|收到|受理|办理)|(?:为|是)?(?<![\d.])0(?:件|起|次|人)")
_CJK = re.compile(r"[\u4e00-\u9fff]+")


ANSWER_FEATURES = ("bias", "top", "second", "top3_mean", "top_coverage", "top_figure", "top_dense", "max_dense",
                   "absent_share", "n_terms", "unknown_share", "specific", "top_unit", "max_figure3", "numeric")


@dataclass(frozen=True)
class RelevanceModel:
    """Logistic weights for passages and for questions, and the fitted operating thresholds.

    - passage_threshold: a passage may be cited for a fact when its probability clears this;
    - answer_weights / answer_threshold: whether a question is answered at all, from its best passages;
    - aggregate_threshold: a town is named in an aggregate when its best passage clears this (the operating point
      of the passage model alone, kept for the numeric-condition path);
    - town_weights / town_threshold: whether a town is named in an aggregate, from its best passage's probability
      and whether that passage holds the focal term (TOWN_FEATURES); fitted on the development sets' aggregate
      questions.
    """

    weights: tuple[float, ...]
    passage_threshold: float
    aggregate_threshold: float
    answer_weights: tuple[float, ...]
    answer_threshold: float
    town_weights: tuple[float, ...] = ()
    town_threshold: float = 0.5

    def names_town(self, best: float, focal: float) -> bool:
        """Whether an aggregate names the town whose best passage has probability `best`, `focal` being whether
        that passage holds the question's focal term."""
        if not self.town_weights:
            return best >= self.aggregate_threshold
        return town_probability(self.town_weights, best, focal) >= self.town_threshold

    def probability(self, row: list[float]) -> float:
        return _sigmoid(sum(w * x for w, x in zip(self.weights, row, strict=True)))

    def answerable(self, row: list[float]) -> float:
        return _sigmoid(sum(w * x for w, x in zip(self.answer_weights, row, strict=True)))

    @property
    def fact_threshold(self) -> float:
        return self.passage_threshold


# A town's best passage holding the question's focal term is stronger evidence at the town level than the passage
# model gives it (its features overlap with coverage there); a relative feature (how far below the question's best
# passage) was tried and fitted too, and lost on reworded questions.
TOWN_FEATURES = ("bias", "passage", "focal")


def town_row(best: float, focal: float) -> list[float]:
    """TOWN_FEATURES: the log-odds of the town's best passage and whether it holds the focal term."""
    return [1.0, _logit(best), focal]


def town_probability(weights: tuple[float, ...] | list[float], best: float, focal: float) -> float:
    return _sigmoid(sum(w * x for w, x in zip(weights, town_row(best, focal), strict=True)))


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@lru_cache(maxsize=1)
def relevance_model() -> RelevanceModel:
    """The shipped model (qa/data/relevance_model.json)."""
    with resources.files("qa").joinpath("data/relevance_model.json").open(encoding="utf-8") as fh:
        d = json.load(fh)
    aw = d.get("answer_weights") or {}
    tw = d.get("town_weights") or {}
    return RelevanceModel(
        tuple(float(d["weights"][f]) for f in FEATURES),
        float(d["passage_threshold"]),
        float(d["aggregate_threshold"]),
        tuple(float(aw.get(f, 0.0)) for f in ANSWER_FEATURES),
        float(d.get("answer_threshold", 0.0)),
        tuple(float(tw[f]) for f in TOWN_FEATURES) if tw else (),
        float(d.get("town_threshold", 0.5)),
    )


def answer_features(retriever: Retriever, pq: ParsedQuestion, scored: list[tuple[float, Hit, list[float]]]) -> list[float]:
    """One row (ANSWER_FEATURES order) describing how well the best passages answer the question."""
    absent = len(retriever.absent_terms(pq)) / len(pq.terms) if pq.terms else 0.0
    return answer_row([p for p, _, _ in scored[:10]], [r for _, _, r in scored[:10]], absent, len(pq.terms),
                      unknown_share(pq), specific(retriever, pq), 1.0 if pq.numeric else 0.0)


def specific(retriever: Retriever, pq: ParsedQuestion) -> float:
    """1 when the question has a known topic word of two characters or more (率 alone names no topic)."""
    return 1.0 if any(
        len(g.forms[0]) >= 2 and (_CJK.search(g.forms[0]) or any(ch.isdigit() for ch in g.forms[0]))
        and retriever.term_weight(g) > 0 for g in pq.terms) else 0.0


def unknown_share(pq: ParsedQuestion) -> float:
    """The share of an English question's term groups that no glossary entry turned into Chinese."""
    if not pq.terms:
        return 0.0
    return sum(1 for g in pq.terms if not _CJK.search(g.forms[0])) / len(pq.terms)


def answer_row(
    probs: list[float], rows: list[list[float]], absent_share: float, n_terms: int, unknown: float = 0.0,
    specific: float = 1.0, numeric: float = 0.0,
) -> list[float]:
    """ANSWER_FEATURES from the best passages' probabilities and feature rows (best first)."""
    p = list(probs[:3]) + [0.0, 0.0, 0.0]
    top = rows[0] if rows else [0.0] * len(FEATURES)
    return [
        1.0,
        p[0],
        p[1],
        sum(p[:3]) / 3,
        top[FEATURES.index("coverage")],
        top[FEATURES.index("figure_coverage")],
        top[FEATURES.index("dense")],
        max((r[FEATURES.index("dense")] for r in rows[:10]), default=0.0),
        absent_share,
        math.log1p(n_terms),
        unknown,
        specific,
        top[FEATURES.index("unit")],
        max((r[FEATURES.index("figure_coverage")] for r in rows[:3]), default=0.0),
        numeric,
    ]


_UNIT_KINDS = {
    "person": ("人", "名", "位", "人次", "余人次", "人员"),
    "occasion": ("次", "场", "场次", "期", "轮", "回", "批次", "课", "課", "节", "堂", "件次", "户次"),
    "money": ("元", "万元", "亿元", "千元"),
    "rate": ("%",),
    "score": ("分",),  # an exam's or an assessment's points
    "time": (*DURATION_UNITS, "分钟"),  # a span, not a count
    "any": ("个", "万"),  # 几个 and a bare 万 count anything
}
_KIND_OF = {u: k for k, us in _UNIT_KINDS.items() for u in us}
# A question about an amount of money (罚没款总额, 资金, how much money): its figure is in 元.
MONEY_Q = re.compile(r"元|资金|经费|金额|总额|预算|罚没款|罚款额|款项|多少钱|\bmoney\b|\bfunds?\b|\bfunding\b|\byuan\b|"
                     r"\bspent\b|\bsum\b|\bamount of\b|\bhow much\b[^?]{0,40}\b(?:fines?|penalt(?:y|ies))\b|"
                     r"\b(?:total|collected in)\s+(?:\w+\s+)?fines?\b|\bfines?\s+(?:total|amount|collected)", re.IGNORECASE)


def unit_kind(unit: str) -> str:
    """What a unit counts: person, occasion, money, rate, any (个), or item (件, 份, 项, 家, …)."""
    return _KIND_OF.get(unit, "item")


# "By how much did it change": answered by a count or a percentage alike.
CHANGE_Q = re.compile(r"(?:下降|降低|减少|增长|增加|提高|提升|上升|下滑|回落)了?(?:多少|几)|by how much|how much (?:\w+ ){0,8}?"
                      r"(?:fall|fell|drop|rise|rose|increase|decrease|grow|grew|decline)", re.IGNORECASE)


def wanted_units(pq: ParsedQuestion) -> Callable[[frozenset[str]], bool]:
    """Which claims answer a "how many" question: 几名 wants a head count, a rate question a percentage, an open
    多少 any figure but a rate."""
    if pq.asked_units:
        # 几名/几件/多少次/how many cases: a claim that counts the same kind of thing (people, occasions, money,
        # items); the asker's exact unit is a choice (多少份合同 is answered by 567件), its kind is not.
        asked = {unit_kind(u) for u in pq.asked_units} - {"any"}  # 个 is kin of 件/项/家: items
        return lambda units: any(unit_kind(u) in asked or unit_kind(u) == "any" for u in units)
    if MONEY_Q.search(pq.wording) and not re.search(r"多少(?:笔|项|件|个)|how many", pq.wording, re.IGNORECASE):
        return lambda units: any(unit_kind(u) == "money" for u in units)
    if CHANGE_Q.search(pq.wording):
        return lambda units: bool(units)  # a change is stated as a count or a percentage (同比下降39.7%)
    if RATE_Q.search(pq.wording):
        return lambda units: "%" in units  # a rate the report never states is not made up from its counts
    return lambda units: any(u != "%" for u in units)


def _plan_match(pq: ParsedQuestion, p: object) -> float:
    section = getattr(p, "section", None) or ""
    if getattr(p, "is_heading", False) or not PLAN_SECTION.search(section):
        return 0.0
    return 1.0 if PLAN_Q.search(pq.wording) else -1.0


DOC_NUMBER = re.compile(r"[〔［\[](?:19|20)\d\d[〕］\]]\s*第?\d+\s*号")
_CLAUSE = re.compile(r"(?<=[，,；;。!！?？])")
_DIGIT = re.compile(r"\d")


def figure_coverage(retriever: Retriever, pq: ParsedQuestion, text: str) -> float:
    """The best coverage of (previous clause + a clause with a figure); 0 when the text has no figure."""
    clauses = [c for c in _CLAUSE.split(text) if c.strip()]
    best = 0.0
    for i, c in enumerate(clauses):
        if _DIGIT.search(c):
            window = (clauses[i - 1] if i else "") + c
            best = max(best, retriever.coverage(pq, -1, window))
    return best


def topic_bigrams(pq: ParsedQuestion) -> frozenset[str]:
    """Character bigrams of the question's Chinese topic terms (their first forms)."""
    grams: set[str] = set()
    for g in pq.terms:
        for run in _CJK.findall(g.forms[0]):
            grams.update(run[i : i + 2] for i in range(len(run) - 1))
            if len(run) == 1:
                grams.add(run)
    return frozenset(grams)


class _Unset:
    """Marks an argument the caller did not compute (the function computes it)."""


_UNSET = _Unset()


def features(
    retriever: Retriever,
    pq: ParsedQuestion,
    hit: Hit,
    dense: float,
    max_lexical: float,
    bigrams: frozenset[str] | None = None,
    asked_unit: bool | None = None,
    text: str | None = None,
    focal: tuple[str, ...] | None | _Unset = _UNSET,
) -> list[float]:
    """One feature row (FEATURES order) for a question and a retrieved passage (or a variant of its text, such
    as the passage with its negated clauses blanked)."""
    index = retriever.index
    p = index.passages[hit.row]
    coverage = hit.coverage if text is None else retriever.coverage(pq, -1, text)
    text = matching_text(p.text if text is None else text)  # a report in traditional characters matches too
    grams = topic_bigrams(pq) if bigrams is None else bigrams
    ngram = sum(1 for g in grams if g in text) / len(grams) if grams else 0.0
    if isinstance(focal, _Unset):
        focal = retriever.focal_forms(pq)
    units = retriever.passage_units().get(p.passage_id, frozenset())
    wants_number = pq.numeric or pq.constraint is not None
    if asked_unit is None:
        asked_unit = wants_number and wanted_units(pq)(units)
    if DOC_NUMBER_Q.search(pq.wording):
        asked_unit = bool(DOC_NUMBER.search(text))  # a document number is what is asked: 政府报〔2024〕9号
    return [
        1.0,
        coverage,
        hit.lexical / max_lexical if max_lexical > 0 else 0.0,
        dense,
        ngram,
        1.0 if focal is None or any(f in text for f in focal) else 0.0,
        1.0 if p.is_heading else 0.0,
        _plan_match(pq, p),
        1.0 if _NEGATION.search(text) else 0.0,
        1.0 if asked_unit else 0.0,
        1.0 if wants_number and units else 0.0,
        math.log1p(len(pq.terms)),
        figure_coverage(retriever, pq, text) if wants_number else coverage,
    ]


def rescore(retriever: Retriever, pq: ParsedQuestion, hit: Hit, row: list[float], text: str) -> float:
    """The probability of the same passage with a different text (e.g. its negated clauses blanked)."""
    new = features(retriever, pq, hit, row[FEATURES.index("dense")], 1.0, None, None, text)
    new[FEATURES.index("lexical")] = row[FEATURES.index("lexical")]
    return relevance_model().probability(new)


def score_hits(retriever: Retriever, pq: ParsedQuestion, hits: list[Hit]) -> list[tuple[float, Hit, list[float]]]:
    """(probability, hit, features) for each hit, best first; dense similarity filled in where missing."""
    if not hits:
        return []
    model = relevance_model()
    qv = retriever.query_vector(pq.query_text or pq.text)
    missing = [h.row for h in hits if h.dense == 0.0]
    dense = {h.row: h.dense for h in hits if h.dense != 0.0}
    if missing:
        vecs = retriever.index.vectors.reconstruct(missing)
        for r, v in zip(missing, np.asarray(vecs) @ qv, strict=True):
            dense[r] = float(v)
    max_lex = max((h.lexical for h in hits), default=0.0)
    grams = topic_bigrams(pq)
    wants = pq.numeric or pq.constraint is not None
    wanted = wanted_units(pq)
    units_of = retriever.passage_units()
    focal = retriever.focal_forms(pq)  # once per question, not once per passage
    doc_number = bool(DOC_NUMBER_Q.search(pq.wording))
    out = []
    for h in hits:
        units = units_of.get(retriever.index.passages[h.row].passage_id, frozenset())
        asked = None if doc_number else wants and wanted(units)
        row = features(retriever, pq, h, dense[h.row], max_lex, grams, asked, focal=focal)
        out.append((model.probability(row), h, row))
    out.sort(key=lambda x: -x[0])
    return out
