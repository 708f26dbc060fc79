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
_TOWN_RE = re.compile(rf"[{_CJK}]{{1,8}}?(?:[{_CJK}]族)?(?:民族乡|街道|镇|乡)")
_REGION_CUT = re.compile(r".*(?:省|自治区|市|区|县|州|旗|盟)")
_ANCHOR_AFTER = re.compile(r"^(?:人民政府|党委|政府|办事处|党工委|人大|纪委|法治|20\d\d)")
_PROVINCES = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建",
    "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海",
    "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门",
)
_MUNICIPALITIES = ("北京", "天津", "上海", "重庆")
_YEAR_RE = re.compile(r"(?<![\d\-—–~～至])((?:19|20)\d\d)\s*年(度)?(?!\s*[\d\-—–~～至])")
_DATE_RE = re.compile(r"((?:19|20)\d\d)\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})\s*日?")
_NOT_COUNTY = re.compile(r"(?:全县|本县|我县|该县|各县|辖区|社区|园区|景区|城区|片区|街区|小区|山区|库区|矿区|牧区|林区|"
                         r"老区|灾区|新区|全区|本区|我区|各区|该区|区县|县区|市县|县市|市区|省市|全市|本市|我市|各市|城市|"
                         r"都市|超市|集市|夜市|上市|全省|本省|我省|各省|外省|节省|反省|门市|股市|全州|各州|"
                         r"依法治县|依法治区|依法治市|依法治省|治县|治区|治市|治省|强县|强区|强市|强省)$")


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
    m = re.match(rf"^([{_CJK}]{{2,}}?)(?:[{_CJK}]族|民族)$", core)
    if m and name.endswith("乡"):
        out += [m.group(1) + "乡", m.group(1)]
    return tuple(dict.fromkeys(a for a in out if len(a) >= 2))


def qualified_aliases(name: str) -> tuple[str, ...]:
    """The aliases of a labelled town that name its county (empty for a plain name)."""
    base, county = split_label(name)
    return tuple(a for a in town_aliases(name) if county and a != base and base in a and a != town_core(base))


def find_town_mentions(text: str) -> list[tuple[str, int, int]]:
    """Candidate township names in text with their spans: every 2-5 character core before 镇/乡/街道.

    Each suffix yields several candidates (谦镇, 和谦镇, 党和谦镇); `best_town_name` picks among them by
    how often each recurs with the same boundary.
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


def best_town_name(mentions: list[tuple[str, int, int]], text: str, title: str | None) -> str | None:
    """The document's own town among candidate mentions, or None when nothing recurs."""
    counts: Counter[str] = Counter(n for n, _, _ in mentions)
    scores: Counter[str] = Counter()
    for name, s, e in mentions:
        if _ANCHOR_AFTER.match(text[e : e + 4]):
            scores[name] += 2
        if s < 300:
            scores[name] += 2
    for name, c in counts.items():
        scores[name] += c
        if title and name in title:
            scores[name] += 5
        elif SOFT_NOT_TOWN.search(name) and not any(
            n == name and _ANCHOR_AFTER.match(text[e : e + 4]) for n, _, e in mentions
        ):
            scores[name] = 0
    # Prefer the longest candidate that recurs nearly as often as its own suffix (龙凤场镇 over 凤场镇).
    for name in sorted(counts, key=len):
        for other in counts:
            if (
                other != name
                and other.endswith(name)
                and other[0] not in _FUNCTION_CHARS
                and counts[other] >= 0.6 * counts[name]
            ):
                scores[name] = 0
    scores = Counter({n: v for n, v in scores.items() if v > 0 and counts[n] >= 1})
    if not scores:
        return None
    name, score = scores.most_common(1)[0]
    return name if score >= 3 else None


def _best_town(text: str, title: str | None) -> tuple[str, Span] | None:
    mentions = find_town_mentions(text)
    name = best_town_name(mentions, text, title)
    if name is None:
        return None
    s = text.find(name)
    return name, Span(s, s + len(name))


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
        m = re.match(r"\s*((?:19|20)\d\d)\s*年(?:度|以来)?[,，]", lead)
        if m:
            return int(m.group(1)), Span(sent.start, sent.end)
    counts: Counter[int] = Counter()
    first: dict[int, Span] = {}
    for m in _YEAR_RE.finditer(text):
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


def _regions(text: str, town: str | None) -> tuple[str | None, str | None, str | None, Span | None]:
    county = city = province = None
    span: Span | None = None
    if town:
        # The strongest signal: an address written out before the town, e.g. 重庆市大足区古龙镇.
        m = re.search(rf"([{_CJK}]{{2,12}}?)" + re.escape(town), text)
        for m in re.finditer(rf"((?:[{_CJK}]{{2,7}}?(?:省|自治区))?(?:[{_CJK}]{{2,7}}?(?:市|州|盟))?"
                             rf"(?:[{_CJK}]{{1,7}}?(?:县|区|旗|市)))" + re.escape(town), text):
            addr = m.group(1)
            pm = re.match(rf"([{_CJK}]{{2,7}}?(?:省|自治区))", addr)
            if pm:
                province = pm.group(1)
                addr = addr[pm.end() :]
            cm = re.match(rf"([{_CJK}]{{2,7}}?(?:市|州|盟))(?=[{_CJK}])", addr)
            if cm and len(addr) > cm.end():
                city = cm.group(1)
                addr = addr[cm.end() :]
            if addr and not _NOT_COUNTY.search(addr):
                county = addr
                span = Span(m.start(), m.end())
                break
    if county is None:
        counts: Counter[str] = Counter()
        for m in re.finditer(rf"[{_CJK}]{{2,4}}(?:县|区)", text):
            name = m.group(0)
            for k in range(len(name) - 3, -1, -1):
                cand = name[k:]
                if not _NOT_COUNTY.search(cand) and _context_is_name(text, m.start() + k, m.end()):
                    counts[cand] += 1
                    break
        if counts:
            county, _ = counts.most_common(1)[0]
            i = text.find(county)
            span = Span(i, i + len(county))
    if city is None and county:
        m = re.search(rf"([{_CJK}]{{2,4}}(?:市|州))" + re.escape(county), text)
        if m and not _NOT_COUNTY.search(m.group(1)):
            city = m.group(1)
            if city[:-1] in _MUNICIPALITIES:
                province, city = city, None
    if province is None:
        if city and city[:-1] in _MUNICIPALITIES:
            province, city = city, None
        else:
            hits = Counter(p for p in _PROVINCES for _ in re.finditer(p, text))
            if hits:
                p, _ = hits.most_common(1)[0]
                province = province_full_name(p)
    return county, city, province, span


_FULL_NAMES = {
    "内蒙古": "内蒙古自治区", "广西": "广西壮族自治区", "西藏": "西藏自治区", "宁夏": "宁夏回族自治区",
    "新疆": "新疆维吾尔自治区", "香港": "香港特别行政区", "澳门": "澳门特别行政区",
}


def province_full_name(short: str) -> str:
    """'四川' → '四川省', '重庆' → '重庆市', '广西' → '广西壮族自治区'."""
    if short in _MUNICIPALITIES:
        return short + "市"
    return _FULL_NAMES.get(short, short + "省")


def _context_is_name(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 1) : start]
    after = text[end : end + 4]
    return before in ("《", "\n", "市") or bool(re.match(r"(?:人民政府|人民法院|人民检察院)", after))


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
