"""Near-duplicate detection time against the number of reports (part of `make bench`).

    python -m bench.near_duplicates [--sizes 500,2000]

Reports come from bench.generate_corpus: recombined from the five seeds, they share many sentences, a hard case
for candidate search. One report in ten is added again as a .docx copy with a title line, so there are true
duplicates to find. find_duplicates runs as `index build` runs it, with the town and year each report states.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from bench.generate_corpus import write_corpus
from qa.near_duplicates import Item, find_duplicates


def _run(items: list[Item]) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    found = find_duplicates(items)
    seconds = time.perf_counter() - t0
    copies = sum(1 for d in found if {d.dropped, d.kept} == {"r" + d.dropped[1:], "c" + d.dropped[1:]})
    return seconds, copies, len(found) - copies


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="500,2000", help="comma-separated report counts")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        write_corpus(max(sizes), Path(tmp), 0, progress=False)
        rows = [json.loads(line) for line in (Path(tmp) / "corpus.jsonl").read_text(encoding="utf-8").splitlines() if line]
        texts = [(Path(tmp) / r["source"]).read_text(encoding="utf-8") for r in rows]
    for n in sizes:
        items = []
        for i, (r, t) in enumerate(zip(rows[:n], texts[:n], strict=True)):
            items.append(Item(f"r{i}", t, "utf-8", r.get("town"), r.get("year")))
            if i % 10 == 0:
                items.append(Item(f"c{i}", "县人民政府关于法治政府建设情况的报告\n" + t, "docx", r.get("town"), r.get("year")))
        seconds, copies, other = _run(items)
        print(f"near-duplicates, {n} reports + {len(items) - n} title-line copies: {seconds:.1f} s; "
              f"{copies} copies found, {other} other pairs merged")


if __name__ == "__main__":
    main()
