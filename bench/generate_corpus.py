"""Synthetic township reports for scale benchmarks, recombined and perturbed from the seed reports.

    python -m bench.generate_corpus --n 10000 --out /tmp/corpus-10k [--seed 0]

Each report gets a new town (plausible 2-3 character names + 镇/乡/街道, some 瑶族乡), county, city,
province and year. Its sections (一、 / (一) / 一是) are drawn from the seed sections of the same kind
(measures and results, the leader's duties, problems, next year's plans); sentences are dropped or borrowed
from sibling paragraphs, counts are rescaled, rates moved and years shifted, and the seed towns and
counties are renamed. Report i depends only on (seed, i), so a 1k corpus is the first 1k of a 10k one.
Files are written one at a time (`NNN/NNNNNN.txt`), with `corpus.jsonl` listing each report's intended
town, region and year, so memory stays flat at any N.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from qa.structure import INLINE_FURNITURE, heading_level, is_furniture_line

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

CN_NUMERALS = "一二三四五六七八九十"
# Characters common in Chinese place names, minus those that make the parser's non-town words
# (城镇, 集镇, 小镇, 下乡, 平安镇 ...), its function characters, and region suffixes (市/区/县 ...).
PLACE_CHARS = (
    "白宝碧长朝大丹东凤福甘高古关广桂海河红洪虎花华黄金锦靖九兰蓝乐黎莲良林龙芦鹿罗马茅梅南宁盘"
    "青清庆泉仁瑞三桑沙山石双水顺松太泰塘桃天铁通万文五西溪仙祥杏秀岩阳杨永玉元云樟柘竹紫坝坪"
    "场湾桥铺口坡岭沟湖江峰田营寨坊观寺堡庙滩渡井埠荷柳橙茶枫杉柏雁鹤凰麒麟驿亭圩"
)
ETHNIC = ("瑶族", "苗族", "土家族", "侗族")
PROVINCES = (
    "四川省", "重庆市", "湖南省", "江西省", "贵州省", "云南省", "广西壮族自治区", "湖北省", "安徽省",
    "河南省", "福建省", "浙江省", "陕西省", "甘肃省", "山东省", "河北省", "广东省", "吉林省",
)
MUNICIPALITIES = ("重庆市",)
COUNT_UNITS = (
    "人次", "批次", "场次", "户次", "件次", "万元", "个", "件", "次", "人", "份", "场", "条", "起", "批", "户",
    "家", "名", "篇", "期", "项", "所", "座", "宗", "册", "本", "套", "处", "支", "类", "部", "间", "块", "幅",
    "张", "位", "组", "轮", "课", "节", "堂", "余",
)
_NUMBER = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(?![\d.])")
_MARKER_L1 = re.compile(rf"^[{CN_NUMERALS}]+[、，,．.]\s*")
_MARKER_L2 = re.compile(rf"^[（(][{CN_NUMERALS}]+[）)]\s*")
_ITEM = re.compile(rf"^(\s*)[{CN_NUMERALS}]+是")
_ARABIC_ITEM = re.compile(r"^(\s*)\d{1,2}、")
_TITLE_LINE = re.compile(r"报告\s*$|人民政府\s*$|^县委依法治县办")
_SIGNATURE_DATE = re.compile(r"^\s*(?:19|20)\d\d年\d{1,2}月\d{1,2}日\s*$")

Category = str  # "measures" | "leader" | "problems" | "plans"


def category_of(heading: str, default: Category = "measures") -> Category:
    """The kind of section a heading opens."""
    if re.search(r"党政主要负责人|第一责任", heading):
        return "leader"
    if re.search(r"问题|不足|短板", heading) and not re.search(r"思路|下一步|下步|安排|计划", heading):
        return "problems"
    if re.search(r"下一步|下步|下一年|思路|计划|打算|安排|重点", heading):
        return "plans"
    return default


@dataclass
class Unit:
    """A (二)-level subsection (heading plus paragraphs), or a run of paragraphs under no subheading."""

    seed: int
    heading: str | None
    paragraphs: list[str]


@dataclass
class SeedSection:
    """A 一、-level section of a seed report."""

    seed: int
    category: Category
    heading: str | None
    units: list[Unit] = field(default_factory=list)


@dataclass(frozen=True)
class SeedReport:
    """What the generator needs to know about one seed file: its own names and year, for renaming."""

    town: str
    county: str | None
    provinces: tuple[str, ...]
    year: int


@dataclass
class SeedPool:
    """Every seed section, intro paragraph and naming fact, parsed once."""

    reports: list[SeedReport]
    sections: dict[Category, list[SeedSection]]
    intros: list[tuple[int, str]]

    def units(self, category: Category, headed: bool) -> list[Unit]:
        """Every unit of that kind of section, with or without a subheading."""
        return [u for s in self.sections.get(category, []) for u in s.units if (u.heading is not None) == headed]

    def paragraphs(self, category: Category) -> list[tuple[int, str]]:
        """Every body paragraph of that kind of section, with its seed."""
        return [(u.seed, p) for s in self.sections.get(category, []) for u in s.units for p in u.paragraphs]


def load_seed_pool(seed_dir: Path = SEEDS) -> SeedPool:
    """Split the seed reports into intro, sections and units by their heading lines."""
    from qa.documents import read_document

    reports: list[SeedReport] = []
    sections: dict[Category, list[SeedSection]] = {}
    intros: list[tuple[int, str]] = []
    for k, path in enumerate(sorted(seed_dir.glob("*.txt"))):
        parsed = read_document(path, path.name)
        m = parsed.document.metadata
        if m.town is None or m.year is None:
            continue
        provinces = tuple(p for p in ("重庆", "四川", "江西") if p in parsed.document.text)
        reports.append(SeedReport(m.town, m.county, provinces, m.year))
        seed = len(reports) - 1
        current: SeedSection | None = None
        unit: Unit | None = None
        seen_body = False
        lines = [INLINE_FURNITURE.sub("", line).strip() for line in parsed.document.text.split("\n")]
        lines = [line for line in lines if line and not is_furniture_line(line) and "扫一扫" not in line]
        while lines and (lines[-1].endswith(("人民政府", "办事处")) or _SIGNATURE_DATE.match(lines[-1])):
            lines.pop()
        for line in lines:
            level = heading_level(line)
            if not seen_body and level is None and (_TITLE_LINE.search(line) or len(line) < 25):
                continue
            if level == 1 and _MARKER_L1.match(line):
                head = _MARKER_L1.sub("", line)
                current = SeedSection(seed, category_of(head), head)
                sections.setdefault(current.category, []).append(current)
                unit = None
                seen_body = True
                continue
            if level == 2:
                head = _MARKER_L2.sub("", line)
                if current is None:
                    current = SeedSection(seed, "measures", None)
                    sections.setdefault("measures", []).append(current)
                own = category_of(re.split(r"[。；]", head)[0], current.category)
                if own != current.category:
                    current = SeedSection(seed, own, None)
                    sections.setdefault(own, []).append(current)
                unit = Unit(seed, head, [])
                current.units.append(unit)
                seen_body = True
                continue
            if current is None:
                intros.append((seed, line))
                seen_body = True
                continue
            if line.startswith("下一步") and current.category != "plans":
                current = SeedSection(seed, "plans", None)
                sections.setdefault("plans", []).append(current)
                unit = None
            if unit is None:
                unit = Unit(seed, None, [])
                current.units.append(unit)
            unit.paragraphs.append(line)
        del k
    kept = {c: [s for s in ss if s.units] for c, ss in sections.items()}
    return SeedPool(reports, kept, intros)


# ---- names ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where a synthetic report comes from."""

    town: str
    core: str
    kind: str  # 镇 | 乡 | 街道 | 民族乡
    county: str
    city: str | None
    province: str


