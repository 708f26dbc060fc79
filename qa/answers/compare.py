"""Comparisons: towns ranked by the parsed number that best matches the question's measure.

The passages come from hybrid retrieval within the towns compared (all towns when none is named) and must clear the
fitted relevance threshold; in each, the figure the fitted figure-choice model (qa/claim_choice.py: its own clause's
and the clause before's coverage of the question, unit kind, 其中 breakdown, goal, distance from the measure) rates
highest is the town's value. Between named towns each town's own measure
stands; across the corpus one measure is ranked and the top N are cited, with the count of all that report one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

from qa.answers.base import ComposerBase
from qa.answers.clauses import clause_window, figure_negated, fmt_claim, is_change, is_target, same_measure
from qa.claim_choice import claim_model, passage_claim_rows
from qa.corpus_index import CorpusIndex
from qa.places import matching_text
from qa.plan import PLAN_Q, ParsedQuestion
from qa.plan.intent import RATE_Q
from qa.relevance import CHANGE_Q, MONEY_Q, relevance_model, score_hits, unit_kind
from qa.types import Answer, Claim, Passage

Candidate = tuple[Claim, Passage, float]  # a document's figure, its passage, and the figure's relevance


@dataclass(frozen=True)
class CompareModel:
    """The fitted share of the best town's relevance a town's figure needs to be ranked with it."""

    min_share: float


@lru_cache(maxsize=1)
def compare_model() -> CompareModel:
    """qa/data/compare_model.json, written by python -m qa.training.compare."""
    data = json.loads(resources.files("qa.data").joinpath("compare_model.json").read_text(encoding="utf-8"))
    return CompareModel(float(data["min_share"]))


# The lexical sweep's passages looked at beyond the hybrid top-k; when a sweep is longer, the answer says so.
SWEEP_LIMIT = 2000


def compare_candidates(c: ComposerBase, pq: ParsedQuestion, doc_ids: list[str]) -> tuple[list[Candidate], int]:
    """Each document's best figure for the asked measure, with its relevance, and how many passages the sweep found."""
    if pq.town_measures:
        # Each named town is asked about in its own measure words, with the words the question shares between them
        # (长滩镇's 审批服务 and 五马镇's “一站式”服务, both 办理的事项).
        own_forms = {g.forms for _, terms in pq.town_measures for g in terms}
        shared = tuple(g for g in pq.terms if g.forms not in own_forms)
        found: list[Candidate] = []
        n_swept = 0
        for town, terms in pq.town_measures:
            docs = [d for d in doc_ids if c.doc(d).metadata.town == town]
            sub = replace(pq, towns=(town,), terms=terms + shared, town_measures=())
            f, n = compare_candidates(c, sub, docs) if docs else ([], 0)
            found += f
            n_swept += n
        return found, n_swept
    model = relevance_model()
    hits = {h.row: h for h in c.retriever.search(pq, doc_ids, k=max(30, 4 * len(doc_ids)))}
    if pq.towns:
        # Named towns are each searched on their own, so one town's many matches cannot crowd out another's figure.
        for town in pq.towns:
            own = [d for d in doc_ids if c.doc(d).metadata.town == town]
            for h in c.retriever.search(pq, own, k=30) if own else ():
                hits.setdefault(h.row, h)
    swept = c.retriever.sweep(pq, doc_ids)
    for h in swept[:SWEEP_LIMIT]:
        hits.setdefault(h.row, h)
    asks_plan = bool(PLAN_Q.search(pq.wording))
    change_q = bool(CHANGE_Q.search(pq.wording))
    choice = claim_model()
    claims_of: dict[str, list[Claim]] = {}
    asked = set(pq.asked_units)
    money = MONEY_Q.search(pq.wording) and not asked

    rate = _wants_rate(pq)

    asked_kinds = {unit_kind(u) for u in asked} - {"any"}

    def fits_unit(unit: str) -> bool:
        if asked:
            # 事项更多 asks in 项, 900余件 answers in 件: the asker's exact unit is a choice, the kind of thing counted
            # (items, people, occasions) is not.
            return unit in asked or unit_kind(unit) in asked_kinds
        if money:  # 资金/how much money: an amount in 元, not a count
            return unit_kind(unit) == "money"
        # 哪个镇的村多: a count, not the 覆盖率100% in the same sentence; 合格率 asks for the rate
        return unit_kind(unit) != "money" and (unit == "%") == rate

    best_of: dict[str, tuple[Claim, Passage, float]] = {}
    named_docs = {d for d in doc_ids if c.doc(d).metadata.town in pq.towns}
    for prob, h, _ in score_hits(c.retriever, pq, list(hits.values())):
        p = c.index.passages[h.row]
        if prob < model.fact_threshold and (p.doc_id not in named_docs or p.doc_id in best_of):
            # Below the threshold only a named town's best figure is still looked for: the question says it has one.
            continue
        if p.passage_id not in claims_of:
            claims_of[p.passage_id] = [cl for cl in c.index.claims_by_doc.get(p.doc_id, []) if cl.passage_id == p.passage_id]
        claims = claims_of[p.passage_id]
        # Which of the passage's figures is the measure asked for: the fitted figure-choice model (qa/claim_choice).
        rows = passage_claim_rows(c.retriever, pq, p, claims, prob)
        for cl, row in zip(claims, rows, strict=True):
            if not fits_unit(cl.unit):
                continue  # 旁听庭审次数 is counted in 次, not in 名; money is not a count
            clause = clause_window(p, cl)
            if (not asks_plan and is_target(p, clause)) or figure_negated(p, cl) or (is_change(cl) and not change_q):
                continue  # a goal, a denial (败诉0件) or a change (下降22件) is not the town's count
            rel = choice.probability(row)
            cur = best_of.get(p.doc_id)
            if cur is None or rel > cur[2]:
                best_of[p.doc_id] = (cl, p, rel)
                c.scores[h.row] = prob
    return list(best_of.values()), len(swept)


