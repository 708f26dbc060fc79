"""Precision and recall of the review's parts and of the indicators against hand labels (development data).

    python -m bench.review_quality [--labels tests/qa/data/review_labels.json] [--show-errors]

Parts: a part found present counts as a true positive when the label lists it.
Indicators: a figure counts as a true positive when it equals the label's number (or both say 'conflict');
a different figure is a false positive and a false negative at once.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from qa.documents import ParsedDocument, parse_text, read_document
from qa.indicators import INDICATORS, report_indicators
from qa.review import review_document
from qa.types import REPORT_PARTS

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "qa" / "data" / "review_labels.json"


def load(path: str) -> ParsedDocument:
    """A labelled report: a dev-set JSON (its text) or a seed file."""
    f = ROOT / path
    if f.suffix == ".json":
        return parse_text(json.loads(f.read_text(encoding="utf-8"))["text"], path, "utf-8")
    return read_document(f, path)


def _pr(tp: int, fp: int, fn: int) -> tuple[str, str]:
    p = f"{tp / (tp + fp):.2f}" if tp + fp else "–"
    r = f"{tp / (tp + fn):.2f}" if tp + fn else "–"
    return p, r


def parts_table(title: str, parts: dict[str, list[str]], show_errors: bool = False) -> list[str]:
    """Precision and recall of each part over the labelled reports."""
    counts = {p: [0, 0, 0] for p in REPORT_PARTS}
    for path, present in parts.items():
        r = review_document(load(path).document)
        for f in r.parts:
            want, got = f.part in present, f.present
            c = counts[f.part]
            c[0] += want and got
            c[1] += got and not want
            c[2] += want and not got
            if show_errors and want != got:
                print(f"part {f.part}: {path} labelled {want}, found {got} {f.citation.quote if f.citation else ''}")
    lines = [f"{title} ({len(parts)} reports)", "", "| part | labelled present | precision | recall | TP/FP/FN |",
             "|---|---|---|---|---|"]
    for part, (tp, fp, fn) in counts.items():
        p, r = _pr(tp, fp, fn)
        lines.append(f"| {part} | {tp + fn} | {p} | {r} | {tp}/{fp}/{fn} |")
    return lines


def measure(labels: dict[str, Any], show_errors: bool = False) -> list[str]:
    """The markdown tables (parts of dev1 + seeds, parts of dev2, indicators of dev1) with the counts."""
    lines = parts_table("parts, dev1 + seeds", labels["parts"], show_errors)
    if "parts_dev2" in labels:
        lines += [""] + parts_table("parts, dev2 (labelled after the mechanism was final)", labels["parts_dev2"],
                                    show_errors)
    icounts = {i.key: [0, 0, 0] for i in INDICATORS}
    for path, wanted in labels["indicators"].items():
        pd = load(path)
        found = report_indicators(pd.document, list(pd.claims))
        for ind in INDICATORS:
            want = wanted.get(ind.key)
            v = found.get(ind.key)
            got = None if v is None else ("conflict" if v.value is None else v.value)
            c = icounts[ind.key]
            ok = want is not None and got is not None and (want == got)
            c[0] += ok
            c[1] += got is not None and not ok
            c[2] += want is not None and not ok
            if show_errors and want != got:
                print(f"indicator {ind.key}: {path} labelled {want}, found {got}")
    tp, fp, fn = (sum(c[i] for c in icounts.values()) for i in range(3))
    lines += ["", f"indicators ({len(labels['indicators'])} reports)", "",
              "| indicator | labelled | precision | recall | TP/FP/FN |", "|---|---|---|---|---|"]
    for ind in INDICATORS:
        t, f_, n = icounts[ind.key]
        p, r = _pr(t, f_, n)
        lines.append(f"| {ind.key} {ind.label_zh} | {t + n} | {p} | {r} | {t}/{f_}/{n} |")
    p, r = _pr(tp, fp, fn)
    lines.append(f"| **all** | {tp + fn} | {p} | {r} | {tp}/{fp}/{fn} |")
    return lines


def main() -> None:
    """Print the tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labels", type=Path, default=LABELS)
    ap.add_argument("--show-errors", action="store_true", help="List each disagreement with the labels.")
    args = ap.parse_args()
    labels = json.loads(args.labels.read_text(encoding="utf-8"))
    print("\n".join(measure(labels, args.show_errors)))


if __name__ == "__main__":
    main()
