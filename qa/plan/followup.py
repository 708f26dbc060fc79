"""A follow-up question (那西仓镇呢?, 它们分别是哪一年的报告?) read against the previous turn."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from qa.plan.intent import points_back
from qa.plan.types import ParsedQuestion

# "这两个镇哪个多?" / "Which of these three has the most?": the towns of that many earlier turns.
_GROUP = re.compile(r"这([两三四五几])|(两)个|([三四五])个(?=镇|乡|街|地方|里|中|当中|哪|谁|[?？,，]|$)|([两三])(?:镇|地|者)|(二)者|\b(both)\b|\b(?:the|these|those|all) (two|three|four|five)\b|"
                    r"\b(two) of them\b", re.IGNORECASE)
_GROUP_SIZE = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "几": 6, "both": 2, "two": 2, "three": 3, "four": 4, "five": 5}


def group_size(q: str) -> int:
    """How many towns a pointer to earlier turns names (这两个 → 2, these three → 3, 这几个 → up to 6), 0 if none."""
    m = _GROUP.search(q)
    return _GROUP_SIZE[next(g for g in m.groups() if g).lower()] if m else 0


def resolve_followup(pq: ParsedQuestion, previous: ParsedQuestion | None, previous_towns: Sequence[str]) -> ParsedQuestion:
    """Fill an elliptical follow-up (那西仓镇呢? / 它们分别是哪一年的报告?) from the previous turn."""
    if previous is None:
        return pq
    has_topic = bool(pq.terms) and pq.intent not in ("year", "region")
    if pq.towns and not has_topic:
        # "那西仓镇呢?": the previous question, asked of the new town.
        text = previous.text
        for t in previous.towns:
            text = text.replace(t, pq.towns[0] if len(pq.towns) == 1 else "、".join(pq.towns))
        return replace(
            previous,
            text=pq.text,
            towns=pq.towns,
            intent=previous.intent if len(pq.towns) == 1 or previous.intent != "fact" else "fact",
            years=pq.years or previous.years,
            soft_years=not pq.years or pq.soft_years,
            elliptical=True,
            query_text=text,
        )
    if not pq.towns and (pq.elliptical or not pq.terms):
        towns = tuple(previous_towns) or previous.towns
        intent = pq.intent
        # "这两个镇哪个开得多?": the previous topic stays; the follow-up's own words add to it.
        own = tuple(g for g in pq.terms if all(g.forms[0] not in p.forms for p in previous.terms))
        if intent == "aggregate" and own and not points_back(pq.text):
            # "And which ones cite the '1310' plan?": a question of its own, only joined on. It keeps the earlier
            # question's scope (its towns, regions, years), not the earlier answer's towns, nor its topic.
            return replace(pq, towns=previous.towns, regions=pq.regions or previous.regions,
                           years=pq.years or previous.years, soft_years=not pq.years or pq.soft_years)
        if intent == "aggregate" and towns and not own:
            intent = "fact"  # "它们呢?": each of the previous towns; "其中哪些…X?" stays an aggregate over them
        # "And in 2023?" / "那去年呢?" adds nothing of its own: the previous question's measure (a score, a count in
        # 件) is still what is asked, so a passage without such a figure does not answer it.
        bare = not pq.terms and pq.intent not in ("year", "region", "corpus")
        return replace(
            pq,
            towns=towns,
            years=pq.years or previous.years,
            soft_years=not pq.years or pq.soft_years,
            intent=intent,
            terms=previous.terms + own if pq.elliptical else (pq.terms or previous.terms),
            lexical_query=pq.lexical_query or previous.lexical_query,
            elliptical=True,
            numeric=pq.numeric or (bare and previous.numeric),
            asked_units=pq.asked_units or (previous.asked_units if bare else ()),
            query_text=(previous.query_text or previous.text) if bare else pq.query_text,
        )
    return pq
