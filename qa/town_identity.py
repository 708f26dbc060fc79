"""Which township a report is about, and where that township is.

    identify(text, title) -> Identity(town, span, confidence, code, county, city, province)

1. Candidates come from the text (every 2–5 character name before 镇/乡/街道) and from the official division list
   (every listed township name, XX街 for XX街道, traditional characters read as simplified).
2. Each candidate gets features: in the title, just before 人民政府/党委/办事处, how often the full and the bare
   name recur, near the top or the signature, in the list, agreement with a county/city/province the text names,
   a region name just before it, a longer candidate that contains it, 我镇/本乡 context of its own suffix.
3. A logistic model scores them; its weights live in qa/data/town_model.json and are fitted by
   `python -m qa.train_town` on labelled reports. The winner's softmax share is its confidence.
4. County, city and province come from the list when a listed township of that name agrees with the regions the
   text names (or is the only one of its name); otherwise from listed region names found in the text. They are
   never fragments of running text.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any

from qa.lexical import number_units, ordinary_words
from qa.places import (
    COUNTY,
    PROVINCE,
    Gazetteer,
    PlacePath,
    gazetteer,
    short_region_name,
    to_simplified,
    without_glosses,
)
from qa.structure import link_lines

_CJK = "\u4e00-\u9fff"
_ANCHOR = re.compile(r"(?:人民政府|政府|党委|党工委|办事处|人大|纪委)")
_FUNCTION_CHARS = set("对由在和与及到向为全各本我该等给从把被让将于以其之了的是")
_GENERIC = re.compile(r"(?:治镇|治乡|乡镇|全镇|本镇|我镇|各镇|该镇|城乡|下乡|返乡|家乡|回乡|故乡|老乡|全乡|本乡|我乡|该乡|各乡|"
                      r"镇乡|街道办|各街道|全街道|本街道|该街道|我街道)$")
# A township's body inside the would-be name (镇委依法治镇 holds 镇委): the name ends before it.
_INNER_BODY = re.compile(r"(?:镇|乡|街道)(?:委|党委|党工委|政府|人民政府|办事处)")
FEATURES = (
    "bias", "in_title", "anchor", "full_count", "core_only_count", "early", "listed", "county_agrees",
    "city_agrees", "province_agrees", "region_before", "inside_longer", "function_start", "own_suffix_context",
    "in_signature", "long_name", "most_frequent", "only_listed", "word_head",
    "core_word", "in_name_list",
)


def _word_freq() -> dict[str, int]:
    from qa.lexical import default_dictionary

    return default_dictionary()[0]


def _word_head(n: str, counted: dict[str, list[int]]) -> float:
    """How common a word the name's head is, where the rest is itself a candidate (完成 + 中长街道): a verb or
    a common word glued before a name, scaled log-frequency from jieba's dictionary (0 when not a word)."""
    freq = _word_freq()
    best = 0.0
    for o in counted:
        if o != n and n.endswith(o) and len(o) >= 3:
            head = n[: len(n) - len(o)]
            if len(head) >= 2 and freq.get(head, 0) > 0:
                best = max(best, math.log1p(freq[head]) / 10.0)
    return best


@dataclass(frozen=True)
class Identity:
    """The report's township and its place in the hierarchy, with the span the name was read from."""

    town: str | None = None
    start: int = -1
    end: int = -1
    confidence: float = 0.0
    code: str | None = None
    county: str | None = None
    city: str | None = None
    province: str | None = None
    county_span: tuple[int, int] | None = None
    source: str = "text"  # "list" when county/city/province come from the division list


@lru_cache(maxsize=1)
def town_model() -> dict[str, float]:
    """The fitted weights (feature → weight)."""
    with resources.files("qa").joinpath("data/town_model.json").open(encoding="utf-8") as fh:
        data = json.load(fh)
    return {k: float(v) for k, v in data["weights"].items()}


def _suffix(name: str) -> str:
    for s in ("民族乡", "街道", "苏木", "镇", "乡"):
        if name.endswith(s):
            return s
    return ""


@lru_cache(maxsize=1)
def _never_in_names() -> frozenset[str]:
    """Function characters (是, 的, 了, 在…) that hardly any township of the division list has in its name (fewer
    than five of 38,723): a would-be name holding one (三是充实镇) is running text."""
    g = gazetteer()
    counts: Counter[str] = Counter()
    for place in g.places.values():
        if place.level > COUNTY:
            counts.update(set(place.name[:-1]) & _FUNCTION_CHARS)
    return frozenset(ch for ch in _FUNCTION_CHARS if counts[ch] < 5)


