"""Fit the near-duplicate parameters (qa/data/near_duplicates.json) and measure them.

    python -m qa.training.duplicates            # fit on seeds + A + B + real dev, measure on real held too
    python -m qa.training.duplicates --measure  # only measure the shipped parameters

Positive pairs are a report and the same report as it arrives in another form, each made here with the real
extractors: a .docx with a title line added (python-docx, read back by qa.formats.word), a portal page with
navigation, 无障碍|简体|繁体, 来源/发布时间 lines and a footer (read back by qa.formats.web_page), and the text in
traditional script with half-width punctuation. Negative pairs are every two different reports of the corpus,
among them the same town's reports of different years, the hardest case. Two corpus files of the same town
and year are the same report (the real corpus holds opening excerpts of seeds 003
and 004): they are counted as found positives, never as negatives.

For each shingle size the containment threshold is the midpoint of the gap between the highest negative and the
lowest positive; the size with the widest gap is kept. The LSH Ensemble's (estimated) containment threshold is
the same value: positives lie 0.3 above it, far beyond MinHash's estimation error, and the exact containment
decides. The recall columns run find_duplicates itself over the corpus with every made copy added.
"""

from __future__ import annotations

import argparse
import html
import itertools
import json
import tempfile
from pathlib import Path

from qa.near_duplicates import DuplicateParams, Item, containment, find_duplicates, shingles
from qa.training.labelled import dev_sets, real

OUT = Path(__file__).resolve().parents[1] / "data" / "near_duplicates.json"
SHINGLES = (3, 4, 5, 6, 8)


def portal_page(title: str, text: str, date: str = "2024-03-01 09:30") -> str:
    """A report as a county portal serves it: navigation, accessibility bar, source/date line, footer."""
    paras = "\n".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}_县人民政府网</title></head>
<body><div class="top">无障碍 | 简体 | 繁体 | 登录 | 注册</div>
<div class="nav"><a href="/">首页</a> <a href="/zwgk">政务公开</a> <a href="/zmhd">政民互动</a> <a href="/bsfw">办事服务</a></div>
<div class="position">当前位置：首页 &gt; 政务公开 &gt; 法治政府建设</div>
<div class="article"><h1>{html.escape(title)}</h1>
<div class="info">来源：县司法局 发布时间：{date} 浏览次数：128</div>
<div class="TRS_Editor">{paras}</div>
<div class="share">分享到：微信 微博</div></div>
<div class="footer">主办单位：县人民政府办公室 版权所有 网站标识码5101230001 蜀ICP备05003290号</div></body></html>"""


def _via_html(title: str, text: str, work: Path) -> str:
    from qa.formats import extract

    f = work / "page.html"
    f.write_text(portal_page(title, text), encoding="utf-8")
    return extract(f).text


def _via_docx(title: str, text: str, work: Path) -> str:
    import docx

    from qa.formats import extract

    d = docx.Document()
    d.add_heading(title, level=1)
    for p in text.split("\n"):
        if p.strip():
            d.add_paragraph(p)
    f = work / "report.docx"
    d.save(str(f))
    return extract(f).text


def _traditional(text: str) -> str:
    import opencc

    half = str.maketrans("，。：；（）！？", ",.:;()!?")
    return str(opencc.OpenCC("s2t").convert(text)).translate(half)


def _title(labels: dict[str, str]) -> str:
    return f"{labels.get('town') or ''}关于{labels.get('year') or ''}年度法治政府建设情况的报告"


def corpus(split: str) -> list[tuple[str, str, dict[str, str]]]:
    """The reports of a split: 'dev' = seeds, A, B and real dev; 'held' = real held. A missing year label
    (seeds, A, B carry towns only) is the year the report's text states."""
    from qa.metadata import extract_metadata
    from qa.structure import parse_structure

    items = list(real("held")) if split == "held" else list(dev_sets()) + list(real("dev"))
    out = []
    for name, text, labels in items:
        if not labels.get("year"):
            year = extract_metadata(text, parse_structure(text)).year
            labels = {**labels, "year": str(year or "")}
        out.append((name, text, labels))
    return out


def same_report(a: dict[str, str], b: dict[str, str]) -> bool:
    """Two labelled files of one town and one year: the same report."""
    return bool(a.get("town") and a.get("year")) and (a["town"], a["year"]) == (b.get("town"), b.get("year"))


