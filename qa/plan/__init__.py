"""The question planner: a question read as a plan (../shared/CONVENTIONS.md, "The question path").

    parse_question(text, towns, pinyin, tokenizer, regions=None, today=None) -> ParsedQuestion (alias Plan)
    resolve_followup(pq, previous, previous_towns) -> ParsedQuestion
    split_compound(q) -> list[str]

types     ParsedQuestion / Plan, TermGroup, Constraint, Intent
intent    question kind (fact, list, aggregate, compare, table, year, region), superlative, numeric, elliptical
places    towns (TownMatcher: one automaton over every alias) and regions a question names
years     explicit, relative and scoped years
terms     topic term groups with weights, synonyms, question scaffolding
measure   asked unit and its family, numeric condition
compound  sub-questions of a compound question
followup  a follow-up read against the previous turn
"""

from __future__ import annotations

from qa.plan.compound import split_compound
from qa.plan.followup import group_size, resolve_followup
from qa.plan.intent import PLAN_Q, PLAN_SECTION
from qa.plan.lang import language_of
from qa.plan.measure import asked_units, unit_family
from qa.plan.parse import parse_question
from qa.plan.places import TownMatcher, match_regions, match_towns, region_variants, town_matcher
from qa.plan.terms import UNKNOWN_ENGLISH_WEIGHT, key_terms, synonym_groups
from qa.plan.types import Constraint, Intent, ParsedQuestion, Plan, TermGroup
from qa.plan.years import relative_years

__all__ = [
    "PLAN_Q",
    "PLAN_SECTION",
    "UNKNOWN_ENGLISH_WEIGHT",
    "Constraint",
    "Intent",
    "ParsedQuestion",
    "Plan",
    "TermGroup",
    "TownMatcher",
    "asked_units",
    "group_size",
    "key_terms",
    "language_of",
    "match_regions",
    "match_towns",
    "parse_question",
    "region_variants",
    "relative_years",
    "resolve_followup",
    "split_compound",
    "synonym_groups",
    "town_matcher",
    "unit_family",
]
