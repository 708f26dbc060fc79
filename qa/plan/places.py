"""The places a question names: known towns (one Aho-Corasick automaton over every alias, and pinyin), names of
towns the corpus does not hold, and provinces, cities and counties."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from qa.metadata import (
    SOFT_NOT_TOWN,
    TOWN_SUFFIXES,
    find_town_mentions,
    qualified_aliases,
    split_label,
    town_aliases,
)
from qa.places import gazetteer, pinyin_spellings

_NOT_A_NAME = re.compile(r"哪|些|个|什么|几|各|每|所有|其他|其它|本|该|这|那|全部|多少|或|和|与|及|、|乡镇|镇街|街镇|^[乡镇街]")


_REGION_AFTER = re.compile(r"[省市县区州盟旗]")
_EN_REGION_WORDS = frozenset({"province", "city", "county", "district", "prefecture", "municipality"})
# Singular only: "Hunan town" names a town, "Guangdong towns" are the towns of a province.
_EN_TOWN_WORDS = frozenset({"town", "township", "subdistrict", "street"})
_EN_DETERMINERS = frozenset({"each", "every", "any", "which", "what", "a", "an", "one", "per", "no"})


class TownMatcher:
    """Every alias of every corpus town in one Aho-Corasick automaton, and pinyin in a dict: finding the towns a
    question names costs the same with 5 towns as with 40,000 (no loop over towns)."""

    def __init__(self, towns: Sequence[str], pinyin: dict[str, str]) -> None:
        import ahocorasick

        self.towns = tuple(towns)
        self._auto = ahocorasick.Automaton()
        owners: dict[str, list[str]] = {}
        for t in self.towns:
            for a in town_aliases(t):
                owners.setdefault(a, []).append(t)
        for a, ts in owners.items():
            self._auto.add_word(a, (a, tuple(ts)))
        if owners:
            self._auto.make_automaton()
        self._empty = not owners
        self.by_pinyin: dict[str, list[str]] = {}
        for t, py in pinyin.items():
            if py:
                self.by_pinyin.setdefault(py, []).append(t)
        # A character with two readings is spelt either way in English (东涌 Dongchong, 长滩 Changtan); a spelling
        # that is another town's usual one stays that town's.
        usual = set(self.by_pinyin)
        for t, py in pinyin.items():
            for v in pinyin_spellings(town_aliases(t)[-1]) if py else ():
                if v not in usual and t not in self.by_pinyin.get(v, []):
                    self.by_pinyin.setdefault(v, []).append(t)
        self._pinyin_sorted = sorted(self.by_pinyin)

    def positions(self, text: str) -> dict[str, int]:
        """town → first position where one of its aliases occurs in text."""
        out: dict[str, int] = {}
        if self._empty:
            return out
        for end, (alias, ts) in self._auto.iter(text):
            if _REGION_AFTER.match(text, end + 1) and not alias.endswith((*TOWN_SUFFIXES, "街")):
                continue  # 湖南省, not 湖南镇: a bare name the word for a region follows is that region
            for t in ts:
                start = end - len(alias) + 1
                if t not in out or start < out[t]:
                    out[t] = start
        return out

    def spans(self, text: str) -> list[tuple[int, int]]:
        """[start, end) of every town alias in text."""
        if self._empty:
            return []
        return [(end - len(alias) + 1, end + 1) for end, (alias, _) in self._auto.iter(text)]

    def pinyin_part(self, word: str) -> bool:
        """Whether an English word is (the start of) a known town's pinyin (Heqian, Liu…)."""
        i = bisect.bisect_left(self._pinyin_sorted, word)
        return i < len(self._pinyin_sorted) and self._pinyin_sorted[i].startswith(word)

    def covers(self, name: str) -> bool:
        """Whether a candidate name from the question is (part of) a known town's name or alias."""
        if self._empty:
            return False
        if name in self._auto:
            return True
        return any(True for _ in self._auto.iter(name))


_MATCHERS: dict[tuple[int, int], tuple[Sequence[str], dict[str, str], TownMatcher]] = {}


