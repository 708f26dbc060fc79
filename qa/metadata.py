"""Metadata read from a report's own text: town, county/district, city, province, report year, date, title.

Each finding keeps the span it was read from, so "which year is this report?" can be answered with a quote.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from qa.structure import Structure, is_furniture_line
from qa.types import Metadata, Span

_CJK = "\u4e00-\u9fff"
TOWN_SUFFIXES = ("民族乡", "街道", "镇", "乡", "鎮", "鄉")
# Words ending in 镇/乡/街道 that are not place names.
_NOT_TOWN = re.compile(
    r"(?:乡镇|全镇|本镇|我镇|各镇|该镇|城乡|下乡|返乡|家乡|回乡|"
    r"故乡|异乡|老乡|全乡|本乡|我乡|该乡|各乡|乡乡|镇乡|街道办|各街道|全街道|本街道|该街道)$"
)
# Generic words that are also the tail of real names (石城镇, 新集镇, 古城镇): a candidate ending in one counts
# as the document's town only when the title names it or 人民政府/党委… follows it.
SOFT_NOT_TOWN = re.compile(r"(?:城镇|村镇|集镇|治镇|强镇|兴镇|名镇|重镇|小镇|美镇|法治镇|平安镇)$")
_FUNCTION_CHARS = set("对由在和与及到向为全各本我该等给从把被让将于以其之了的是")
_REGION_CUT = re.compile(r".*(?:省|自治区|市|区|县|州|旗|盟)")
_YEAR_RE = re.compile(r"(?<![\d\-—–~～至])((?:19|20)\d\d)\s*年(度)?(?!\s*[\d\-—–~～至])")
_DATE_RE = re.compile(r"((?:19|20)\d\d)\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})\s*日?")
def town_core(name: str) -> str:
    """A town's name without its 镇/乡/街道 suffix (古龙镇 → 古龙), kept whole when that would leave one character."""
    for suf in TOWN_SUFFIXES:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            return name[: -len(suf)]
    return name


_LABEL = re.compile(r"^(.+?)（(.+?)）$")


def split_label(label: str) -> tuple[str, str | None]:
    """'东城街道（清城区）' → ('东城街道', '清城区'); a plain name → (name, None).

    A town's label carries its county only when the corpus holds two different towns of that name.
    """
    m = _LABEL.match(label)
    return (m.group(1), m.group(2)) if m else (label, None)


@lru_cache(maxsize=65536)
def town_aliases(name: str) -> tuple[str, ...]:
    """Ways a question may name a town: 大坪瑶族乡 → 大坪瑶族乡, 大坪瑶族, 大坪乡, 大坪.

    A labelled same-name town also answers to its county: 东城街道（清城区） → 清城区东城街道, 清城东城街道, ….
    """
    base, county = split_label(name)
    if county:
        from qa.places import short_region_name

        qualified = [name, county + base] + ([short + base] if (short := short_region_name(county)) else [])
        return tuple(dict.fromkeys(qualified + list(town_aliases(base))))
    from qa.places import to_simplified

    simple = to_simplified(name)
    if simple != name:
        # A name written in traditional characters (羅店鎮) also answers to its simplified form (罗店镇, 罗店).
        return tuple(dict.fromkeys(list(town_aliases(simple)[:-1]) + [name, town_core(name), town_aliases(simple)[-1]]))
    core = town_core(name)
    out = [name, core]
    # One or more nationalities before 乡: 大坪瑶族乡 → 大坪乡, 浩口苗族仡佬族乡 → 浩口乡.
    m = re.match(rf"^([{_CJK}]{{2,}}?)(?<!族)(?:[{_CJK}]{{1,4}}?族)+$", core)
    if m and name.endswith("乡"):
        out += [m.group(1) + "乡", m.group(1)]
    return tuple(dict.fromkeys(a for a in out if len(a) >= 2))


def qualified_aliases(name: str) -> tuple[str, ...]:
    """The aliases of a labelled town that name its county (empty for a plain name)."""
    base, county = split_label(name)
    return tuple(a for a in town_aliases(name) if county and a != base and base in a and a != town_core(base))