def _regex_candidates(simple: str) -> set[str]:
    out: set[str] = set()
    never = _never_in_names()
    for m in re.finditer(r"民族乡|街道|镇|乡", simple):
        for core_len in range(2, 6):
            start = m.start() - core_len
            if start < 0:
                break
            core = simple[start : m.start()]
            if not all("\u4e00" <= ch <= "\u9fff" for ch in core) or core[0] in never:
                break
            if any(ch in never for ch in core):
                continue
            if start > 0 and simple[start - 1].isdigit() and core[0] in number_units():
                continue  # 2023年榆垡镇: 年 finishes the year, the name is 榆垡镇
            name = core + m.group(0)
            if _GENERIC.search(name) or core[-1] in _FUNCTION_CHARS or _INNER_BODY.search(core):
                continue
            out.add(name)
    return out


def _positions(simple: str, name: str) -> list[int]:
    out, i = [], simple.find(name)
    while i >= 0:
        out.append(i)
        i = simple.find(name, i + 1)
    return out


@dataclass
class _Regions:
    """Listed regions the text names: counts per code, and the first span of each code; plus county-level names
    the list lacks (a district abolished or renamed since the report), with their first span."""

    counts: Counter[str]
    first: dict[str, tuple[int, int]]
    ends: set[int]
    unlisted: dict[str, tuple[int, int]]
    unlisted_spans: list[tuple[int, int]]
    listed_spans: list[tuple[int, int]]


# A county-level name written between a listed province or city and a township (重庆市渝北区兴隆镇人民政府).
_COUNTY_AFTER_REGION = re.compile(r"[\u4e00-\u9fff]{1,4}?(?:自治县|区|县|市|旗)(?=[\u4e00-\u9fff]{2,6}?(?:民族乡|街道|镇|乡))")


def _under(g: Gazetteer, code: str, parent: str) -> bool:
    return code != parent and code.startswith(parent[: 2 * g.places[parent].level])


def _regions_in(g: Gazetteer, text: str) -> _Regions:
    counts: Counter[str] = Counter()
    first: dict[str, tuple[int, int]] = {}
    ends: set[int] = set()
    hits = g.scan_regions(text)
    for h in hits:
        ends.add(h.end)
        for c in h.codes:
            counts[c] += 1
            first.setdefault(c, (h.start, h.end))
    # County-level names the list lacks under the province or city just before them: a district merged or renamed
    # since the report (渝北区 after 2025), or one whose name the list holds elsewhere only (江北区 of 宁波).
    unlisted: dict[str, tuple[int, int]] = {}
    spans: list[tuple[int, int]] = []
    simple = to_simplified(text)
    for h in hits:
        if not any(g.places[c].level < COUNTY for c in h.codes):
            continue
        nxt = [x for x in hits if x.start == h.end]
        if any(_under(g, c, p) for x in nxt for c in x.codes for p in h.codes):
            continue  # a listed county of this province or city follows
        m = _COUNTY_AFTER_REGION.match(simple, h.end)
        if m and len(m.group(0)) >= 2:
            unlisted.setdefault(m.group(0), (m.start(), m.end()))
            spans.append((m.start(), m.end()))
            ends.add(m.end())
    return _Regions(counts, first, ends, unlisted, spans, [(h.start, h.end) for h in hits])


def _unlisted_county(regions: _Regions, simple: str, town: str) -> tuple[str, tuple[int, int]] | None:
    """The unlisted county written directly before the report's own township, if any."""
    for s, e in regions.unlisted_spans:
        if simple.startswith(town, e) or (len(town) > 3 and simple.startswith(town[:-1], e)):
            return simple[s:e], (s, e)
    return None