class Gazetteer:
    """Deterministic unique town and county names: town t, county t // 20, city county // 6."""

    towns_per_county = 20
    counties_per_city = 6

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._towns: list[Place] = []
        self._cores: set[str] = set()
        self._counties: dict[int, str] = {}
        self._county_names: set[str] = set()
        self._cities: dict[int, tuple[str | None, str]] = {}
        self._city_names: set[str] = set()

    def _name(self, rng: random.Random, length: int, used: set[str]) -> str:
        while True:
            name = "".join(rng.choice(PLACE_CHARS) for _ in range(length))
            if name not in used and len(set(name)) == len(name):
                used.add(name)
                return name
            length = 3 if rng.random() < 0.3 else length

    def city(self, c: int) -> tuple[str | None, str]:
        """(city or None for a municipality, province) of city c."""
        if c not in self._cities:
            rng = random.Random(f"{self.seed}:city:{c}")
            province = rng.choice(PROVINCES)
            city = None if province in MUNICIPALITIES else self._name(rng, 2, self._city_names) + "市"
            self._cities[c] = (city, province)
        return self._cities[c]

    def county(self, k: int) -> str:
        """Name of county k."""
        if k not in self._counties:
            rng = random.Random(f"{self.seed}:county:{k}")
            self._counties[k] = self._name(rng, 2, self._county_names) + ("区" if rng.random() < 0.3 else "县")
        return self._counties[k]

    def town(self, t: int) -> Place:
        """Town t (generated in order, so every name is unique)."""
        while len(self._towns) <= t:
            n = len(self._towns)
            rng = random.Random(f"{self.seed}:town:{n}")
            roll = rng.random()
            core = self._name(rng, 2 if rng.random() < 0.7 else 3, self._cores)
            if roll < 0.68:
                kind, town = "镇", core + "镇"
            elif roll < 0.83:
                kind, town = "乡", core + "乡"
            elif roll < 0.95:
                kind, town = "街道", core + "街道"
            else:
                core = core[:2]
                kind, town = "民族乡", core + rng.choice(ETHNIC) + "乡"
            k = n // self.towns_per_county
            city, province = self.city(k // self.counties_per_city)
            self._towns.append(Place(town, core, kind, self.county(k), city, province))
        return self._towns[t]


# ---- perturbation -----------------------------------------------------------------------------------


def _short_province(province: str) -> str:
    return re.sub(r"(?:壮族自治区|自治区|省|市)$", "", province)


class Rewriter:
    """Renames the seed's places for the new town, shifts years and perturbs numbers in one report."""

    def __init__(self, rng: random.Random, place: Place, year: int, reports: list[SeedReport]) -> None:
        self.rng = rng
        self.place = place
        self.year = year
        self.reports = reports
        self.full_marks = rng.random() < 0.45
        self.scale = math.exp(rng.gauss(0, 0.35))
        self._unit_words = self._unit_word_map(place.kind)

    @staticmethod
    def _unit_word_map(kind: str) -> list[tuple[str, str]]:
        if kind == "镇":
            return []
        short = "乡" if kind in ("乡", "民族乡") else "街道"
        office = "乡党委" if short == "乡" else "街道党工委"
        return [("全镇", "全" + short), ("我镇", "我" + short), ("本镇", "本" + short), ("镇党委", office),
                ("镇政府", "乡政府" if short == "乡" else "街道办事处"), ("镇村", "乡村" if short == "乡" else "街道社区")]

    def rename(self, text: str, seed: int) -> str:
        """The seed's town, county and province replaced by the new report's."""
        r = self.reports[seed]
        p = self.place
        text = text.replace(r.town, p.town)
        core = r.town[:-1] if r.town.endswith(("镇", "乡")) else r.town
        text = text.replace(core, p.core)
        if r.county:
            text = text.replace(r.county, p.county)
        short = _short_province(p.province)
        for old in r.provinces:
            text = text.replace(old + "市", p.province if p.province.endswith("市") else short)
            text = text.replace(old + "省", p.province)
            text = text.replace(old, short)
        for old, new in self._unit_words:
            text = text.replace(old, new)
        return text

    def numbers(self, text: str, seed: int) -> str:
        """Years shifted to the report's year; counts rescaled; rates moved (100% kept on full-marks towns)."""
        shift = self.year - self.reports[seed].year
        out: list[str] = []
        last = 0
        for m in _NUMBER.finditer(text):
            token = m.group(1)
            after = text[m.end() : m.end() + 3].lstrip()
            new = token
            if re.fullmatch(r"(?:19|20)\d\d", token) and (after.startswith(("年", "-")) or text[m.start() - 1 : m.start()] == "-"):
                new = str(int(token) + shift)
            elif after.startswith(("%", "％")):
                new = self._rate(token)
            elif after.startswith(COUNT_UNITS):
                new = self._count(token)
            out.append(text[last : m.start()] + new)
            last = m.end()
        out.append(text[last:])
        return "".join(out)

    def _rate(self, token: str) -> str:
        v = float(token)
        if v == 100:
            return "100" if self.full_marks else f"{self.rng.uniform(92, 99.9):.1f}"
        moved = min(99.9, max(1.0, v + self.rng.uniform(-6, 6)))
        return f"{moved:.1f}" if "." in token else str(round(moved))

    def _count(self, token: str) -> str:
        v = float(token) * self.scale * math.exp(self.rng.gauss(0, 0.3))
        return f"{max(0.1, v):.1f}" if "." in token else str(max(1, round(v)))

    def rewrite(self, text: str, seed: int) -> str:
        """Rename, then perturb numbers."""
        return self.numbers(self.rename(text, seed), seed)


# ---- one report -------------------------------------------------------------------------------------


def _numeral(n: int) -> str:
    """1 → 一 … 10 → 十, 11 → 十一 (enough for section counts)."""
    if n <= 10:
        return CN_NUMERALS[n - 1]
    return "十" + CN_NUMERALS[n - 11]


def _sentences(paragraph: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。；！？])", paragraph) if s.strip()]


