"""Questions about the collection itself: which reports cover a year, come from a region, or are of a type.

    哪些报告是2024年的? / 有哪些街道的报告? / Which reports come from Guangdong? / 索引里有几份乡的报告?
    其中哪些是街道? / Which of them are in Chongqing?   (a follow-up narrows the previous answer's towns)

Each report is cited by its own name in its text (the metadata's town span), so the answer can be checked.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from qa.types import Answer, Citation, Document

if TYPE_CHECKING:
    from qa.answers.base import ComposerBase as Composer
    from qa.plan import ParsedQuestion

CORPUS_Q = re.compile(
    r"(?:哪些|哪几份|有哪些|列出|多少份|几份|所有|全部)[^?？]{0,12}报告|报告[^?？]{0,6}(?:哪些|哪几份|几份|有多少)|"
    r"\b(?:which|what|list|how many)\b[^?]{0,30}\breports?\b",
    re.IGNORECASE,
)
# "Which town's report covers the earliest year?" / 哪份报告最新?: the reports of the first or the last year.
_EARLIEST = r"最早|最老|最旧|\bearliest\b|\boldest\b"
_LATEST = r"最新|最晚|\blatest\b|\bnewest\b|\bmost recent\b"
_EXTREME = rf"(?:{_EARLIEST}|{_LATEST})"
YEAR_EXTREME_Q = re.compile(
    rf"{_EXTREME}的?(?:一年|年份|年度|报告|一份)|(?:年份|年度|报告)[^?？，,]{{0,6}}{_EXTREME}|"
    rf"{_EXTREME} (?:year|report)|\b(?:reports?|years?)\b[^?]{{0,40}}{_EXTREME}",
    re.IGNORECASE,
)


def year_extreme(q: str) -> str | None:
    """"min" for a question after the earliest report, "max" for the latest one, None otherwise."""
    if not YEAR_EXTREME_Q.search(q):
        return None
    return "min" if re.search(_EARLIEST, q, re.IGNORECASE) else "max"


NARROW_Q = re.compile(r"^(?:其中|这些|它们|他们|以上|上述)|\b(?:of them|of these|among them|of those)\b", re.IGNORECASE)
_TYPES = (
    ("民族乡", re.compile(r"民族乡|\bethnic township", re.IGNORECASE)),
    ("街道", re.compile(r"街道|\bsubdistricts?\b|\bstreets?\b", re.IGNORECASE)),  # 镇街 is both kinds: no type
    ("乡", re.compile(r"(?<![镇城])乡(?!镇|村)|\btownships?\b", re.IGNORECASE)),
    ("镇", re.compile(r"(?<![乡])镇(?!街)|\btowns?\b", re.IGNORECASE)),
)


# "Which reports come from townships?": the unit type written after "report(s)" is the one asked about.
REPORTS_OF_TYPE = re.compile(r"\breports?\b[^?]{0,30}\b(ethnic townships?|townships?|subdistricts?|streets?|towns?)\b",
                             re.IGNORECASE)


def asked_type(q: str) -> str | None:
    """The kind of township unit a question restricts to (街道, 乡, 民族乡, 镇), if it names exactly one — or, when it
    names several ("Apart from towns and subdistricts, which reports come from townships?"), the one written after
    "reports"."""
    found = [t for t, pattern in _TYPES if pattern.search(q)]
    if "民族乡" in found:
        return "民族乡"
    found = [t for t in found if t != "民族乡"]
    if len(found) > 1 and (m := REPORTS_OF_TYPE.search(q)):
        return asked_type(m.group(1))
    return found[0] if len(found) == 1 else None


def unit_type(town: str) -> str:
    """街道 / 民族乡 / 乡 / 镇 of a town's name (traditional 鎮/鄉 too)."""
    base = town.split("（")[0]
    if base.endswith(("街道", "街")):
        return "街道"
    if base.endswith(("族乡", "族鄉")):
        return "民族乡"
    if base.endswith(("乡", "鄉")):
        return "乡"
    return "镇"


def _matches(d: Document, pq: ParsedQuestion, kind: str | None) -> bool:
    m = d.metadata
    if pq.years and m.year not in pq.years:
        return False
    if pq.regions and not ({m.province, m.city, m.county} & set(pq.regions)):
        return False
    if not (kind and m.town):
        return True
    return unit_type(m.town) == kind or (kind == "乡" and unit_type(m.town) == "民族乡")


def corpus_answer(composer: Composer, pq: ParsedQuestion, within: tuple[str, ...] = ()) -> Answer:
    """The reports matching the question's years, regions and unit type (within the given towns, if any)."""
    kind = asked_type(pq.text)
    if kind == "镇" and pq.lang == "en" and not within:
        kind = None  # English says "town" of any township-level unit; only "which of them are towns?" sorts by type
    docs = [d for d in composer.index.documents.values() if (not within or d.metadata.town in within)]
    chosen = sorted((d for d in docs if _matches(d, pq, kind)), key=lambda d: (d.metadata.town or "", d.metadata.year or 0))
    extreme = year_extreme(pq.text)
    years = [d.metadata.year for d in chosen if d.metadata.year]
    if extreme and years:
        edge = min(years) if extreme == "min" else max(years)
        chosen = [d for d in chosen if d.metadata.year == edge]
    if not chosen:
        have = sorted({d.metadata.province or "?" for d in composer.index.documents.values()})
        return composer.not_found(pq, f"no report in the index matches (it has reports from {'、'.join(have)})")
    cites: list[Citation] = []
    parts: list[str] = []
    for d in chosen[: composer.max_listed]:
        m = d.metadata
        n = len(cites) + 1
        if m.town_span is not None:
            s, e = m.town_span.start, m.town_span.end
            cites.append(Citation(n, d.doc_id, d.source, m.town, m.year, m.title, None, d.text[s:e], s, e,
                                  None, m.county, m.province, m.town_code, d.page_of(s), m.source_url))
            marker = f"[{n}]"
        else:
            marker = ""
        where = "、".join(x for x in (m.county, m.province) if x)
        dated = (f", published {m.date}" if pq.lang == "en" else f"，{m.date}") if m.date else ""
        label = composer.town_label(m.town, pq.lang)
        if pq.lang == "en":
            parts.append(f"{label} {m.year or '?'} ({where or 'place unknown'}{dated}){marker}")
        else:
            parts.append(f"{m.town or '?'} {m.year or '?'}年（{where or '地区不详'}{dated}）{marker}")
    towns = tuple(dict.fromkeys(d.metadata.town for d in chosen if d.metadata.town))
    n = len(chosen)
    head = f"{n} report{'s' if n != 1 else ''}: " if pq.lang == "en" else f"共{n}份报告："
    sep = "; " if pq.lang == "en" else "；"
    return Answer(pq.text, head + sep.join(parts), "aggregate", towns, tuple(cites))
