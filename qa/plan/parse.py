"""A question read as a plan: intent, towns and regions, years, topic terms, measure and numeric condition."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from qa.lexical import Tokenizer
from qa.plan.intent import asks_which, intent_of, is_elliptical, is_numeric, superlative_of
from qa.plan.lang import language_of
from qa.plan.measure import _constraint, asked_units
from qa.plan.places import match_regions, topic_text, town_matcher, towns_named
from qa.plan.terms import key_terms
from qa.plan.types import ParsedQuestion
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
    q = text.strip()
    lang = language_of(q)
    named, unknown = towns_named(q, towns, pinyin)
    region_names = match_regions(q, regions or {})
    years, soft_relative, year_scope = question_years(q, today or date.today())
    constraint = _constraint(q, aggregate=asks_which(q))
    superlative = superlative_of(q)
    intent = intent_of(q, lang, named, superlative)
    region_words = [v for v, c in (regions or {}).items() if c in region_names]
    terms, lexical = key_terms(
        topic_text(q), lang, named, unknown, tokenizer, pinyin, region_words, constraint, town_matcher(towns, pinyin)
    )
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
    )
