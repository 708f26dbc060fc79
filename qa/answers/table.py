"""Table answers: 各镇分别…多少 / 列出各镇…的数量 / How many … did each town …? — one row per town.

The towns are the aggregate's (every town whose best passage clears the fitted aggregate threshold); each row
carries the figure parsed from that passage's clause (value and unit) and its citation. When that passage gives no
figure of the kind asked (none at all, or 10项 for 多少场), the town's other passages above the fact threshold are
searched as a comparison searches them (qa/answers/compare.py); a town with no such figure anywhere is not a row: it
is named, with its citation, on a line of its own, so nothing found is silently dropped.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from qa.answers.aggregate import aggregate_answer
from qa.answers.compare import compare_candidates
from qa.types import Answer, Claim, Passage

if TYPE_CHECKING:
    from qa.answers.base import ComposerBase as Composer
    from qa.plan import ParsedQuestion


def table_answer(composer: Composer, pq: ParsedQuestion, doc_ids: list[str]) -> Answer:
    """One row per qualifying town: value, unit and citation; `values` holds every row with a figure."""
    agg = aggregate_answer(composer, replace(pq, intent="aggregate", numeric=True), doc_ids)
    if agg.kind == "not_found":
        return agg
    by_town = {t: (v, u) for t, v, u in agg.values}
    asked = set(pq.asked_units)
    citations = list(agg.citations)
    # A town that qualifies but whose best passage gives no figure of the kind asked may give it in another
    # passage (中心组集中学习讨论21次 two sentences on): its figure is looked for as a comparison of named towns
    # looks for one (the fitted figure-choice model), and the row cites that passage instead.
    missing = {c.town: i for i, c in enumerate(citations)
               if c.town and not (c.town in by_town and (not asked or by_town[c.town][1] in asked))}
    if missing:
        docs = [d for d in doc_ids if composer.doc(d).metadata.town in missing]
        found, _ = compare_candidates(composer, replace(pq, intent="compare", towns=()), docs)
        best: dict[str, tuple[float, Claim, Passage]] = {}
        for cl, p, rel in found:
            town = composer.doc(p.doc_id).metadata.town or ""
            if town in missing and (town not in best or rel > best[town][0]):
                best[town] = (rel, cl, p)
        for town, (_, cl, p) in best.items():
            i = missing[town]
            citations[i] = composer.citation(citations[i].n, p)
            by_town[town] = (cl.value, cl.unit)
    rows: list[str] = []
    others: list[str] = []  # towns whose passage gives no figure, or none of the kind asked (10项 for 多少场)
    values: list[tuple[str, float, str]] = []
    for c in citations:
        town = c.town or ""
        label = composer.town_label(town, pq.lang)
        if town in by_town and (not asked or by_town[town][1] in asked):
            v, u = by_town[town]
            shown = int(v) if v == int(v) else v
            rows.append(f"{label}：{shown}{u}[{c.n}]" if pq.lang == "zh" else f"{label}: {shown} {u} [{c.n}]")
            values.append((town, v, u))
        else:
            others.append(f"{label}[{c.n}]")
    if not rows:
        return agg
    towns = tuple(t for t in agg.towns if t in by_town and not (asked and by_town[t][1] not in asked))
    n = len(towns)
    head = f"共{n}个镇（街道）：" if pq.lang == "zh" else f"{n} town{'s' if n != 1 else ''}:"
    extra = ""
    if len(agg.towns) > len(agg.citations):
        extra = f"\n（以上列出前{len(agg.citations)}个）" if pq.lang == "zh" else f"\n(the first {len(agg.citations)} are listed)"
    if others:
        extra += (f"\n另有{len(others)}个提到相关内容，但没有给出这一数字：" + "、".join(others) if pq.lang == "zh"
                  else f"\n{len(others)} more mention it without this figure: " + ", ".join(others))
    return Answer(pq.text, head + "\n" + "\n".join(rows) + extra, "table", towns, tuple(citations),
                  values=tuple(values))