def candidate_features(
    text: str, title: str | None, regions: _Regions | None = None
) -> tuple[list[str], list[list[float]], list[int]]:
    """(names, feature rows, first positions) of every town candidate in text (`regions`: `_regions_in` of it,
    when already read)."""
    g = gazetteer()
    simple = to_simplified(text)
    simple_title = to_simplified(title) if title else ""
    names = _regex_candidates(simple)
    town_hits = g.scan_towns(text)
    for h in town_hits:
        names.add(h.key + "道" if h.key.endswith("街") and not h.key.endswith("街道") else h.key)
    regions = regions or _regions_in(g, text)
    list_spans = _name_list_spans(simple, town_hits)
    # A region name is not part of a town's name (龙游县桐溪镇 is 桐溪镇 of 龙游县).
    region_spans = regions.listed_spans + regions.unlisted_spans
    counted: dict[str, list[int]] = {}
    for n in names:
        pos = _positions(simple, n)
        if n.endswith("街道"):
            pos = sorted(set(pos) | set(_positions(simple, n[:-1])))
        # (only when what follows the region name is itself a candidate: 黄石街 is not 黄石 + 街)
        listed = bool(g.towns_named(n))
        pos = [p for p in pos if listed or not any(
            s <= p < e and e < p + len(n) - 1 and n[e - p :] in names for s, e in region_spans)]
        if pos:
            counted[n] = pos
    # Longest match: a name that recurs only as the tail of one longer candidate (仓镇 in 东仓镇) is part of it.
    seen = set(counted)
    for name in [k for k, v in counted.items() if len(v) >= 2]:
        heads = {simple[p - 1] if p > 0 else "" for p in counted[name]}
        if len(heads) == 1 and (head := heads.pop()) and head not in _FUNCTION_CHARS and head + name in seen:
            del counted[name]
    top_count = max((len(p) for p in counted.values()), default=0)
    listed_names = [n for n in counted if g.towns_named(n)]
    rows, out_names, firsts = [], [], []
    n_chars = len(simple)
    for n, pos in counted.items():
        suffix = _suffix(n)
        core = n[: -len(suffix)] if suffix and len(n) - len(suffix) >= 2 else n
        core_count = len(_positions(simple, core))
        anchors = sum(1 for p in pos if _ANCHOR.match(simple, p + len(n)))
        listed_places = g.towns_named(n)
        agrees = [0.0, 0.0, 0.0]
        for place in listed_places:
            for anc in g.ancestors(place.code)[1:]:
                if regions.counts.get(anc.code):
                    k = {COUNTY: 0, 2: 1, PROVINCE: 2}.get(anc.level)
                    if k is not None:
                        agrees[k] = 1.0
        # A listed name is not "inside" a longer name the list lacks (完成中长街道 is 完成 + 中长街道).
        longer = [o for o, opos in counted.items() if o != n and o.endswith(n) and o[0] not in _FUNCTION_CHARS
                  and (not listed_places or g.towns_named(o))]
        # ...nor inside the pieces of a word glued before it (成中长街道 is a piece of 完成 + 中长街道).
        glued = any(o.endswith(n) and len(o) - len(n) >= 2 and _word_freq().get(o[: len(o) - len(n)], 0) > 0
                    for o in counted)
        inside = not glued and any(len(counted[o]) >= 0.6 * len(pos) for o in longer)
        # ...but it is inside when a word of running text crosses its first character everywhere it occurs
        # (森林城镇 holds 林城镇 only as 森林 + 城镇).
        inside = inside or all(p > 0 and _word_freq().get(simple[p - 1 : p + 1], 0) > 0 for p in pos)
        own = len(re.findall(rf"(?:我|本|全){re.escape(suffix)}", simple)) if suffix else 0
        row = [
            1.0,
            1.0 if (n in simple_title or (core in simple_title and len(core) >= 2)) else 0.0,
            math.log1p(anchors),
            math.log1p(len(pos)),
            math.log1p(max(0, core_count - len(pos))),
            1.0 if pos[0] < 150 else 0.0,
            1.0 if listed_places else 0.0,
            *agrees,
            1.0 if any(p in regions.ends for p in pos) else 0.0,
            1.0 if inside else 0.0,
            1.0 if n[0] in _FUNCTION_CHARS else 0.0,
            math.log1p(own),
            1.0 if pos[-1] > n_chars - 150 else 0.0,
            1.0 if len(n) >= 4 else 0.0,
            1.0 if len(pos) == top_count else 0.0,
            1.0 if listed_names == [n] else 0.0,
            _word_head(n, counted),
            # How common a word the name's core is (结合 in 结合街道实际); listed names such as 太平镇 have it too.
            math.log1p(_word_freq().get(core, 0)) / 10.0 if len(core) >= 2 else 0.0,
            # The share of its occurrences inside a list of township names (a portal's navigation, 相关链接).
            sum(1 for p in pos if any(a <= p < b for a, b in list_spans)) / len(pos),
        ]
        rows.append(row)
        out_names.append(n)
        firsts.append(pos[0])
    return out_names, rows, firsts


def _name_list_spans(simple: str, hits: list[Any]) -> list[tuple[int, int]]:
    """Page furniture that names townships: links to other pages (上一篇: …, 相关文章 and the titles under it,
    当前位置: …; `qa.structure.link_lines`), and lines that are mostly listed township names (首页 … A镇 B镇 C乡 …
    热门搜索)."""
    spans = sorted(link_lines(simple))
    start = 0
    for line in simple.split("\n"):
        end = start + len(line)
        inside = [h for h in hits if start <= h.start and h.end <= end]
        if len(inside) >= 3:
            named = sum(h.end - h.start for h in inside)
            cjk = sum(1 for ch in line if "\u4e00" <= ch <= "\u9fff")
            if named >= 0.4 * cjk:
                spans.append((start, end))
        start = end + 1
    return spans


