"""Aggregate answers (哪些镇…): every document in scope is checked, and each town whose best passage (or claim,
for a numeric condition) clears the fitted aggregate threshold is named once with its best quote.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.answers.base import ComposerBase, Evidence, one_per_town, short
from qa.answers.clauses import (
    COUNT_UNITS,
    MENTION_Q,
    NAME_Q,
    TRAINING,
    affirmed_text,
    clause_around,
    is_target,
    names_organisation,
)
from qa.corpus_index import CorpusIndex
from qa.places import matching_text
from qa.plan import PLAN_Q, PLAN_SECTION, ParsedQuestion
from qa.relevance import FEATURES, answer_features, relevance_model, rescore, score_hits
from qa.retrieval import Hit
from qa.types import Answer, Citation, Claim, Passage

# Above this many passages an aggregate's sweep keeps only passages with the focal term (a cost bound, not a gate
# that changes answers on the corpora measured: 10k reports have about 700k passages).
SWEEP_FOCAL_ABOVE = 200_000


def aggregate_answer(c: ComposerBase, pq: ParsedQuestion, doc_ids: list[str]) -> Answer:
    """Every qualifying town, named and counted, each with its best quote (and figure, when one is asked)."""
    found: list[tuple[float, Evidence]] = []
    if pq.constraint is not None:
        # The claims index hands over only the claims in the asked unit that meet the condition.
        meeting: dict[str, list[Claim]] = {}
        for unit in pq.constraint.all_units:
            for doc_id, cl in c.index.claims_meeting(unit, pq.constraint.holds).items():
                meeting.setdefault(doc_id, []).extend(cl)
        asks_plan = bool(PLAN_Q.search(pq.text))
        for doc_id in doc_ids:
            claims = meeting.get(doc_id)
            ev = _best_constrained_claim(c, pq, claims, asks_plan) if claims else None
            if ev:
                found.append(ev)
        looked_at = 0
    else:
        found, looked_at = _passages_on_topic(c, pq, doc_ids)
    found = _one_per_town_ev(c.index, found)
    if not found:
        return c.not_found(pq, "no report meets the question's condition" if pq.constraint else None)
    # Qualifying towns are listed in the index's document order (stable and easy to check against a folder),
    # not by an internal score; the score is on each citation.
    found.sort(key=lambda x: (c.doc(x[1].passage.doc_id).source, -x[0]))
    # Every qualifying town is named and counted; only a very long list stops citing at `max_listed`.
    qualifying = [e for _, e in found]
    chosen = qualifying[: c.max_listed]
    if pq.constraint is None:
        chosen = [Evidence(e.passage, c.display_clause(pq, e.passage), _claim_for(c, pq, e.passage)) for e in chosen]
    cites = [c.citation(i + 1, e.passage) for i, e in enumerate(chosen)]
    towns = tuple(t for t in (c.doc(e.passage.doc_id).metadata.town for e in qualifying) if t)
    sep = "; " if pq.lang == "en" else "；"
    parts = [f"{c.town_label(ci.town, pq.lang)} “{short(e.display or ci.quote)}”[{ci.n}]" for ci, e in zip(cites, chosen, strict=True)]
    n = len(qualifying)
    if pq.lang == "en":
        text = f"{n} town{'s' if n != 1 else ''}: " + sep.join(parts) + "."
        if n > len(chosen):
            text += f" The first {len(chosen)} are cited; ask about a region or year to narrow the list."
    else:
        text = f"共{n}个：" + sep.join(parts) + "。"
        if n > len(chosen):
            text += f"（共{n}个，列出前{len(chosen)}个；可按地区或年份缩小范围。）"
    if looked_at:
        text += (
            f" (More passages match than the {looked_at} best that were looked at; name a region or year to narrow.)"
            if pq.lang == "en"
            else f"（相关段落超过本次查看的{looked_at}段，可能有镇未列出；可按地区或年份缩小范围。）"
        )
    values = tuple((ci.town or "", e.claim.value, e.claim.unit) for ci, e in zip(cites, chosen, strict=True) if e.claim)
    return Answer(pq.text, text, "aggregate", towns, tuple(cites), values=values if len(values) >= 2 else ())


def _passages_on_topic(c: ComposerBase, pq: ParsedQuestion, doc_ids: list[str]) -> tuple[list[tuple[float, Evidence]], int]:
    """Each document's best passage on the question's topic that clears the aggregate threshold, and the number of
    passages looked at when more matched (0 otherwise)."""
    focal = c.retriever.focal_forms(pq)
    # "哪些镇的报告提到X" counts a mention anywhere, plans included; "哪些镇开展了X" does not count a plan.
    asks_plan = bool(PLAN_Q.search(pq.wording) or MENTION_Q.search(pq.wording))
    # Large corpora look only at passages holding the focal term; small ones let the model weigh it.
    large = len(c.index.passages) > SWEEP_FOCAL_ABOVE
    hits = c.retriever.sweep(pq, doc_ids, require_any=focal if large else None)
    model = relevance_model()
    # "哪些镇全年没有发生重大安全事故?" asks for the denial itself: 未发生X qualifies then.
    asks_negated = bool(_ASKS_NEGATED.search(pq.wording))
    best: dict[str, tuple[float, Hit]] = {}
    scored = score_hits(c.retriever, pq, hits)
    if not scored or model.answerable(answer_features(c.retriever, pq, scored)) < model.answer_threshold:
        return [], 0  # the fitted answer gate: no passage anywhere answers the question (哪些镇的行政复议决定被撤销)
    # A word the question puts in quotes (“述法”制度) is what it asks about, when the reports use it: a town
    # qualifies only on a passage that says it (one of them, when several are quoted as alternatives).
    quoted = [g.forms for g in pq.terms if pq.lang == "zh" and g.quoted and _CJK.search(g.forms[0]) and c.retriever.term_weight(g) > 0]
    # The fitted town decision (RelevanceModel.names_town) weighs each town's best passage and whether it holds
    # the focal term.
    names_asked = bool(NAME_Q.search(pq.wording))
    for prob, h, feats in scored:
        p = c.index.passages[h.row]
        if not model.names_town(prob, 1.0):
            continue  # not even with the focal term
        if quoted and not any(f in matching_text(p.text) for forms in quoted for f in forms):
            continue
        if names_asked and not names_organisation(p.text):
            continue  # "Which reports name the law firm …": a passage that names one (聘请1家律师事务所 does not)
        if not asks_plan and not p.is_heading and p.section and PLAN_SECTION.search(p.section):
            continue  # "下一步将开展X" is not having done X
        affirmed = p.text if asks_negated else affirmed_text(p.text)
        if affirmed is not p.text:
            if focal is not None and not any(f in affirmed for f in focal):
                continue  # 未发生行政诉讼案件 / 败诉0件 do not qualify: a negated mention is not a mention
            if not model.names_town(rescore(c.retriever, pq, h, feats, affirmed), feats[_FOCAL]):
                continue
        elif not model.names_town(prob, feats[_FOCAL]):
            continue
        c.scores[h.row] = prob
        if p.doc_id not in best or prob > best[p.doc_id][0]:
            best[p.doc_id] = (prob, h)
    # The quote's clause and number are worked out by the caller, for the cited passages only.
    found = [(score, Evidence(c.index.passages[h.row])) for score, h in best.values()]
    return found, hits.limit if hits.truncated else 0


_CJK = re.compile(r"[\u4e00-\u9fff]")
_FOCAL = FEATURES.index("focal")

_ASKS_NEGATED = re.compile(r"没有|未(?:发生|出现)|无一|零发生|\bno\b|\bzero\b|\bwithout\b|\bnot\b|n't", re.IGNORECASE)


def complement_answer(c: ComposerBase, pq: ParsedQuestion, doc_ids: list[str]) -> Answer:
    """"哪些镇没写X" / "which towns did not mention X": the towns in scope the positive question's answer leaves
    out, each cited where its report names itself, then the towns that do say it, with their quotes."""
    from dataclasses import replace

    said = aggregate_answer(c, replace(pq, complement=False), doc_ids)
    saying = set(said.towns) if said.kind != "not_found" else set()
    silent = [d for d in one_per_town(c.index, doc_ids) if c.doc(d).metadata.town and c.doc(d).metadata.town not in saying]
    if not silent:
        return c.not_found(pq, "every report in scope says it")
    cites: list[Citation] = []
    named: list[str] = []
    for d in silent:
        span = c.doc(d).metadata.town_span
        p = c.passage_at(d, span.start) if span else None
        label = c.town_label(c.doc(d).metadata.town, pq.lang)
        if p is not None:
            cites.append(c.citation(len(cites) + 1, p))
            label += f"[{cites[-1].n}]"
        named.append(label)
    towns = tuple(c.doc(d).metadata.town or "" for d in silent)
    shown: list[str] = []
    for old in said.citations if said.kind != "not_found" else ():
        p = c.passage_at(old.doc_id, old.start)
        if p is not None:
            ci = c.citation(len(cites) + 1, p)
            cites.append(ci)
            shown.append(f"{c.town_label(ci.town, pq.lang)} “{short(old.quote)}”[{ci.n}]")
    if pq.lang == "en":
        text = f"{len(towns)} town{'s' if len(towns) != 1 else ''} whose reports do not say so: " + ", ".join(named) + "."
        if shown:
            text += " The reports that do: " + "; ".join(shown) + "."
    else:
        text = f"共{len(towns)}个报告中没有写到：" + "、".join(named) + "。"
        if shown:
            text += "写到的有：" + "；".join(shown) + "。"
    return Answer(pq.text, text, "aggregate", towns, tuple(cites))


def region_towns_answer(c: ComposerBase, pq: ParsedQuestion, doc_ids: list[str]) -> Answer:
    """"Which towns are in 重庆?": the towns whose reports name that region, each cited where they do."""
    cites: list[Citation] = []
    for doc_id in one_per_town(c.index, doc_ids):
        m = c.doc(doc_id).metadata
        span = m.region_span or m.town_span
        p = c.passage_at(doc_id, span.start) if span else None
        if p is not None:
            cites.append(c.citation(len(cites) + 1, p))
    if not cites:
        return c.not_found(pq, "no report names that region")
    towns = tuple(ci.town for ci in cites if ci.town)
    where = "、".join(pq.regions)
    labels = [f"{c.town_label(ci.town, pq.lang)}[{ci.n}]" for ci in cites]
    text = (
        f"{len(cites)} town(s) in {where}: " + ", ".join(labels) + "."
        if pq.lang == "en"
        else f"{where}共{len(cites)}个：" + "、".join(labels) + "。"
    )
    return Answer(pq.text, text, "aggregate", towns, tuple(cites))


def _claim_for(c: ComposerBase, pq: ParsedQuestion, p: Passage) -> Claim | None:
    claims = [cl for cl in c.index.claims_by_doc.get(p.doc_id, []) if cl.passage_id == p.passage_id and cl.unit in COUNT_UNITS]
    if not claims or not pq.numeric:
        return None
    return max(claims, key=lambda cl: c.retriever.coverage(pq, -1, cl.text))


def _claim_relevance(c: ComposerBase, pq: ParsedQuestion, row: int) -> float:
    """The fitted relevance of a passage holding a claim (computed once per passage and question)."""
    cache = c.scores
    key = -1 - row  # kept apart from the scores that citations show
    if key not in cache:
        cov = c.retriever.coverage(pq, row)
        hit = Hit(row, cov, 0.0, 0.0, cov)
        cache[key] = score_hits(c.retriever, pq, [hit])[0][0]
    return cache[key]


def _best_constrained_claim(
    c: ComposerBase, pq: ParsedQuestion, claims: Sequence[Claim], asks_plan: bool = False
) -> tuple[float, Evidence] | None:
    """The document's best claim meeting the numeric condition."""
    assert pq.constraint is not None
    rate_groups = [g for g in pq.terms if any(f.endswith("率") for f in g.forms)]
    asks_training = any(TRAINING.search(f) for g in pq.terms for f in g.forms)
    best: tuple[float, Evidence] | None = None
    for cl in claims:
        if cl.unit not in pq.constraint.all_units or not pq.constraint.holds(cl.value):
            continue
        p = c.index.passages[c.index.passage_row[cl.passage_id]]
        if rate_groups and not any(f in cl.subject for g in rate_groups for f in g.forms):
            continue
        local = p.text[max(0, cl.start - p.start - 20) : cl.end - p.start]
        if TRAINING.search(cl.subject + local) and not asks_training:
            continue
        if not asks_plan and is_target(p, clause_around(p, cl)):
            continue
        row = c.index.passage_row[cl.passage_id]
        prob = _claim_relevance(c, pq, row)
        if prob < relevance_model().aggregate_threshold:
            continue
        c.scores[row] = prob
        if best is None or prob > best[0]:
            best = (prob, Evidence(p, clause_around(p, cl), cl))
    return best


def _one_per_town_ev(index: CorpusIndex, found: list[tuple[float, Evidence]]) -> list[tuple[float, Evidence]]:
    best: dict[str | None, tuple[float, Evidence]] = {}
    for score, e in found:
        t = index.documents[e.passage.doc_id].metadata.town
        if t not in best or score > best[t][0]:
            best[t] = (score, e)
    return list(best.values())
