"""Reading a question: its intent, the towns and years it names, its key terms, and any numeric constraint."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Literal

from qa.lexical import Tokenizer, glossary_weight, stopwords, translate_english
from qa.metadata import (
    SOFT_NOT_TOWN,
    TOWN_SUFFIXES,
    find_town_mentions,
    qualified_aliases,
    split_label,
    town_aliases,
)

Intent = Literal["fact", "list", "aggregate", "compare", "year", "region", "table", "corpus"]

_CJK = re.compile(r"[\u4e00-\u9fff]")
_QUOTED = re.compile(r"[“\"「『‘']([^”\"」』’']{2,30})[”\"」』’']")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_YEAR_WORD = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)\s*(?:年度|年)?")
_CONSTRAINT = re.compile(
    r"(?P<op>达到|达|做到|实现|超过|高于|不低于|低于|少于|不足|不到|未达到|未达|没有达到|大于|小于|"
    r"at least|over|above|below|under|less than|lower than|more than|higher than|reach(?:ed|es)?|of)?"
    r"\s*(?:了|均|都|均为|为)?\s*"
    r"(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>%|％|percent)"
    r"(?P<after>以上|以下|及以上)?",
    re.IGNORECASE,
)
_COUNT_UNIT_FAMILIES = (
    ("件", "起", "宗", "个"),
    ("次", "场", "场次", "期", "轮", "回"),
    ("人", "名", "位", "人次"),
    ("份", "册", "本", "张"),
    ("项", "条", "个"),
    ("家", "户", "所", "个"),
)
# "聘了两名法律顾问", "超过100件", "more than 50 cases": a count condition on an aggregate.
_COUNT_CONSTRAINT = re.compile(
    r"(?P<op>超过|多于|高于|大于|不少于|至少|不低于|少于|低于|不足|不到|达到|达)?\s*(?:了)?\s*"
    r"(?P<num>\d+|[一二两三四五六七八九十百千]+)\s*"
    r"(?P<unit>人次|场次|件|起|宗|名|人|位|次|场|期|份|册|项|条|家|户|所)"
    r"(?P<after>以上|以下|及以上|及以下)?(?![\u4e00-\u9fff]*率)",
)
_EN_COUNT_CONSTRAINT = re.compile(
    r"(?P<op>more than|over|at least|fewer than|less than|under|exactly)\s+(?P<num>\d+)\b", re.IGNORECASE
)
_AGGREGATE = re.compile(
    r"哪些(?:镇|乡|街道|乡镇)|哪几个(?:镇|乡|街道|乡镇)?|有几个(?:镇|乡|街道)|多少个(?:镇|乡|街道)|各(?:镇|乡)|"
    r"(?:列出|所有|全部|哪些)[^?？]{0,20}(?:镇|乡|街道)|"
    r"哪些地方|哪几个地方|哪些单位|哪些报告|"
    r"\b(?:which|what)\s+(?:of\s+the\s+)?(?:\w+\s+){0,2}(?:towns|townships|places|subdistricts|streets|localities|"
    r"units|reports|areas|communities|ones)\b|which of the\b|list (?:the|all) towns|all towns",
    re.IGNORECASE,
)
_WHICH = re.compile(r"哪些|哪几|\bwhich\b|\bwhat\b", re.IGNORECASE)
_COMPARE_WORD = re.compile(
    r"最多|最少|最高|最低|最大|最小|更多|更少|更高|更低|较多|较少|多还是少|"
    r"\b(?:most|more|highest|higher|lowest|lower|least|fewer|fewest|largest|larger|biggest|smallest)\b",
    re.IGNORECASE,
)
_WHO_MORE = re.compile(r"(?:谁|哪个|哪一个)[^?？]{0,20}(?:多|少|高|低|大|小)")
_COMPARE_VERB = re.compile(r"\bcompare\b|\brank\b|对比|比较|排名|排序", re.IGNORECASE)
_MIN_WORD = re.compile(r"最少|最低|最小|更少|更低|较少|\b(?:least|lowest|lower|fewer|fewest|smallest)\b", re.IGNORECASE)
# "各镇分别发放了多少份普法资料?", "列出各镇…的数量", "How many … did each town …?": one row per town.
_TABLE_Q = re.compile(
    r"(?:各|每个|每一个)(?:镇|乡|街道|乡镇|镇街|街镇|地)[^?？]{0,40}?(?:多少|几)|分别[^?？]{0,30}?(?:多少|几)|"
    r"(?:列出|列一下|汇总|统计)[^?？]{0,30}?(?:数量|数字|数据|多少|几)|"
    r"\b(?:each|every|per) (?:town|township|subdistrict|place)\b[^?]{0,80}\bhow (?:many|much)\b|"
    r"\bhow (?:many|much)\b[^?]{0,80}\b(?:each|every|per) (?:town|township|subdistrict|place)\b|\btable\b",
    re.IGNORECASE,
)
_WHO = re.compile(r"哪个|哪一个|哪|谁|\bwhich\b|\bwho\b|\bwhat town\b", re.IGNORECASE)
_YEAR_Q = re.compile(r"哪一?年|什么年份|年份是|哪个年度|什么时候|何时|发布日期|发布时间|哪一?天|几月几[日号]|什么日期|\bwhat date\b|\b(?:which|what) year\b|\bwhen\b", re.IGNORECASE)
_REGION_Q = re.compile(
    r"属于哪|哪个(?:区|县|市|省)|哪(?:个)?地区|位于|在哪里|在哪儿|所在(?:区|县|市|省)|"
    r"\b(?:which|what) (?:county|district|city|province|region)\b|\bwhere is\b|\blocated\b",
    re.IGNORECASE,
)
_LIST_Q = re.compile(
    r"哪些|有什么|有何|哪几|列举|\blist\b|什么(?:问题|不足|困难|短板|措施|举措|做法|经验|计划|打算|安排|思路)|"
    r"\b(?:what|which)\b.*\b(?:problems|measures|plans|steps|issues|shortcomings|weaknesses|priorities|ideas|"
    r"achievements|difficulties|tasks|arrangements)\b",
    re.IGNORECASE,
)
_NUMERIC_Q = re.compile(r"多少|几(?:次|件|个|名|人|场|份|条|起|项|批)|是多少|how many|how much|what (?:is|was) the .*rate|\brate\b|\bnumber of\b|率", re.IGNORECASE)
_ELLIPSIS = re.compile(r"^(?:那|那么|还有|and|what about|how about)|呢[?？]?$|它们|他们|其|这些镇|这两个镇|这几个镇|两镇|\bthey\b|\bthem\b|\btheir\b|\bthose\b|\bit\b|\bits\b", re.IGNORECASE)
_NOT_A_NAME = re.compile(r"哪|些|个|什么|几|各|每|所有|其他|其它|本|该|这|那|全部|多少|或|和|与|及|、|乡镇|镇街|^[乡镇街]")
_QUANTITY_WORD = re.compile(
    r"(?:几|多少|若干)(?:个|件|次|名|人次|人|份|场次|场|条|起|项|批次|批|户|家|位|所|座|天|期|万元|元)?"
)
_ONLY_FUNCTION = re.compile(r"^[\W\d_]*$")
_ASKED_UNIT = re.compile(r"(?:几|多少)(人次|场次|批次|件|次|名|人|份|场|条|起|项|批|户|家|位|所|期|宗|万元|元|%)|"
                         r"(人次|场次|次|人|件|份|家|项|条)(?:数|数量)?(?=最|更|较|多|少|高|低)")
_EN_ASKED_UNIT = (
    (re.compile(r"how many (?:\w+ ){0,3}?(?:cases|disputes|lawsuits|complaints|petitions|violations)", re.I), "件"),
    (re.compile(r"how many (?:\w+ ){0,3}?(?:people|persons|staff|officers|advisers|advisors|lawyers|members|residents|mediators|cadres)", re.I), "人"),
    (re.compile(r"how many (?:\w+ ){0,3}?(?:times|sessions|meetings|lectures|events|activities|trainings|campaigns)|"
                r"\bmore (?:\w+ ){0,5}?(?:sessions|meetings|lectures|events|activities|trainings|campaigns)\b", re.I), "次"),
    (re.compile(r"how many (?:\w+ ){0,3}?(?:firms|enterprises|companies)|\bmore (?:\w+ ){0,2}?(?:firms|enterprises)\b", re.I), "家"),
    (re.compile(r"how many (?:\w+ ){0,3}?(?:copies|leaflets|materials|brochures|booklets)", re.I), "份"),
)


def asked_units(q: str) -> tuple[str, ...]:
    """The unit a 几/多少/how many question counts in, with its kin (几名 → 名, 人, 位, 人次); () when open."""
    m = _ASKED_UNIT.search(q)
    unit = (m.group(1) or m.group(2)) if m else next((u for pattern, u in _EN_ASKED_UNIT if pattern.search(q)), None)
    return unit_family(unit) if unit else ()


def unit_family(unit: str) -> tuple[str, ...]:
    """A count unit with the units that count the same thing: 名 → 人, 名, 位, 人次."""
    return tuple(dict.fromkeys(u for f in _COUNT_UNIT_FAMILIES if unit in f for u in f)) or (unit,)


# A section that states plans and goals (下一步工作打算): what it says was not yet done.
PLAN_SECTION = re.compile(r"下一步|下步|计划|打算|思路|展望|安排|目标|工作重点")
PLAN_Q = re.compile(r"计划|打算|下一步|下步|明年|目标|力争|思路|展望|\bplan|\bnext year\b|\btarget|\bgoal|\baim", re.IGNORECASE)
_PAREN = re.compile(r"[（(]([^（()）]{2,80})[)）]")
_EXAMPLE_LIST = re.compile(r"[、，,/]|或|等$")


def _is_example_list(bracketed: str) -> bool:
    """"A率、B率等" lists examples; a single bracketed term is a gloss."""
    return bool(_EXAMPLE_LIST.search(bracketed.strip()))


_QUOTE_MARKS = re.compile(r"[“”\"「」『』‘’']")
# Question scaffolding that names no topic: "哪几个镇", "哪些地方", "谁…多一些", "一共", "结果怎么样".
_FILLER = re.compile(
    r"(?:有|是)?哪(?:些|几个|几|个|一个)?(?:乡镇街道|乡镇|镇街|街道|镇|乡|地方|单位|地区|村)?|谁|"
    r"(?:更|最|较|比较)?(?:多|少|高|低|大|小)(?:一些|一点|些|得多)|"
    r"(?:相比|相较|比较)(?:而言|来看|之下)?|(?:结果|情况|效果)?(?:怎么样|怎样|如何)|"
    r"一共|总共|总计|共计|合计|累计|到底|究竟|大概|大约|具体|各有|各自|分别有|有没有|是否|没有(?=\s*[?？]|\s*$)|"
    r"次数|数量|数目|人数|件数|场次数|指标|(?:更|最|较)(?:高|低|多|少|大|小)"
)


@dataclass(frozen=True)
class TermGroup:
    """Interchangeable forms of one key term; a passage covers the group when it contains any form."""

    forms: tuple[str, ...]
    weight: float = 1.0
    quoted: bool = False


@dataclass(frozen=True)
class Constraint:
    """A numeric condition from the question, e.g. 达到100% → (>=, 100, %); 两名 → (==, 2, 名 and kin)."""

    op: str
    value: float
    unit: str
    units: tuple[str, ...] = ()

    @property
    def all_units(self) -> tuple[str, ...]:
        """The claim units that measure the same thing (名 also counts 人 and 位)."""
        return self.units or (self.unit,)

    def holds(self, value: float) -> bool:
        """Whether a claimed value meets the condition."""
        return {
            ">=": value >= self.value,
            ">": value > self.value,
            "<=": value <= self.value,
            "<": value < self.value,
            "==": abs(value - self.value) < 1e-9,
        }[self.op]


@dataclass(frozen=True)
class ParsedQuestion:
    text: str
    lang: Literal["zh", "en"]
    intent: Intent
    towns: tuple[str, ...]
    unknown_towns: tuple[str, ...]
    years: tuple[int, ...]
    terms: tuple[TermGroup, ...]
    numeric: bool
    constraint: Constraint | None
    superlative: Literal["max", "min"] | None
    elliptical: bool = False
    soft_years: bool = False
    query_text: str = ""
    lexical_query: tuple[str, ...] = field(default=())
    regions: tuple[str, ...] = ()
    year_scope: Literal["latest", "all"] | None = None
    asked_units: tuple[str, ...] = ()
    missing_regions: tuple[str, ...] = ()  # places the question names that no indexed report is from


@lru_cache(maxsize=1)
def synonym_groups() -> dict[str, tuple[str, ...]]:
    """term → its interchangeable forms, from qa/data/synonyms.txt."""
    text = resources.files("qa.data").joinpath("synonyms.txt").read_text(encoding="utf-8")
    out: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        forms = tuple(line.split())
        for f in forms:
            out[f] = tuple(dict.fromkeys(out.get(f, ()) + forms))
    return out


def language_of(text: str) -> Literal["zh", "en"]:
    """'zh' when the question has Chinese characters beyond town names, else 'en'."""
    letters = len(re.findall(r"[A-Za-z]", text))
    cjk = len(_CJK.findall(text))
    return "en" if letters > 2 * cjk else "zh"


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
        self._pinyin_sorted = sorted(self.by_pinyin)

    def positions(self, text: str) -> dict[str, int]:
        """town → first position where one of its aliases occurs in text."""
        out: dict[str, int] = {}
        if self._empty:
            return out
        for end, (alias, ts) in self._auto.iter(text):
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
    joined = {"".join(words[i : i + n]): i for n in (1, 2, 3, 4) for i in range(len(words) - n + 1)}
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


_RELATIVE_YEAR = (
    (re.compile(r"前年|\bthe year before last\b", re.IGNORECASE), -2),
    (re.compile(r"去年|上一年|上年度|\blast year\b|\bprevious year\b", re.IGNORECASE), -1),
    (re.compile(r"今年|本年度|\bthis year\b", re.IGNORECASE), 0),
)
_LATEST = re.compile(r"最新|最近一年|最近的|\blatest\b|\bmost recent\b|\bnewest\b", re.IGNORECASE)
_ALL_YEARS = re.compile(r"历年|每年|各年|逐年|历史|\bevery year\b|\beach year\b|\ball years\b|\bover the years\b", re.IGNORECASE)


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


def relative_years(q: str, today: date) -> tuple[int, ...]:
    """去年 / last year and friends, as calendar years relative to today."""
    for pattern, delta in _RELATIVE_YEAR:
        if pattern.search(q):
            return (today.year + delta,)
    return ()


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
    joined = {"".join(words[i : i + n]) for n in (1, 2, 3) for i in range(len(words) - n + 1)}
    out = []
    for variant, canonical in regions.items():
        if (variant.isascii() and variant in joined) or (not variant.isascii() and variant in text):
            out.append(canonical)
    return list(dict.fromkeys(out))


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
    named = match_towns(q, towns, pinyin)
    region_names = match_regions(q, regions or {})
    unknown = []
    for name, _, _ in find_town_mentions(q):
        if _NOT_A_NAME.search(name) or SOFT_NOT_TOWN.search(name):
            continue
        if not town_matcher(towns, pinyin).covers(name) and not any(name.endswith(t) for t in named):
            unknown.append(name)
    # "Baiyun Miao Ethnic Township's": the whole English designation is the town, not the topic.
    q_topic = _EN_PLACE.sub(lambda m: m.group(0) if m.group(1).split()[0].lower() in _EN_NOT_PLACE else " ", q)
    q_topic = re.sub(r"(?<=[A-Za-z])'s\b", "", q_topic)
    if not named:
        for name in _english_place_names(q):
            near = _nearest_pinyin(name, pinyin)
            if near:
                named.append(near)
            else:
                unknown.append(name)
    unknown = [u for u in dict.fromkeys(unknown) if not any(u != o and u.endswith(o) for o in unknown)]
    unknown = [u for u in unknown if not any(o != u and o.endswith(u) for o in unknown)]
    explicit = tuple(dict.fromkeys(int(y) for y in _YEAR.findall(q)))
    years = explicit or relative_years(q, today or date.today())
    # 今年/去年 are relative to today, but reports come a year late: with no report of that year, the newest does.
    soft_relative = bool(years) and not explicit
    year_scope: Literal["latest", "all"] | None = None
    if not years and _LATEST.search(q):
        year_scope = "latest"
    elif _ALL_YEARS.search(q):
        year_scope, years = "all", ()
    constraint = _constraint(q, aggregate=bool(_AGGREGATE.search(q) or _WHICH.search(q)))
    superlative: Literal["max", "min"] | None = None
    if _COMPARE_WORD.search(q) or _WHO_MORE.search(q) or _COMPARE_VERB.search(q):
        superlative = "min" if _MIN_WORD.search(q) or re.search(r"(?:谁|哪个|哪一个)[^?？]{0,20}(?:少|低|小)", q) else "max"
    if _REGION_Q.search(q) and named:
        intent: Intent = "region"
    elif _TABLE_Q.search(q) and not named and not superlative:
        intent = "table"
    elif _YEAR_Q.search(q) and not _COMPARE_WORD.search(q) and "多少" not in q:
        intent = "year"
    elif superlative and (_WHO.search(q) or len(named) >= 2 or _COMPARE_VERB.search(q)):
        intent = "compare"
    elif _AGGREGATE.search(q) or (not named and _WHICH.search(q) and ("镇" in q or "town" in q.lower() or lang == "zh")):
        intent = "aggregate"
    elif (_LIST_Q.search(q) or PLAN_Q.search(q)) and not _NUMERIC_Q.search(q):
        intent = "list"
    else:
        intent = "fact"
    numeric = bool(_NUMERIC_Q.search(q)) or intent == "compare"
    region_words = [v for v, c in (regions or {}).items() if c in region_names]
    terms, lexical = key_terms(
        q_topic, lang, named, unknown, tokenizer, pinyin, region_words, constraint, town_matcher(towns, pinyin)
    )
    return ParsedQuestion(
        text=q,
        lang=lang,
        intent=intent,
        towns=tuple(named),
        unknown_towns=tuple(unknown),
        years=years,
        terms=terms,
        numeric=numeric,
        constraint=constraint,
        superlative=superlative,
        elliptical=bool(_ELLIPSIS.search(q)),
        query_text=q,
        lexical_query=tuple(lexical),
        regions=tuple(region_names),
        year_scope=year_scope if not soft_relative else "latest",
        asked_units=asked_units(q),
        soft_years=soft_relative,
    )


_BELOW_WORDS = ("低于", "少于", "不足", "不到", "未达到", "未达", "没有达到", "小于", "below", "under", "less than", "lower than", "fewer than")
_ABOVE_WORDS = ("超过", "高于", "大于", "多于", "over", "above", "more than", "higher than")


def _op(op_word: str, after: str, default: str) -> str:
    if after in ("以下", "及以下"):
        return "<=" if after == "及以下" else "<"
    if op_word in _BELOW_WORDS:
        return "<"
    if after == "以上" or op_word in _ABOVE_WORDS:
        return ">" if op_word in _ABOVE_WORDS else ">="
    if after == "及以上" or op_word in ("不少于", "至少", "不低于", "at least"):
        return ">="
    if op_word in ("达到", "达", "做到", "实现", "reach", "reached", "reaches", "of"):
        return ">="
    return default


_NAMED_SPAN = re.compile(r"[“\"「『‘'][^”\"」』’']{1,30}[”\"」』’']|[（(][^（()）]{1,80}[)）]")


def _constraint(q: str, aggregate: bool = False) -> Constraint | None:
    # A number inside a quoted or bracketed name (“两个规范”, (三项制度: …)) is part of the name, not a condition;
    # so is one inside Chinese written into an English question.
    q = _NAMED_SPAN.sub(lambda m: " " * len(m.group(0)), q)
    if language_of(q) == "en":
        q = re.sub(r"[\u4e00-\u9fff\d]+[\u4e00-\u9fff][\u4e00-\u9fff\d]*", lambda m: " " * len(m.group(0)), q)
    m = _CONSTRAINT.search(q)
    if m:
        return Constraint(_op((m.group("op") or "").lower(), m.group("after") or "", ">="), float(m.group("num")), "%")
    if not aggregate:
        return None
    # Count conditions only make sense when the question asks which towns meet them.
    m = _COUNT_CONSTRAINT.search(q)
    if m:
        from qa.claims import parse_number

        value = parse_number(m.group("num"))
        if value is None:
            return None
        unit = m.group("unit")
        return Constraint(_op(m.group("op") or "", m.group("after") or "", "=="), value, unit, unit_family(unit))
    m = _EN_COUNT_CONSTRAINT.search(q)
    if m:
        units = tuple(dict.fromkeys(u for f in _COUNT_UNIT_FAMILIES for u in f))
        return Constraint(_op(m.group("op").lower(), "", "=="), float(m.group("num")), units[0], units)
    return None


def key_terms(
    q: str,
    lang: str,
    towns: Sequence[str],
    unknown: Sequence[str],
    tokenizer: Tokenizer,
    pinyin: dict[str, str] | None = None,
    region_words: Sequence[str] = (),
    constraint: Constraint | None = None,
    matcher: TownMatcher | None = None,
) -> tuple[tuple[TermGroup, ...], list[str]]:
    """The question's topic terms (town names, years, numbers and question words removed) and BM25 tokens."""
    syn = synonym_groups()
    groups: list[TermGroup] = []
    lexical: list[str] = []
    stop = stopwords()
    pinyin = pinyin or {}
    cleaned = q
    for t in list(towns) + list(unknown):
        for a in sorted(town_aliases(t), key=len, reverse=True):
            cleaned = cleaned.replace(a, " ")
    for w in sorted(region_words, key=len, reverse=True):
        cleaned = re.sub(re.escape(w), " ", cleaned, flags=re.IGNORECASE)
    cleaned = _CONSTRAINT.sub(" ", cleaned)
    if constraint is not None and constraint.unit != "%":
        cleaned = _COUNT_CONSTRAINT.sub(" ", cleaned)
        cleaned = _EN_COUNT_CONSTRAINT.sub(" ", cleaned)
    cleaned = _FILLER.sub(" ", cleaned)
    cleaned = _QUANTITY_WORD.sub(" ", cleaned)
    cleaned = _YEAR_WORD.sub(" ", cleaned)  # "2022年开了" leaves 开了, not 年开
    # "(A率、B率、“C”落实率等)": examples, any one of which will do.
    examples: list[str] = []
    for m in _PAREN.finditer(cleaned):
        if not _is_example_list(m.group(1)):
            continue  # "(法律明白人)": a single term in brackets is a gloss, and required like any other
        for w in tokenizer.words(_QUOTE_MARKS.sub("", m.group(1))):
            if w not in stop and len(w) > 1 and not _ONLY_FUNCTION.match(w) and w != "等":
                examples.append(w)
                lexical += tokenizer.tokens(w)
    if examples:
        cleaned = _PAREN.sub(lambda m: " " if _is_example_list(m.group(1)) else m.group(0), cleaned)
    for m in _QUOTED.finditer(cleaned):
        phrase = m.group(1).strip()
        if phrase and _CJK.search(phrase):
            groups.append(TermGroup(syn.get(phrase, (phrase,)), 1.0, quoted=True))
            lexical += tokenizer.tokens(phrase)
    for m in _QUOTED.finditer(cleaned):
        phrase = m.group(1).strip()
        if re.fullmatch(r"[\d·.\-]*\d[\d·.\-]*", phrase):
            # A quoted number ("1310", “12·4”) is a name, looked for as written.
            groups.append(TermGroup((phrase,), 1.0, quoted=True))
            lexical.append(phrase)
    # A quoted English phrase ("Fengqiao experience") is read by the glossary like the rest.
    cleaned = _QUOTED.sub(lambda m: " " if _CJK.search(m.group(1)) else f" {m.group(1)} ", cleaned)
    if lang == "en":
        # Chinese written into an English question ("first agenda item" (第一议题)) names the topic exactly:
        # each run is one phrase, and the English words around it are its gloss, not extra conditions.
        glosses = [run for run in re.findall(r"[\u4e00-\u9fff]{2,}", cleaned) if run not in stop]
        for run in glosses:
            groups.append(TermGroup(syn.get(run, (run,)), 1.0, quoted=True))
            lexical += tokenizer.tokens(run)
        if glosses:
            return _merge(groups), lexical
        matched = translate_english(cleaned)
        covered = {w for phrase, _ in matched for w in phrase.split()}
        covered |= {w for w in re.findall(r"[a-z][a-z'\-]+", cleaned.lower()) if any(w.startswith(c) for c in covered)}
        for word in re.findall(r"[a-z][a-z'\-]+", cleaned.lower()):
            # An English content word the glossary cannot translate still counts against coverage,
            # lightly: a question made only of unknown words is not answered from a guess.
            if word not in covered and word not in stop and len(word) > 2 and not (
                matcher.pinyin_part(word) if matcher else any(word in py for py in pinyin.values())
            ):
                groups.append(TermGroup((word,), UNKNOWN_ENGLISH_WEIGHT))
        for phrase, zh in matched:
            zh_terms = tuple(z for z in zh if z not in stop)
            if not zh_terms:
                continue
            forms = tuple(dict.fromkeys(f for z in zh_terms for f in (z, *syn.get(z, ()))))
            groups.append(TermGroup(forms, glossary_weight(phrase)))
            for z in zh_terms:
                lexical += tokenizer.tokens(z)
        cjk_part = "".join(_CJK.findall(cleaned))
        if cjk_part:
            cleaned = cjk_part
        else:
            return _merge(groups), lexical
    alternatives = re.split(r"或者|或是|或|以及|还是|/|、", cleaned) if re.search(r"或|还是|/|、", cleaned) else [cleaned]
    alt_groups: list[list[str]] = []
    for part in alternatives:
        words = [w for w in tokenizer.words(part) if w not in stop and not _ONLY_FUNCTION.match(w) and len(w) > 1]
        words = [w for w in words if not any(w.endswith(s) and len(w) <= len(s) for s in TOWN_SUFFIXES)]
        alt_groups.append(words)
        lexical += [t for t in tokenizer.tokens(part) if t not in stop]
    if len(alt_groups) > 1 and all(alt_groups):
        # "发生过行政复议或行政诉讼案件": the words on either side of 或/、 are the alternatives (行政复议 | 行政诉讼);
        # the words further out (发生, 案件) and words every part shares stay required.
        shared = set(alt_groups[0]).intersection(*map(set, alt_groups[1:]))
        required = list(shared)
        heads: list[str] = []
        last = len(alt_groups) - 1
        for i, g in enumerate(alt_groups):
            own = [w for w in g if w not in shared]
            if not own:
                continue
            if i == 0:
                heads.append(own[-1])
                required += own[:-1]
            elif i == last:
                heads.append(own[0])
                required += own[1:]
            else:
                heads += own
        for w in dict.fromkeys(required):
            groups.append(TermGroup(syn.get(w, (w,))))
        if heads:
            forms = tuple(dict.fromkeys(f for h in heads for f in (h, *syn.get(h, ()))))
            groups.append(TermGroup(forms))
    else:
        for g in alt_groups:
            for w in g:
                groups.append(TermGroup(syn.get(w, (w,))))
    if examples:
        # The examples' own words (案卷, 落实率 …), not those the question already requires (执法).
        taken = {f for g in groups for f in g.forms}
        forms = tuple(dict.fromkeys(f for w in examples if w not in taken for f in (w, *syn.get(w, ())) if f not in taken))
        if forms:
            groups.append(TermGroup(forms))
    return _merge(groups), lexical


UNKNOWN_ENGLISH_WEIGHT = 0.15


def _merge(groups: list[TermGroup]) -> tuple[TermGroup, ...]:
    out: list[TermGroup] = []
    for g in groups:
        if any(set(g.forms) & set(o.forms) for o in out):
            continue
        out.append(g)
    return tuple(out)


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
            soft_years=not pq.years,
            elliptical=True,
            query_text=text,
        )
    if not pq.towns and (pq.elliptical or not pq.terms):
        towns = tuple(previous_towns) or previous.towns
        intent = pq.intent
        if intent == "aggregate" and towns:
            intent = "fact"
        # "这两个镇哪个开得多?": the previous topic stays; the follow-up's own words add to it.
        own = tuple(g for g in pq.terms if all(g.forms[0] not in p.forms for p in previous.terms))
        return replace(
            pq,
            towns=towns,
            years=pq.years or previous.years,
            soft_years=not pq.years,
            intent=intent,
            terms=previous.terms + own if pq.elliptical else (pq.terms or previous.terms),
            lexical_query=pq.lexical_query or previous.lexical_query,
            elliptical=True,
        )
    return pq
