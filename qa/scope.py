"""A question's scope: the documents its places, years and filters allow, before any topic is looked for.

A filter is exact (a town or year with no report is said, never replaced by another); a year in the question is
softer (a 2024 report's 2025年工作思路 answers a question about 2025 plans).
"""

from __future__ import annotations

from qa.corpus_index import CorpusIndex
from qa.plan import PLAN_Q, ParsedQuestion
from qa.types import Document, Filters, Passage


def scope_documents(index: CorpusIndex, pq: ParsedQuestion, filters: Filters | None) -> tuple[list[str], str | None]:
    """Documents the question may draw on (its places, years and filters), or (empty, reason) when the corpus has none."""
    docs = list(index.documents.values())
    towns = list(pq.towns)
    if filters and filters.town:
        ft = filters.town
        match = [t for t in index.towns if t == ft or t.startswith(ft) or ft.startswith(t)]
        if not match:
            return [], f"no report for {ft} in the index"
        towns = [t for t in towns if t in match] or match
    if len(towns) == 1:
        docs = list(index.documents_by_town.get(towns[0], ()))
    elif towns:
        docs = [d for d in docs if d.metadata.town in towns]
    if pq.regions and not towns:
        docs = [d for d in docs if {d.metadata.province, d.metadata.city, d.metadata.county} & set(pq.regions)]
    years = list(pq.years)
    if filters and filters.year:
        # A filter is exact: no report of that year means no answer, never another year's report.
        by_year = [d for d in docs if d.metadata.year == filters.year]
        if not by_year:
            have = sorted({(d.metadata.town or "?", d.metadata.year) for d in docs}, key=lambda x: (x[0], x[1] or 0))
            have_txt = "、".join(f"{t} {y}年" for t, y in have)
            return [], f"no {filters.year} report matches the filter (the index has: {have_txt})"
        docs = by_year
        years = []
    if years and docs:
        by_year = [d for d in docs if d.metadata.year in years]
        if not by_year:
            # A report may speak of a later year (2025年工作思路 in a 2024 report).
            by_year = [d for d in docs if any(f"{y}年" in (p.section or "") for y in years for p in _passages(index, d.doc_id))]
        if not by_year and PLAN_Q.search(pq.text):
            # "2025年的计划" is in the 2024 report's 下一步 section.
            by_year = [d for d in docs if d.metadata.year is not None and d.metadata.year + 1 in years]
        if len(towns) > 1 and by_year and (pq.soft_years or pq.intent == "compare"):
            # Several named towns and a year (carried over from an earlier turn, or written after one of them:
            # "云冈镇、新村街道、塘沽街道(2023年)"): each town's report of that year, or its own reports when it has
            # none of that year; the citation shows which year each figure is from.
            dated = {d.metadata.town for d in by_year}
            by_year += [d for d in docs if d.metadata.town not in dated]
        if not by_year and pq.soft_years:
            by_year = docs
        if not by_year:
            have = sorted({(d.metadata.town or "?", d.metadata.year) for d in docs}, key=lambda x: (x[0], x[1] or 0))
            have_txt = "、".join(f"{t} {y}年" for t, y in have)
            return [], f"the index has no {'/'.join(map(str, years))} report for this question (it has: {have_txt})"
        docs = by_year
    if pq.year_scope == "latest" and docs:
        newest: dict[str | None, Document] = {}
        for d in docs:
            t = d.metadata.town
            if t not in newest or (d.metadata.year or 0) > (newest[t].metadata.year or 0):
                newest[t] = d
        docs = list(newest.values())
    return [d.doc_id for d in docs], None


def _passages(index: CorpusIndex, doc_id: str) -> list[Passage]:
    return [index.passages[int(r)] for r in index.doc_rows.get(doc_id, [])]
