"""The hand labels cover the development set, and the figures in BENCHMARKS.md are what the script prints."""

from __future__ import annotations

import json

from bench.review_quality import LABELS, ROOT, measure

DEV1 = ROOT / "tests" / "data" / "eval" / "real" / "dev1"


def test_labels_cover_dev1_and_the_seeds() -> None:
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    dev1 = {f"tests/data/eval/real/dev1/{f.name}" for f in DEV1.glob("*.json")}
    assert set(labels["indicators"]) == dev1
    assert set(labels["parts"]) == dev1 | {f"seeds/{f.name}" for f in (ROOT / "seeds").glob("*.txt")}
    assert not any("held" in k for k in labels["parts"])
    assert set(labels["parts_dev2"]) == {f"tests/data/eval/real/dev2/{f.name}" for f in (DEV1.parent / "dev2").glob("*.json")}


def test_the_benchmarked_figures() -> None:
    lines = measure(json.loads(LABELS.read_text(encoding="utf-8")))
    assert "| measures | 52 | 1.00 | 1.00 | 52/0/0 |" in lines
    assert "| shortcomings | 5 | 1.00 | 1.00 | 5/0/0 |" in lines
    assert "| leader_duty | 24 | 0.96 | 1.00 | 24/1/0 |" in lines
    assert "| plan | 5 | 1.00 | 1.00 | 5/0/0 |" in lines
    assert "| **all** | 41 | 0.67 | 0.80 | 33/16/8 |" in lines
    dev2 = lines[lines.index("parts, dev2 (labelled after the mechanism was final) (47 reports)"):]
    assert "| measures | 47 | 1.00 | 0.98 | 46/0/1 |" in dev2
    assert "| leader_duty | 28 | 1.00 | 1.00 | 28/0/0 |" in dev2