def _wants_rate(pq: ParsedQuestion) -> bool:
    """Whether the question compares a rate (a constraint, or a 率 term) rather than a count."""
    return pq.constraint is not None or bool(RATE_Q.search(pq.wording)) or any(
        RATE_Q.search(f) for g in pq.terms for f in g.forms)


def rank_candidates(c: ComposerBase, pq: ParsedQuestion, found: list[Candidate], min_share: float) -> list[Candidate]:
    """One figure per town for one measure, ranked (highest first, or lowest for 最少/最低)."""
    rate = _wants_rate(pq)
    per_doc = [x for x in found if (x[0].unit == "%") == rate] or found
    lead_unit = max(per_doc, key=lambda x: x[2])[0].unit
    if not (pq.towns and len(per_doc) <= len(pq.towns)):
        # Across the corpus one measure is ranked; between named towns each town's own figure stands
        # (审查行政合同15份 against 合同审查3件).
        # A figure in another unit of the same kind still counts when its clause names everything the lead figure's
        # clause names (合同审查1715份 against 审查各类合同232件).
        lead = max(per_doc, key=lambda x: x[2])
        lead_terms = _clause_terms(pq, lead)
        per_doc = [x for x in per_doc if same_measure(x[0].unit, lead_unit) or (
            bool(lead_terms) and unit_kind(x[0].unit) == unit_kind(lead_unit) and lead_terms <= _clause_terms(pq, x))]
    per_doc = _one_per_town(c.index, per_doc)
    # A town whose best figure is far less on topic than the best town's is stating another measure
    # (主任办公会议36次 against 法治建设专题会议12次); the share is fitted by python -m qa.training.compare.
    top_rel = max(x[2] for x in per_doc)
    per_doc = [x for x in per_doc if x[2] >= min_share * top_rel]
    reverse = pq.superlative != "min"
    per_doc.sort(key=lambda x: (x[0].value if reverse else -x[0].value), reverse=True)
    return per_doc


def compare_answer(c: ComposerBase, pq: ParsedQuestion, doc_ids: list[str]) -> Answer:
    """The towns ranked by their figure for the asked measure (highest first, or lowest for 最少/最低)."""
    found, n_swept = compare_candidates(c, pq, doc_ids)
    if not found and pq.lang == "en" and pq.asked_units:
        # The unit an English noun is counted in is a guess (inspections: 检查3次, or 行政检查353件); when no report
        # states the measure in it, the reports' own units decide.
        found, n_swept = compare_candidates(c, replace(pq, asked_units=()), doc_ids)
    if not found:
        return c.not_found(pq, "no comparable figures in the reports")
    per_doc = rank_candidates(c, pq, found, compare_model().min_share)
    reverse = pq.superlative != "min"
    lead_unit = per_doc[0][0].unit if per_doc else ""
    total = len(per_doc)
    if not pq.towns:
        per_doc = per_doc[: c.max_citations]  # the top N are cited; the count says how many reported
    cites = [c.citation(i + 1, p) for i, (_, p, _) in enumerate(per_doc)]
    towns = tuple(ci.town for ci in cites if ci.town)
    ranked = [f"{c.town_label(ci.town, pq.lang)} {fmt_claim(cl)}[{ci.n}]" for ci, (cl, _, _) in zip(cites, per_doc, strict=True)]
    head = c.town_label(towns[0], pq.lang) if towns else ""
    if len(per_doc) == 1:
        text = f"Only {head} reports a figure for this: {ranked[0]}." if pq.lang == "en" else f"只有{head}报告了相关数字：{ranked[0]}。"
    else:
        text = _ranking_text(pq.lang, head, ranked, reverse, lead_unit)
    if total > len(per_doc):
        text += (
            f" ({total} towns report a figure; the top {len(per_doc)} are listed.)"
            if pq.lang == "en"
            else f"（共{total}个，列出前{len(per_doc)}个。）"
        )
    if n_swept > SWEEP_LIMIT:
        text += (
            f" (The {n_swept} matching passages were more than the {SWEEP_LIMIT} looked at; name a region or year to narrow.)"
            if pq.lang == "en"
            else f"（相关段落共{n_swept}段，超过本次查看的{SWEEP_LIMIT}段；可按地区或年份缩小范围。）"
        )
    values = tuple((ci.town or "", cl.value, cl.unit) for ci, (cl, _, _) in zip(cites, per_doc, strict=True))
    return Answer(pq.text, text, "compare", towns, tuple(cites), values=values)