def find_town_mentions(text: str) -> list[tuple[str, int, int]]:
    """Candidate township names in text with their spans: every 2-5 character core before 镇/乡/街道.

    Each suffix yields several candidates (谦镇, 和谦镇, 党和谦镇); `qa.town_identity` picks a report's own
    town among candidates like these; questions use them to spot town names the corpus does not hold.
    """
    out: list[tuple[str, int, int]] = []
    for m in re.finditer(r"民族乡|街道|镇|乡", text):
        suffix, end = m.group(0), m.end()
        for core_len in range(2, 6):
            start = m.start() - core_len
            if start < 0:
                break
            core = text[start : m.start()]
            if not all("\u4e00" <= ch <= "\u9fff" for ch in core):
                break
            name = core + suffix
            if _NOT_TOWN.search(name) or core[-1] in _FUNCTION_CHARS or _REGION_CUT.match(core):
                if _REGION_CUT.match(core):
                    break
                continue
            out.append((name, start, end))
    return out


def _find_title(text: str, structure: Structure) -> tuple[str, Span] | None:
    for sent in structure.sentences[:6]:
        line = text[sent.start : sent.end]
        if "报告" in line and len(line) <= 80 and not line.endswith(("。", "；", ":", "：")) and "如下" not in line:
            # A title may be split over two lines: "X镇人民政府" then "2024年…报告".
            prev = [
                p for p in structure.paragraphs if p.end <= sent.start and not is_furniture_line(text[p.start : p.end])
            ]
            if prev and len(prev) == 1 and len(text[prev[0].start : prev[0].end]) <= 30:
                p = prev[0]
                return text[p.start : p.end] + line, Span(p.start, sent.end)
            return line, Span(sent.start, sent.end)
    return None


def _report_year(text: str, title: str | None, structure: Structure) -> tuple[int, Span] | None:
    if title:
        m = _YEAR_RE.search(title)
        if m:
            t = text.find(title)
            if t >= 0:
                return int(m.group(1)), Span(t + m.start(1), t + m.end(0))
    body = [s for s in structure.sentences if not s.is_heading]
    for sent in body[:3]:
        lead = text[sent.start : sent.start + 12]
        m = re.match(r"\s*((?:19|20)\d\d)\s*(?:年(?:度|以来)?|以来)[,，]", lead)  # 2024以来, (no 年)
        if m:
            return int(m.group(1)), Span(sent.start, sent.end)
    counts: Counter[int] = Counter()
    first: dict[int, Span] = {}
    for para in structure.paragraphs:  # page furniture (上一篇: …2019年…报告) is not the report's text
        for m in _YEAR_RE.finditer(text, para.start, para.end):
            y = int(m.group(1))
            counts[y] += 1
            first.setdefault(y, Span(m.start(), m.end()))
    if not counts:
        return None
    # The year reported on is the most mentioned; ties go to the earlier year (plans name the next one).
    y = max(counts, key=lambda k: (counts[k], -k))
    span = first[y]
    for sent in structure.sentences:
        if sent.start <= span.start < sent.end:
            return y, Span(sent.start, sent.end)
    return y, span


def _date(text: str) -> str | None:
    """The publication or signature date: a dated line near the top (portal pages) or the bottom (signature)."""
    head, tail = text[:400], text[-200:]
    for chunk in (tail, head):
        found = list(_DATE_RE.finditer(chunk))
        if found:
            m = found[-1]
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if 1 <= mo <= 12 and 1 <= d <= 31:
                return f"{y:04d}-{mo:02d}-{d:02d}"
    return None


def extract_metadata(text: str, structure: Structure) -> Metadata:
    """Read town, region, year, date and title from the text; unknowns stay None.

    Town and region come from `qa.town_identity` (candidates checked against the official division list).
    """
    from qa.town_identity import identify

    title_hit = _find_title(text, structure)
    title = title_hit[0] if title_hit else None
    ident = identify(text, title)
    year_hit = _report_year(text, title, structure)
    return Metadata(
        town=ident.town,
        county=ident.county,
        city=ident.city,
        province=ident.province,
        year=year_hit[0] if year_hit else None,
        date=_date(text),
        title=title,
        town_span=Span(ident.start, ident.end) if ident.town and ident.start >= 0 else None,
        year_span=year_hit[1] if year_hit else None,
        region_span=Span(*ident.county_span) if ident.county_span else None,
        town_code=ident.code,
        town_confidence=ident.confidence if ident.town else None,
        place_source=ident.source,
    )