def town_matcher(towns: Sequence[str], pinyin: dict[str, str]) -> TownMatcher:
    """The matcher for a corpus's towns, built once per (towns, pinyin) pair of objects."""
    key = (id(towns), id(pinyin))
    hit = _MATCHERS.get(key)
    if hit is not None and hit[0] is towns and hit[1] is pinyin:
        return hit[2]
    m = TownMatcher(towns, pinyin)
    if len(_MATCHERS) > 16:
        _MATCHERS.clear()
    _MATCHERS[key] = (towns, pinyin, m)
    return m


def match_towns(text: str, towns: Sequence[str], pinyin: dict[str, str]) -> list[str]:
    """Known towns named in text: full name, name without suffix, or pinyin (Heqian, Xicang …)."""
    matcher = town_matcher(towns, pinyin)
    found: list[tuple[int, str]] = [(p, t) for t, p in matcher.positions(text).items()]
    words = re.findall(r"[a-z]+", text.lower())
    # "Hunan province" is the province, not 湖南镇 (Hunan town): a region word after the name names a region.
    joined = {"".join(words[i : i + n]): i for n in (1, 2, 3, 4) for i in range(len(words) - n + 1)
              if not (i + n < len(words) and words[i + n] in _EN_REGION_WORDS)}
    have = {t for _, t in found}
    for key, i in joined.items():
        for t in matcher.by_pinyin.get(key, ()):
            if t not in have:
                found.append((10_000 + i, t))
                have.add(t)
    # Same-name towns (东城街道（清城区）, 东城街道（南川区）): a question that names the county selects one.
    by_base: dict[str, list[str]] = {}
    for _, t in found:
        by_base.setdefault(split_label(t)[0], []).append(t)
    for group in by_base.values():
        chosen = [t for t in group if any(a in text for a in qualified_aliases(t))]
        if len(group) > 1 and chosen:
            found = [(p, t) for p, t in found if t not in group or t in chosen]
    # A town whose name is inside another found town's name (e.g. 凤场 in 龙凤场) is not a separate mention.
    names = [t for _, t in sorted(found)]
    return [t for t in names if not any(o != t and t in o for o in names)]


_EN_PLACE = re.compile(
    r"\b((?:[A-Z][a-z]+)(?:[ -][A-Z][a-z]+){0,2})\s+(?:[Tt]own(?:ship)?|[Ss]ubdistrict|[Ss]treet|[Ee]thnic [Tt]ownship|"
    r"(?:[A-Z][a-z]+ )?[Ee]thnic [Tt]ownship|[Vv]illage)\b"
)
_EN_NOT_PLACE = {"which", "what", "the", "each", "every", "this", "that", "any", "all", "a", "one", "no", "other", "another"}


def _english_place_names(q: str) -> list[str]:
    """'Liuduzhai town', 'Baiyun Miao Ethnic Township' → ['Liuduzhai', 'Baiyun Miao'] (capitalised names only)."""
    out = []
    for m in _EN_PLACE.finditer(q):
        name = m.group(1)
        if name.split()[0].lower() not in _EN_NOT_PLACE:
            out.append(name)
    return out


def _edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _nearest_pinyin(name: str, pinyin: dict[str, str]) -> str | None:
    """A town whose pinyin is one slip away from a typed name (Liuduzhai → Liudouzhai 六都寨镇), if exactly one is."""
    typed = re.sub(r"[^a-z]", "", name.lower())
    if len(typed) < 5:
        return None
    hits = {
        t
        for t, py in pinyin.items()
        if py and (typed.startswith(py) or min(_edit_distance(typed[: len(py) + 1], py), _edit_distance(typed, py)) <= 1)
    }
    return next(iter(hits)) if len(hits) == 1 else None


def _homophone(name: str, pinyin: dict[str, str]) -> str | None:
    """The one known town whose name sounds like a typed name no township of the division list has (横兰镇 for
    横栏镇, 余平镇 for 余坪镇: pinyin input puts the wrong character of the same sound), if exactly one does."""
    from pypinyin import lazy_pinyin

    core = re.sub(r"(?:街道|镇|乡|街)$", "", name)  # 街 too (汉沽街): not town_core, which keeps XX街 whole
    if len(core) < 2:
        return None
    typed = "".join(lazy_pinyin(core)).lower()
    hits = {t for t, py in pinyin.items() if py == typed}
    return next(iter(hits)) if len(hits) == 1 else None


