"""Labelled reports for fitting and measuring: the seeds, tests/data/eval/A and B, and the real corpus.

Each item is (name, text, labels) with labels {town, county, city, province, year}; a label may be "" when unknown.
The real corpus is split into `dev` (fit and debug) and `held` (scored once at the end of a session).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "data" / "eval" / "real"
SHARED = ROOT.parent / "shared"


def _towns_from_questions(path: Path) -> dict[str, str]:
    """file → town, from the evidence of a question set."""
    out: dict[str, str] = {}
    if not path.exists():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            for ev in json.loads(line).get("evidence", []):
                out.setdefault(Path(ev["file"]).stem, ev["town"])
    return out


def dev_sets() -> Iterator[tuple[str, str, dict[str, str]]]:
    """The seeds and sets A and B: town labels only (from their questions' evidence)."""
    seeds = ROOT / "seeds"
    towns = _towns_from_questions(SHARED / "eval" / "seed_questions.jsonl")
    for f in sorted(seeds.glob("*.txt")):
        if f.stem in towns:
            yield f"seeds/{f.name}", f.read_text(encoding="utf-8"), {"town": towns[f.stem]}
    for name in ("A", "B"):
        d = ROOT / "tests" / "data" / "eval" / name
        towns = _towns_from_questions(d / "questions.jsonl")
        for f in sorted(d.glob("*.json")):
            if f.stem in towns:
                yield f"{name}/{f.name}", json.loads(f.read_text(encoding="utf-8"))["text"], {"town": towns[f.stem]}


def real(split: str) -> Iterator[tuple[str, str, dict[str, str]]]:
    """The real corpus's `dev` or `held` reports with their town, county, city, province and year."""
    for f in sorted(REAL.glob(f"{split}[0-9]*/*.json")):
        d = json.loads(f.read_text(encoding="utf-8"))
        labels = {k: str(d.get(k) or "") for k in ("town", "county", "city", "province", "year")}
        labels["county_in_text"] = "1" if d.get("county_in_text") else ""
        yield f"real/{f.parent.name}/{f.name}", d["text"], labels