def pairs(items: list[tuple[str, str, dict[str, str]]]) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, bool]]]:
    """(name, original, copy) positives and (text, text, same town) negatives; corpus pairs of one report
    are positives too."""
    pos = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, text, labels in items:
            title = _title(labels)
            pos.append((name + " | docx+title", text, _via_docx(title, text, work)))
            pos.append((name + " | portal html", text, _via_html(title, text, work)))
            pos.append((name + " | traditional", text, _traditional(text)))
    neg = []
    for a, b in itertools.combinations(items, 2):
        if same_report(a[2], b[2]):
            pos.append((f"{a[0]} = {b[0]}", a[1], b[1]))
        elif a[1] != b[1]:
            neg.append((a[1], b[1], bool(a[2].get("town")) and a[2].get("town") == b[2].get("town")))
    return pos, neg


def measure(k: int, pos: list[tuple[str, str, str]], neg: list[tuple[str, str, bool]]) -> dict[str, float | str]:
    """Lowest positive containment and Jaccard, highest negative containment (all, same town) for shingle k."""

    def jac(a: set[str], b: set[str]) -> float:
        return len(a & b) / len(a | b) if a | b else 0.0

    sets: dict[str, set[str]] = {}

    def sh(t: str) -> set[str]:
        if t not in sets:
            sets[t] = shingles(t, k)
        return sets[t]

    pc = [(containment(sh(a), sh(b)), n) for n, a, b in pos]
    pj = [jac(sh(a), sh(b)) for _, a, b in pos]
    nc = [(containment(sh(a), sh(b)), same) for a, b, same in neg]
    worst = min(pc)
    return {
        "min_positive": round(worst[0], 4),
        "min_positive_pair": worst[1],
        "min_positive_jaccard": round(min(pj), 4),
        "max_negative": round(max(c for c, _ in nc), 4),
        "max_negative_same_town": round(max((c for c, s in nc if s), default=0.0), 4),
    }


def recall(p: DuplicateParams, pos: list[tuple[str, str, str]], reports: list[tuple[str, str, dict[str, str]]]) -> dict[str, int]:
    """find_duplicates over the whole corpus with every made copy added: copies found beside their report, and
    pairs merged that are neither the same report nor a copy of it."""
    labels = {n: lab for n, _, lab in reports}
    made = [(n, c) for n, _, c in pos if " = " not in n]
    for name, _ in made:
        labels[name] = labels[name.split(" | ")[0]]
    items = [Item(n, t, "txt") for n, t, _ in reports] + [Item(n, c, "txt") for n, c in made]
    groups: dict[str, set[str]] = {}
    for d in find_duplicates(items, p):
        groups.setdefault(d.kept, {d.kept}).add(d.dropped)
    wrong = sum(
        1 for g in groups.values() for a, b in itertools.combinations(sorted(g), 2) if not same_report(labels[a], labels[b])
        and a.split(" | ")[0] != b.split(" | ")[0]
    )
    found = sum(1 for name, _ in made if any({name, name.split(" | ")[0]} <= g for g in groups.values()))
    return {"made_copies": len(made), "found": found, "wrong_merges": wrong}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--measure", action="store_true", help="only measure the shipped parameters")
    ap.add_argument("--held", action="store_true", help="also measure the held-back sets (once, at the end of a session)")
    args = ap.parse_args()
    dev = corpus("dev")
    pos, neg = pairs(dev)
    print(f"dev: {len(dev)} reports, {len(pos)} positive pairs, {len(neg)} negative pairs "
          f"({sum(s for *_, s in neg)} of the same town)")
    if args.measure:
        shipped = json.loads(OUT.read_text(encoding="utf-8"))
        p = DuplicateParams(**{k: shipped[k] for k in ("shingle", "containment")})
    else:
        table = {k: measure(k, pos, neg) for k in SHINGLES}
        for k, m in table.items():
            print(f"  shingle {k}: {m}")
        k = max(table, key=lambda k: float(table[k]["min_positive"]) - float(table[k]["max_negative"]))
        m = table[k]
        lo, hi = float(m["max_negative"]), float(m["min_positive"])
        if hi <= lo:
            raise SystemExit(f"no threshold separates duplicates from different reports at any shingle size: {table}")
        threshold = round((lo + hi) / 2, 3)
        p = DuplicateParams(k, threshold)
        shipped = {**p.__dict__, "dev": m}
    shipped["dev_recall"] = recall(p, pos, dev)
    if args.held:
        held = corpus("held")
        hpos, hneg = pairs(held)
        shipped["held"] = {**measure(p.shingle, hpos, hneg), **recall(p, hpos, held)}
    print(json.dumps(shipped, ensure_ascii=False, indent=1))
    if not args.measure:
        OUT.write_text(json.dumps(shipped, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
