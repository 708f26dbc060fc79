"""A question read as a plan: intent, towns and regions, years, topic terms, measure and numeric condition."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from qa.lexical import Tokenizer
from qa.plan.intent import asks_which, complement_of, intent_of, is_elliptical, is_numeric, superlative_of
from qa.plan.lang import language_of
from qa.plan.measure import _constraint, asked_units
from qa.plan.places import match_regions, respell_towns, topic_text, town_matcher, towns_named
from qa.plan.terms import key_terms
from qa.plan.types import ParsedQuestion, TermGroup
from qa.plan.years import question_years


def parse_question(
    text: str,
    towns: Sequence[str],
    pinyin: dict[str, str],
    tokenizer: Tokenizer,
    regions: dict[str, str] | None = None,
    today: date | None = None,
) -> ParsedQuestion:
    """Parse a question against the towns (and regions) the corpus knows."""
    q = respell_towns(text.strip(), towns, pinyin)
    positive = complement_of(q)
    if positive is not None:
        # The plan is the positive question's; the answer is the towns in scope it leaves out.
        return replace(parse_question(positive, towns, pinyin, tokenizer, regions, today), text=q, query_text=q,
                       intent="aggregate", complement=True)
    lang = language_of(q)
    named, unknown = towns_named(q, towns, pinyin)
    region_names = match_regions(q, regions or {})
    # "each Shenzhen subdistrict's": a region's name before a unit word is that region, not an unknown town.
    unknown = [u for u in unknown if u.lower() not in (regions or {}) and u not in (regions or {})]
    years, soft_relative, year_scope = question_years(q, today or date.today())
    constraint = _constraint(q, aggregate=asks_which(q))
    superlative = superlative_of(q)
    intent = intent_of(q, lang, named, superlative)
    region_words = [v for v, c in (regions or {}).items() if c in region_names]
    terms, lexical = key_terms(
        topic_text(q), lang, named, unknown, tokenizer, pinyin, region_words, constraint, town_matcher(towns, pinyin)
    )
    measures = town_measures(q, named, tokenizer, pinyin) if lang == "zh" and intent == "compare" else ()
    return ParsedQuestion(
        text=q,
        lang=lang,
        intent=intent,
        towns=tuple(named),
        unknown_towns=tuple(unknown),
        years=years,
        terms=terms,
        numeric=is_numeric(q, intent),
        constraint=constraint,
        superlative=superlative,
        elliptical=is_elliptical(q),
        query_text=q,
        lexical_query=tuple(lexical),
        regions=tuple(region_names),
        year_scope=year_scope,
        asked_units=asked_units(q),
        soft_years=soft_relative,
        town_measures=measures,
    )


# What comes after "X镇的" up to the next town, conjunction or question word: that town's own measure.
_OWN_MEASURE_END = r"(?=和|与|跟|同|及|、|,|，|相比|比|哪|谁|[?？]|$)"


def town_measures(
    q: str, named: Sequence[str], tokenizer: Tokenizer, pinyin: dict[str, str]
) -> tuple[tuple[str, tuple[TermGroup, ...]], ...]:
    """Each named town's own measure words when the question gives every town its own ("A镇的审批服务和B镇的
    “一站式”服务"), else (). A town's phrase is what follows "town的" up to the next conjunction or question word."""
    from qa.metadata import town_aliases

    if len(named) < 2:
        return ()
    out = []
    for town in named:
        phrase = None
        for alias in sorted(town_aliases(town), key=len, reverse=True):
            m = re.search(re.escape(alias) + r"的([^和与跟同及、,，?？]{2,24}?)" + _OWN_MEASURE_END, q)
            if m:
                phrase = m.group(1)
                break
        if phrase is None:
            return ()
        terms, _ = key_terms(phrase, "zh", [], [], tokenizer, pinyin)
        if not terms:
            return ()
        out.append((town, terms))
    if len({tuple(g.forms for g in terms) for _, terms in out}) < 2:
        return ()  # the same words for every town: one measure
    return tuple(out)
