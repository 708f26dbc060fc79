"""The years a question asks about: explicit (2024年), relative (去年, last year), or a scope (latest, all years)."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_YEAR_WORD = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)\s*(?:年度|年)?")
_RELATIVE_YEAR = (
    (re.compile(r"前年|\bthe year before last\b", re.IGNORECASE), -2),
    (re.compile(r"去年|上一年|上年度|\blast year\b|\bprevious year\b", re.IGNORECASE), -1),
    (re.compile(r"今年|本年度|\bthis year\b", re.IGNORECASE), 0),
)
_LATEST = re.compile(r"最新|最近一年|最近的|\blatest\b|\bmost recent\b|\bnewest\b", re.IGNORECASE)
_ALL_YEARS = re.compile(r"历年|每年|各年|逐年|历史|\bevery year\b|\beach year\b|\ball years\b|\bover the years\b", re.IGNORECASE)


def relative_years(q: str, today: date) -> tuple[int, ...]:
    """去年 / last year and friends, as calendar years relative to today."""
    for pattern, delta in _RELATIVE_YEAR:
        if pattern.search(q):
            return (today.year + delta,)
    return ()


def question_years(q: str, today: date) -> tuple[tuple[int, ...], bool, Literal["latest", "all"] | None]:
    """The years a question names, whether they are relative to today (soft), and its year scope."""
    explicit = tuple(dict.fromkeys(int(y) for y in _YEAR.findall(q)))
    years = explicit or relative_years(q, today)
    # 今年/去年 are relative to today, but reports come a year late: with no report of that year, the newest does.
    soft_relative = bool(years) and not explicit
    year_scope: Literal["latest", "all"] | None = None
    if not years and _LATEST.search(q):
        year_scope = "latest"
    elif _ALL_YEARS.search(q):
        year_scope, years = "all", ()
    return years, soft_relative, year_scope if not soft_relative else "latest"