def _score(row: list[float], weights: dict[str, float]) -> float:
    return sum(weights.get(f, 0.0) * v for f, v in zip(FEATURES, row, strict=True))


def _path_for(g: Gazetteer, town: str, regions: _Regions, simple: str = "") -> tuple[PlacePath | None, float]:
    """The listed township of this name that best agrees with the regions the text names, and that agreement.

    A same-name township's county or city written in its short form (法治云和 for 云和县) counts for less than
    the full name, and is looked for only among the few places of this name, never across the list."""
    best: tuple[float, PlacePath] | None = None
    tie = False
    places = g.towns_named(town)
    for place in places:
        ev = 0.0
        for anc in g.ancestors(place.code)[1:]:
            c = regions.counts.get(anc.code, 0)
            if c:
                ev += {COUNTY: 3.0, 2: 2.0, PROVINCE: 1.0}.get(anc.level, 0.0) + 0.1 * min(c, 10)
            elif len(places) > 1 and simple and anc.level >= 2:
                short = short_region_name(anc.name)
                if short and short in simple:
                    ev += {COUNTY: 1.5, 2: 1.0}.get(anc.level, 0.0)
        if best is None or ev > best[0]:
            best, tie = (ev, g.path(place.code)), False
        elif ev == best[0]:
            tie = True
    if best is None or tie:
        return None, 0.0
    return best[1], best[0]


def _regions_from_text(g: Gazetteer, regions: _Regions) -> tuple[PlacePath, tuple[int, int] | None]:
    """County, city and province from listed region names in the text, consistent with each other."""
    counties = [(c, n) for c, n in regions.counts.items() if g.places[c].level == COUNTY]
    best: tuple[float, str] | None = None
    for code, n in counties:
        support = n + sum(3 * regions.counts.get(a.code, 0) > 0 for a in g.ancestors(code)[1:])
        if best is None or support > best[0]:
            best = (support, code)
    if best is not None:
        path = g.path(best[1])
        return PlacePath(county=path.county, city=path.city, province=path.province, county_code=best[1]), regions.first.get(best[1])
    highers = [(n, c) for c, n in regions.counts.items() if g.places[c].level < COUNTY]
    if not highers:
        return PlacePath(), None
    _, code = max(highers, key=lambda x: (x[0], -g.places[x[1]].level))
    path = g.path(code)
    return PlacePath(city=path.city, province=path.province), None


def identify(text: str, title: str | None = None) -> Identity:
    """The report's own township (with confidence) and its county, city and province.

    A mirror site's pinyin glosses (關(guān)刀鎮(zhèn)) are read past: the name is read from the text without them and
    named as written without them (關刀鎮); spans are the original text's."""
    clean, origin = without_glosses(text)
    if origin is None:
        return _identify(text, title)
    ident = _identify(clean, without_glosses(title)[0] if title else None)

    def back(i: int) -> int:
        return origin[i] if 0 <= i < len(origin) else (origin[-1] + 1 if i >= len(origin) and origin else i)

    span = (back(ident.county_span[0]), back(ident.county_span[1] - 1) + 1) if ident.county_span else None
    if ident.start < 0:
        return replace(ident, county_span=span)
    return replace(ident, start=back(ident.start), end=back(ident.end - 1) + 1, county_span=span)


