"""Fact answers: one town's (or each named town's) best evidence, as decided by the fitted relevance model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from qa.answers.base import ComposerBase, Evidence, short
from qa.answers.clauses import NAME_Q, PERSON_Q, names_organisation, names_person, rate_forms, states_the_rate
from qa.answers.listing import list_items
from qa.plan import PLAN_Q, PLAN_SECTION, ParsedQuestion
from qa.plan.intent import DOC_NUMBER_Q, WHICH_ONE
from qa.relevance import DOC_NUMBER, answer_features, relevance_model, score_hits, wanted_units
from qa.retrieval import Hit
from qa.types import Answer


def fact_answer(c: ComposerBase, pq: ParsedQuestion, doc_ids: list[str]) -> Answer:
    """The best evidence for the question, or not_found when the model says the reports do not answer it."""
    hits = c.retriever.search(pq, doc_ids)
    # The fitted relevance model decides (qa/relevance.py); its probability orders the evidence.
    model = relevance_model()
    scored = score_hits(c.retriever, pq, hits)
    c.scores.update({h.row: prob for prob, h, _ in scored})
    if not scored or model.answerable(answer_features(c.retriever, pq, scored)) < model.answer_threshold:
        return c.not_found(pq, None, [c.index.passages[h.row] for _, h, _ in scored[:2]])
    good = [h for prob, h, _ in scored if prob >= model.passage_threshold]
    if PLAN_Q.search(pq.wording) and pq.towns:
        # A question about a town's plans is answered from its report's plan section when it has one.
        in_plan = [h for _, h, _ in scored if PLAN_SECTION.search(c.index.passages[h.row].section or "")]
        good = in_plan[:6] or good
    if not good:
        # The answer gate says the reports answer it: the best passage is the answer, even below the citing bar.
        good = [scored[0][1]]
    if pq.numeric:
        wanted = wanted_units(pq)
        units = c.retriever.passage_units()
        rate = rate_forms(pq)
        with_numbers = [h for h in good if wanted(units.get(c.index.passages[h.row].passage_id, frozenset()))
                        and states_the_rate(c.index.passages[h.row].text, rate, 2 if pq.lang == "en" else 1)]
        if not with_numbers:
            return c.not_found(pq, "no figure for this in the reports", [c.index.passages[h.row] for h in good[:2]])
        good = with_numbers + [h for h in good if h not in with_numbers]
    if NAME_Q.search(pq.wording):
        # "是哪家律师事务所的?": only a passage that names the firm answers; one that says a firm was engaged does not.
        named = [h for h in good if names_organisation(c.index.passages[h.row].text)] or [
            h for _, h, _ in scored[:10] if names_organisation(c.index.passages[h.row].text)]
        if not named:
            return c.not_found(pq, "the reports do not name it", [c.index.passages[h.row] for h in good[:2]])
        good = named + [h for h in good if h not in named]
    if PERSON_Q.search(pq.wording) and not NAME_Q.search(pq.wording):
        # "组长叫什么名字?": only a passage that names the person answers; 由镇党委书记任组长 names the role.
        named = [h for h in good if names_person(c.index.passages[h.row].text)]
        if not named:
            return c.not_found(pq, "the reports do not name the person", [c.index.passages[h.row] for h in good[:2]])
        good = named + [h for h in good if h not in named]
    if DOC_NUMBER_Q.search(pq.wording):
        # 文号是什么: the passages that hold a document number answer it; the report's title only names it.
        numbered = [h for h in good if DOC_NUMBER.search(c.index.passages[h.row].text)]
        good = numbered + [h for h in good if h not in numbered]
    chosen: list[Evidence] = []
    if pq.intent == "list":
        chosen = list_items(c, pq, good)
    if not chosen:
        per_town = 3 if len({c.doc(c.index.passages[h.row].doc_id).metadata.town for h in good[:6]}) == 1 else 2
        chosen = _diverse(c, pq, good, per_town, by_year=pq.year_scope == "all")
    return evidence_answer(c, pq, chosen)


def per_town_answer(c: ComposerBase, pq: ParsedQuestion, doc_ids: list[str]) -> Answer:
    """"A和B分别…": each named town answered on its own, and a town without evidence said so."""
    answered: list[tuple[float, list[Evidence]]] = []
    missing: list[str] = []
    for town in pq.towns:
        sub = replace(pq, towns=(town,))
        town_docs = [d for d in doc_ids if c.doc(d).metadata.town == town]
        one = fact_answer(c, sub, town_docs) if town_docs else None
        if one is None or one.kind == "not_found":
            missing.append(town)
            continue
        own: list[Evidence] = []
        for cite in one.citations[:2]:
            p = c.passage_at(cite.doc_id, cite.start)
            if p is not None:
                own.append(Evidence(p, c.display_clause(pq, p)))
        answered.append((max((ci.score or 0.0 for ci in one.citations[:2]), default=0.0), own))
    if WHICH_ONE.search(pq.text):
        # "Of those, which one…?": the town whose evidence fits best comes first.
        answered.sort(key=lambda x: -x[0])
    chosen = [e for _, own in answered for e in own]
    if not chosen:
        return c.not_found(pq, None)
    answer = evidence_answer(c, pq, chosen)
    if missing:
        names = "、".join(c.town_label(t, pq.lang) for t in missing)
        note = f"\nThe reports of {names} do not say." if pq.lang == "en" else f"\n{names}：报告中没有找到相关内容。"
        answer = replace(answer, answer=answer.answer + note)
    return answer


def _diverse(c: ComposerBase, pq: ParsedQuestion, hits: Sequence[Hit], per_town: int, by_year: bool = False) -> list[Evidence]:
    """The best hits, at most `per_town` per town (per town and year for 历年 questions)."""
    out: list[Evidence] = []
    counts: dict[object, int] = {}
    top = hits[0].score
    for h in hits:
        if h.score < top - 0.35 and len(out) >= 1:
            break
        p = c.index.passages[h.row]
        meta = c.doc(p.doc_id).metadata
        town: object = (meta.town, meta.year) if by_year else meta.town
        if counts.get(town, 0) >= per_town:
            continue
        counts[town] = counts.get(town, 0) + 1
        out.append(Evidence(p, c.display_clause(pq, p)))
        if len(out) >= min(c.max_citations, max(3, per_town * max(1, len(pq.towns)))):
            break
    return out


def evidence_answer(c: ComposerBase, pq: ParsedQuestion, chosen: list[Evidence]) -> Answer:
    """The chosen evidence, grouped by town, each quote verbatim and numbered."""
    cites = [c.citation(i + 1, e.passage) for i, e in enumerate(chosen)]
    towns = tuple(dict.fromkeys(ci.town for ci in cites if ci.town))
    lines: list[str] = []
    by_town: dict[str | None, list[tuple[int, Evidence]]] = {}
    for i, e in enumerate(chosen):
        by_town.setdefault(c.doc(e.passage.doc_id).metadata.town, []).append((i + 1, e))
    for town, items in by_town.items():
        shown = items[:3] if pq.intent == "list" or len(items) > 1 else items[:1]
        body = ("; " if pq.lang == "en" else "；").join(f"“{short(e.display or e.passage.text)}”[{n}]" for n, e in shown)
        lines.append(f"{c.town_label(town, pq.lang)}: {body}" if pq.lang == "en" else f"{town or ''}：{body}")
    lead = "According to the reports — " if pq.lang == "en" else ""
    return Answer(pq.text, lead + ("\n".join(lines)), "fact", towns, tuple(cites))