def _renumber_items(paragraphs: list[str]) -> list[str]:
    """一是/二是 and 1、/2、 items numbered again in order after sampling."""
    out: list[str] = []
    item = arabic = 0
    for p in paragraphs:
        if m := _ITEM.match(p):
            item += 1
            p = f"{m.group(1)}{_numeral(item)}是" + p[m.end() :]
        elif m := _ARABIC_ITEM.match(p):
            arabic += 1
            p = f"{m.group(1)}{arabic}、" + p[m.end() :]
        out.append(p)
    return out


# Interchangeable official wording; each occurrence is swapped with a small probability.
WORDING = (
    ("加强", "强化"), ("深入", "扎实"), ("推进", "推动"), ("持续", "不断"), ("进一步", "切实"), ("开展", "组织开展"),
    ("提升", "提高"), ("完善", "健全"), ("落实", "抓实"), ("群众", "居民群众"), ("积极", "主动"), ("有效", "切实有效"),
    ("认真", "严格"), ("全面", "全力"), ("确保", "保障"), ("工作", "各项工作"),
)
_WORDING_RE = re.compile("|".join(sorted({w for pair in WORDING for w in pair}, key=len, reverse=True)))
_WORDING_MAP = {a: b for a, b in WORDING} | {b: a for a, b in WORDING}