def _clause_terms(pq: ParsedQuestion, x: Candidate) -> frozenset[int]:
    """Which of the question's term groups the figure's clause (with the clause before) names."""
    clause = matching_text(clause_window(x[1], x[0]))
    return frozenset(i for i, g in enumerate(pq.terms) if any(f in clause for f in g.forms))


def _one_per_town(index: CorpusIndex, items: list[tuple[Claim, Passage, float]]) -> list[tuple[Claim, Passage, float]]:
    best: dict[str | None, tuple[Claim, Passage, float]] = {}
    for item in items:
        t = index.documents[item[1].doc_id].metadata.town
        if t not in best or item[2] > best[t][2]:
            best[t] = item
    return list(best.values())


def _ranking_text(lang: str, head: str, ranked: list[str], reverse: bool, lead_unit: str) -> str:
    """"A最多：A …[1]；B …[2]。" / "A has the most: …": the ranked towns, highest first (lowest for 最少)."""
    span = unit_kind(lead_unit) == "time"  # 为期8天: the longest, not the most
    if lang == "en":
        word = (("highest" if reverse else "lowest") if lead_unit == "%" else ("longest" if reverse else "shortest")
                if span else ("most" if reverse else "least"))
        return f"{head} has the {word}: " + "; ".join(ranked) + "."
    word = (("最高" if reverse else "最低") if lead_unit == "%" else ("最长" if reverse else "最短") if span
            else ("最多" if reverse else "最少"))
    return f"{head}{word}：" + "；".join(ranked) + "。"


def compare_previous(c: ComposerBase, pq: ParsedQuestion, prev: Answer) -> Answer | None:
    """"哪个镇最多?" right after a table or comparison: its figures ranked, with their citations, rather than a new
    search that may find other figures. None when the previous answer has fewer than two figures of one kind."""
    rows = [(t, v, u) for t, v, u in prev.values if t]
    if len(rows) < 2 or len({unit_kind(u) for _, _, u in rows}) > 1:
        return None
    by_town = {ci.town: ci for ci in prev.citations if ci.town}
    rows = [r for r in rows if r[0] in by_town]
    if len(rows) < 2:
        return None
    reverse = pq.superlative != "min"
    rows.sort(key=lambda r: r[1], reverse=reverse)
    cites = [replace(by_town[t], n=i + 1) for i, (t, _, _) in enumerate(rows)]
    shown = [f"{c.town_label(t, pq.lang)} {int(v) if v == int(v) else v}{'' if pq.lang == 'zh' else ' '}{u}[{i + 1}]"
             for i, (t, v, u) in enumerate(rows)]
    text = _ranking_text(pq.lang, c.town_label(rows[0][0], pq.lang), shown, reverse, rows[0][2])
    return Answer(pq.text, text, "compare", tuple(t for t, _, _ in rows), tuple(cites), values=tuple(rows))


def previous_figures(c: ComposerBase, pq: ParsedQuestion, turns: Sequence[Answer]) -> Answer | None:
    """"这两个镇哪个多?" after one fact turn per town: each turn's own cited figure, as a table-like answer that
    compare_previous can rank. None unless every compared town has a one-town fact turn citing a figure."""
    rows: list[tuple[str, float, str]] = []
    cites = []
    for town in pq.towns:
        turn = next((a for a in reversed(turns) if a.kind == "fact" and tuple(a.towns) == (town,) and a.citations), None)
        if turn is None:
            return None
        ci = turn.citations[0]
        claims = [cl for cl in c.index.claims_by_doc.get(ci.doc_id, []) if ci.start <= cl.start and cl.end <= ci.end]
        if pq.asked_units:
            claims = [cl for cl in claims if cl.unit in pq.asked_units]
        claims = [cl for cl in claims if unit_kind(cl.unit) != "money" and cl.unit != "%"] or claims
        if not claims:
            return None
        rows.append((town, claims[0].value, claims[0].unit))
        cites.append(ci)
    if len(rows) < 2:
        return None
    return Answer(pq.text, "", "table", tuple(pq.towns), tuple(cites), values=tuple(rows))