def _identify(text: str, title: str | None = None) -> Identity:
    g = gazetteer()
    regions = _regions_in(g, text)
    names, rows, firsts = candidate_features(text, title, regions)
    simple = to_simplified(text)
    town, start, conf = None, -1, 0.0
    if names:
        w = town_model()
        scores = [_score(r, w) for r in rows]
        top = max(range(len(names)), key=lambda i: (scores[i], len(names[i])))
        m = max(scores)
        total = sum(math.exp(s - m) for s in scores)
        prob = 1.0 / (1.0 + math.exp(-scores[top]))
        if prob >= w.get("_accept", 0.5):
            town, start = names[top], firsts[top]
            conf = round(1.0 / total, 3)
    if town is not None and conf < 0.5 and not g.towns_named(town):
        # An unlisted winner that does not outweigh its rivals together (担任镇 against 召开镇…): a listed
        # township's bare name that recurs in the text is better evidence.
        bare = _bare_name(g, text, regions)
        if bare[0] is not None:
            town, start, conf = bare
    if town is None:
        town, start, conf = _bare_name(g, text, regions)
    if town is None:
        town, start, conf = _leading_body(text)
    path, _ = _path_for(g, town, regions, simple) if town else (None, 0.0)
    end = start + _surface_len(text, town or "", start) if town else -1
    # The name as the report writes it (羅店鎮 stays 羅店鎮): answers name towns as their reports do.
    written = town
    if town and to_simplified(text[start:end]) == town:
        written = text[start:end]
    if path is not None:
        county_span = regions.first.get(path.county_code or "")
        own = _unlisted_county(regions, simple, town) if county_span is None and town else None
        if own:
            # The text names a county the list no longer has there (a district merged since the report): the
            # report's own county, with the list's province.
            return Identity(written, start, end, conf, path.code, own[0], None, path.province, own[1], "text")
        return Identity(written, start, end, conf, path.code, path.county, path.city, path.province, county_span, "list")
    text_path, county_span = _regions_from_text(g, regions)
    county = text_path.county
    own = _unlisted_county(regions, simple, town) if town and county is None else None
    if own:
        county, county_span = own
    return Identity(written, start, end, conf, None, county, text_path.city, text_path.province, county_span, "text")


def _bare_name(g: Gazetteer, text: str, regions: _Regions) -> tuple[str | None, int, float]:
    """When no candidate is accepted: a listed town written without its suffix (2025年,公明坚持…), if its county
    or city is named in the text too; the most frequent such bare name, at a low confidence."""
    simple = to_simplified(text)
    counts: dict[str, tuple[int, int]] = {}
    for code in [c for c in regions.counts if g.places[c].level in (COUNTY, 2)]:
        prefix = code[: 6 if g.places[code].level == COUNTY else 4]
        for place in g.places_under(prefix):
            core = place.name[: -len(_suffix(place.name))] if _suffix(place.name) else place.name
            if len(core) >= 2 and core in simple:
                pos = _positions(simple, core)
                counts[place.name] = (len(pos), pos[0])
    if not counts:
        # No county or city named: any listed township's bare name that is not an ordinary word (道滘 in 魅力道滘).
        freq = _word_freq()
        found: dict[str, list[int]] = defaultdict(list)
        names: dict[str, set[str]] = {}
        for h in g.scan_town_cores(simple):
            if freq.get(h.key, 0) == 0:
                found[h.key].append(h.start)
                names[h.key] = {g.places[c].name for c in h.codes}
        for core, pos in found.items():
            if len(names[core]) == 1:  # 道滘 is only 道滘镇; a core of both a 镇 and a 乡 stays unknown
                counts[next(iter(names[core]))] = (len(pos), pos[0])
    good = [(n, c) for n, c in counts.items() if c[0] >= 2]
    if not good:
        return None, -1, 0.0
    good.sort(key=lambda x: (-x[1][0], x[1][1]))
    if len(good) > 1 and good[0][1][0] == good[1][1][0]:
        return None, -1, 0.0
    return good[0][0], good[0][1][1], 0.3


# The body that leads the report, named where a clause opens (2025年,常青花园社管办党工委紧紧围绕…): a unit that is
# no 镇/乡/街道 of the list (a 社管办, a 管委会) but stands in for one.
_LEADING_BODY = re.compile(r"(?:^|[\n,，。:：;；]|\d{4}年度?[,，]?)([\u4e00-\u9fff]{3,10}?)(?:党工委|党委|办事处|管委会|人民政府)")


def _leading_body(text: str) -> tuple[str | None, int, float]:
    """When no township is found at all: the body that leads the report in its opening, if its name or its
    short form (the last three characters: 社管办) recurs and it holds no function character; at a low
    confidence."""
    simple = to_simplified(text)
    for m in _LEADING_BODY.finditer(simple[:400]):
        name = m.group(1)
        if any(ch in _FUNCTION_CHARS for ch in name) or name.endswith(("区", "县", "市", "省")) or ordinary_words(name):
            continue
        if simple.count(name[-3:]) >= 2:
            return name, m.start(1), 0.3
    return None, -1, 0.0


def _surface_len(text: str, town: str, start: int) -> int:
    """How many characters the name occupies where it was found (XX街 is written for XX街道)."""
    if start < 0:
        return 0
    seg = to_simplified(text[start : start + len(town)])
    if seg == town:
        return len(town)
    if seg[:-1] == town[:-1]:
        return len(town) - 1  # XX街 for XX街道
    return len(town) - len(_suffix(town))  # a bare name