def _reword(rng: random.Random, sentence: str) -> str:
    """Swap some official wording, and drop or swap a middle clause of a long sentence."""
    sentence = _WORDING_RE.sub(lambda m: _WORDING_MAP[m.group(0)] if rng.random() < 0.45 else m.group(0), sentence)
    clauses = re.split(r"(?<=[，,])", sentence)
    if len(clauses) >= 3 and not _ITEM.match(clauses[0]):
        roll = rng.random()
        j = rng.randint(1, len(clauses) - 2)  # a middle clause: the first and the last (with its 。) stay
        if roll < 0.3:
            del clauses[j]
        elif roll < 0.55 and j + 1 <= len(clauses) - 2:
            clauses[j], clauses[j + 1] = clauses[j + 1], clauses[j]
    return "".join(clauses)


def _perturb_paragraph(rng: random.Random, paragraph: str, siblings: list[tuple[int, str]], seed: int) -> list[tuple[int, str]]:
    """Drop, reword or borrow sentences (from a sibling paragraph); pieces keep their seed for renaming."""
    sentences = _sentences(paragraph)
    kept = [(seed, _reword(rng, s)) for j, s in enumerate(sentences) if j == 0 or rng.random() > 0.12]
    if siblings and rng.random() < 0.25:
        other_seed, other = rng.choice(siblings)
        borrowed = [s for s in _sentences(other)[1:] if not _ITEM.match(s)]
        if borrowed:
            kept.insert(rng.randint(1, len(kept)), (other_seed, _reword(rng, rng.choice(borrowed))))
    return kept


