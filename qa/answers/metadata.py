"""Metadata answers: where a town is (its county, city and province) and which year a report covers."""

from __future__ import annotations

from qa.answers.base import ComposerBase, one_per_town
from qa.plan import ParsedQuestion
from qa.types import Answer, Citation, Passage


def _line_at(c: ComposerBase, doc_id: str, text: str, at: int) -> Passage:
    """The line of text around an offset, as a citable piece of the report."""
    end = text.find("\n", at)
    return c.span(doc_id, text.rfind("\n", 0, at) + 1, len(text) if end < 0 else end)


def region_answer(c: ComposerBase, pq: ParsedQuestion, doc_ids: list[str]) -> Answer:
    """Each town's county, city and province, cited where its report names them."""
    parts: list[str] = []
    cites: list[Citation] = []
    for doc_id in one_per_town(c.index, doc_ids):
        m = c.doc(doc_id).metadata
        region = "".join(x for x in (m.province, m.city, m.county) if x)
        if not m.county and not m.city:
            continue
        text = c.doc(doc_id).text
        # Where the report names its region; when that is the page's furniture (发布机构：寒亭区…), not a passage, the
        # line itself is cited; when the region came from the division list alone, the first line naming it.
        at = m.region_span.start if m.region_span else min(
            (i for x in (m.county, m.city) if x and (i := text.find(x)) >= 0), default=-1)
        p = (c.passage_at(doc_id, at) or _line_at(c, doc_id, text, at)) if at >= 0 else None
        if p is None:
            continue
        cites.append(c.citation(len(cites) + 1, p))
        label = c.town_label(m.town, pq.lang)
        parts.append(f"{label} is in {region} [{len(cites)}]" if pq.lang == "en" else f"{label}属于{region}[{len(cites)}]")
    if not cites:
        return c.not_found(pq, "the reports do not name their county or district")
    towns = tuple(ci.town for ci in cites if ci.town)
    text = ("; ".join(parts) + ".") if pq.lang == "en" else "；".join(parts) + "。"
    return Answer(pq.text, text, "fact", towns, tuple(cites))


def year_answer(c: ComposerBase, pq: ParsedQuestion, doc_ids: list[str]) -> Answer:
    """Each report's year and published date, cited where the report states the year."""
    parts: list[str] = []
    cites: list[Citation] = []
    for doc_id in doc_ids:
        m = c.doc(doc_id).metadata
        if m.year is None or m.year_span is None:
            continue
        p = c.passage_at(doc_id, m.year_span.start)
        if p is None:
            continue
        cites.append(c.citation(len(cites) + 1, p))
        label = c.town_label(m.town, pq.lang)
        dated = (f", dated {m.date}" if pq.lang == "en" else f"，落款/发布日期{m.date}") if m.date else ""
        parts.append(
            f"{label}: the {m.year} report{dated} [{len(cites)}]" if pq.lang == "en" else f"{label}：{m.year}年的报告{dated}[{len(cites)}]"
        )
    if not cites:
        return c.not_found(pq, "the reports do not state their year")
    towns = tuple(dict.fromkeys(ci.town for ci in cites if ci.town))
    sep = "; " if pq.lang == "en" else "；"
    return Answer(pq.text, sep.join(parts) + ("." if pq.lang == "en" else "。"), "fact", towns, tuple(cites))