def respell_towns(q: str, towns: Sequence[str], pinyin: dict[str, str]) -> str:
    """The question with each town name no township of the division list has, but which sounds like exactly one
    known town, written as that town (横兰镇 → 横栏镇): the rest of the plan then reads the town, not a topic word."""
    for name, _, _ in find_town_mentions(q):
        if _NOT_A_NAME.search(name) or town_matcher(towns, pinyin).covers(name) or gazetteer().towns_named(name):
            continue
        same_sound = _homophone(name, pinyin)
        if same_sound:
            q = q.replace(name, same_sound)
    return q


def towns_named(q: str, towns: Sequence[str], pinyin: dict[str, str]) -> tuple[list[str], list[str]]:
    """The known towns a question names, and the town names it gives that no known town has."""
    named = match_towns(q, towns, pinyin)
    unknown = []
    for name, _, _ in find_town_mentions(q):
        if _NOT_A_NAME.search(name) or SOFT_NOT_TOWN.search(name):
            continue
        if not town_matcher(towns, pinyin).covers(name) and not any(name.endswith(t) for t in named):
            g = gazetteer()
            if not g.towns_named(name) and g.name_like(name) == 0.0:
                continue  # 法治乡 in 依法治乡委员会: neither a listed township nor made like a name
            unknown.append(name)
    if not named:
        for name in _english_place_names(q):
            near = _nearest_pinyin(name, pinyin)
            if near:
                named.append(near)
            else:
                unknown.append(name)
    unknown = [u for u in dict.fromkeys(unknown) if not any(u != o and u.endswith(o) for o in unknown)]
    unknown = [u for u in unknown if not any(o != u and o.endswith(u) for o in unknown)]
    return named, unknown


_EN_REGION = re.compile(
    r"\b(?:[A-Z][a-z]+)(?:[ -][A-Z][a-z]+){0,2}\s+(?:[Dd]istrict|[Cc]ounty|[Cc]ity|[Pp]rovince|[Pp]refecture|"
    r"[Mm]unicipality|[Aa]utonomous [Cc]ounty|[Aa]utonomous [Pp]refecture|[Bb]anner)\b"
)


def topic_text(q: str) -> str:
    """The question with English place designations taken out, for reading its topic."""
    # "Baiyun Miao Ethnic Township's": the whole English designation is the town, not the topic.
    q_topic = _EN_PLACE.sub(lambda m: m.group(0) if m.group(1).split()[0].lower() in _EN_NOT_PLACE else " ", q)
    # "Dazu district", "Gaotai county", "Guangzhou city": a named region is scope, never topic.
    q_topic = _EN_REGION.sub(" ", q_topic)
    q_topic = re.sub(r"(?<=[A-Za-z])'s\b", "", q_topic)
    return q_topic


def region_variants(name: str) -> tuple[str, ...]:
    """重庆市 → 重庆市, 重庆, chongqing; 南昌县 → 南昌县, 南昌, nanchang."""
    from pypinyin import lazy_pinyin

    short = re.sub(r"(?:省|市|县|区|自治区|自治州|州|旗|盟)$", "", name)
    out = [name]
    if len(short) >= 2:
        out += [short, "".join(lazy_pinyin(short)).lower()]
    return tuple(dict.fromkeys(out))


def match_regions(text: str, regions: dict[str, str]) -> list[str]:
    """Regions (province, city, county) named in text, by Chinese name or pinyin."""
    words = re.findall(r"[a-z]+", text.lower())
    # A name the word for a township follows is that township's (湖南镇, Hunan town), not the region's.
    # "each Shenzhen subdistrict" is still the city's: a determiner before the name makes it a modifier.
    joined = {"".join(words[i : i + n]) for n in (1, 2, 3) for i in range(len(words) - n + 1)
              if not (i + n < len(words) and words[i + n] in _EN_TOWN_WORDS
                      and not (i > 0 and words[i - 1] in _EN_DETERMINERS))}
    out = []
    for variant, canonical in regions.items():
        if (variant.isascii() and variant in joined) or (
                not variant.isascii() and variant in text
                and re.search(re.escape(variant) + r"(?!镇(?!街)|乡(?!镇)|街道|街(?!镇))", text)):
            out.append(canonical)
    return list(dict.fromkeys(out))