def _header(rng: random.Random, place: Place, year: int) -> list[str]:
    gov = place.town + ("办事处" if place.kind == "街道" else "人民政府")
    region = place.province + (place.city or "") + place.county
    style = rng.random()
    if style < 0.35:
        return [region + gov, f"{year}年法治政府建设情况报告", ""]
    if style < 0.65:
        return [f"{place.town}{year}年度法治政府建设工作情况报告", "",
                f"{year + 1}-{rng.randint(1, 4):02d}-{rng.randint(1, 28):02d} 09:{rng.randint(10, 59)} 来源: {gov}", ""]
    if style < 0.85:
        return [f"{gov}关于{year}年法治政府建设情况的报告", "", f"{place.county}委依法治{place.county[-1]}办:"]
    return [f"{region}{place.town}{year}年法治政府建设工作报告"]


def _intro(rng: random.Random, pool: SeedPool, rw: Rewriter, place: Place, year: int) -> str:
    seed, intro = rng.choice(pool.intros)
    body = rw.rewrite(intro, seed)
    body = re.sub(r"^(?:今年以来|(?:19|20)\d\d年(?:度|以来)?)[,，]\s*", "", body)
    sep = "，" if rng.random() < 0.5 else ","
    return f"{year}年{sep}{body}" if body.startswith(place.town) else f"{year}年{sep}{place.town}{body.lstrip('我本')}"


def _section_plan(rng: random.Random) -> list[Category]:
    plan: list[Category] = ["measures", "problems", "plans"]
    if rng.random() < 0.45:
        plan.insert(rng.choice((0, 1, 2)), "leader")
    return plan


def _section(rng: random.Random, pool: SeedPool, category: Category, rw: Rewriter, index: int, paren: tuple[str, str]) -> list[str]:
    template = rng.choice(pool.sections[category])
    heads = [s.heading for s in pool.sections[category] if s.heading] or [category]
    heading = template.heading or rng.choice(heads)
    lines = [f"{_numeral(index)}、{rw.rewrite(heading, template.seed)}"]
    headed = any(u.heading is not None for u in template.units)
    units = pool.units(category, headed) or pool.units(category, not headed)
    want = {"measures": (3, 6), "leader": (1, 2), "problems": (2, 4), "plans": (2, 5)}[category]
    n = min(len(units), rng.randint(*want))
    siblings = pool.paragraphs(category)
    if headed:
        for j, u in enumerate(rng.sample(units, n), start=1):
            assert u.heading is not None
            lines.append(f"{paren[0]}{_numeral(j)}{paren[1]}{rw.rewrite(u.heading, u.seed)}")
            lines.extend(_render_paragraphs(rng, u.paragraphs, u.seed, siblings, rw))
    else:
        chosen = rng.sample(units, min(len(units), max(1, n // 2)))
        paragraphs = [(u.seed, p) for u in chosen for p in u.paragraphs]
        lines.extend(_render_pairs(rng, paragraphs, siblings, rw))
    return lines


def _render_paragraphs(
    rng: random.Random, paragraphs: list[str], seed: int, siblings: list[tuple[int, str]], rw: Rewriter
) -> list[str]:
    return _render_pairs(rng, [(seed, p) for p in paragraphs], siblings, rw)


def _render_pairs(rng: random.Random, paragraphs: list[tuple[int, str]], siblings: list[tuple[int, str]], rw: Rewriter) -> list[str]:
    out = []
    for seed, p in paragraphs:
        pieces = _perturb_paragraph(rng, p, siblings, seed)
        out.append("".join(rw.rewrite(s, sd) for sd, s in pieces))
    return _renumber_items(out)


def _signature(rng: random.Random, place: Place, year: int) -> list[str]:
    gov = place.town + ("办事处" if place.kind == "街道" else "人民政府")
    return [gov, f"{year + 1}年{rng.randint(1, 3)}月{rng.randint(1, 28)}日"]


@dataclass(frozen=True)
class SyntheticReport:
    """One generated report and what it should be read as."""

    index: int
    place: Place
    year: int
    text: str


def generate_report(i: int, seed: int, pool: SeedPool, gazetteer: Gazetteer) -> SyntheticReport:
    """Report i: town i // 2 (so most towns have two consecutive years), its own layout and numbers."""
    t = i // 2
    place = gazetteer.town(t)
    base_year = random.Random(f"{seed}:year:{t}").randint(2019, 2024)
    year = base_year + i % 2
    rng = random.Random(f"{seed}:report:{i}")
    rw = Rewriter(rng, place, year, pool.reports)
    lines = _header(rng, place, year)
    lines.append(_intro(rng, pool, rw, place, year))
    paren = ("（", "）") if rng.random() < 0.4 else ("(", ")")
    for k, category in enumerate(_section_plan(rng), start=1):
        lines.extend(_section(rng, pool, category, rw, k, paren))
    if rng.random() < 0.7:
        lines.extend(_signature(rng, place, year))
    blank = rng.random() < 0.25
    text = ("\n\n" if blank else "\n").join(lines) + "\n"
    return SyntheticReport(i, place, year, text)


def generate(n: int, seed: int = 0, start: int = 0) -> Iterator[SyntheticReport]:
    """Reports start .. n-1, one at a time."""
    pool = load_seed_pool()
    gazetteer = Gazetteer(seed)
    for i in range(start, n):
        yield generate_report(i, seed, pool, gazetteer)


def report_path(out: Path, i: int) -> Path:
    """Where report i is written: 1000 files per folder."""
    return out / f"{i // 1000:03d}" / f"{i:06d}.txt"


def write_corpus(n: int, out: Path, seed: int = 0, progress: bool = False) -> dict[str, float]:
    """Write n reports and corpus.jsonl under `out`; returns counts and timings."""
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    size = 0
    with open(out / "corpus.jsonl", "w", encoding="utf-8") as listing:
        for r in generate(n, seed):
            path = report_path(out, r.index)
            path.parent.mkdir(exist_ok=True)
            data = r.text.encode("utf-8")
            path.write_bytes(data)
            size += len(data)
            p = r.place
            listing.write(json.dumps({
                "i": r.index, "source": path.relative_to(out).as_posix(), "town": p.town, "county": p.county,
                "city": p.city, "province": p.province, "year": r.year,
            }, ensure_ascii=False) + "\n")
            if progress and (r.index + 1) % 1000 == 0:
                print(f"  {r.index + 1}/{n} reports", file=sys.stderr)
    return {"reports": n, "bytes": size, "seconds": time.perf_counter() - t0}


def check_corpus(out: Path, limit: int | None = None) -> dict[str, float]:
    """Parse the written reports with qa and count those read with their intended town and year."""
    from qa.documents import read_document

    n = town_year = region = passages = claims = 0
    texts: set[str] = set()
    with open(out / "corpus.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            parsed = read_document(out / row["source"], row["source"])
            m = parsed.document.metadata
            n += 1
            town_year += m.town == row["town"] and m.year == row["year"]
            region += m.county == row["county"]
            passages += len(parsed.passages)
            claims += len(parsed.claims)
            texts.update(p.text for p in parsed.passages)
            if limit and n >= limit:
                break
    return {"reports": n, "town_and_year_read": town_year / n, "county_read": region / n,
            "passages_per_report": passages / n, "claims_per_report": claims / n, "unique_passages": len(texts) / passages}


def main(argv: list[str] | None = None) -> None:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, required=True, help="number of reports")
    ap.add_argument("--out", type=Path, required=True, help="output folder (created)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (same seed, same corpus)")
    ap.add_argument("--check", type=int, default=0, metavar="K", help="then parse the first K reports and report what was read")
    args = ap.parse_args(argv)
    stats = write_corpus(args.n, args.out, args.seed, progress=True)
    print(f"wrote {stats['reports']:.0f} reports, {stats['bytes'] / 1e6:.1f} MB, in {stats['seconds']:.1f} s → {args.out}")
    if args.check:
        print(json.dumps(check_corpus(args.out, args.check)))


if __name__ == "__main__":
    main()
