"""Split the collected real reports (pool/g*/) into development and held-back sets.

    python tests/data/eval/real/tools/split.py g1 g2 g3 --first 1   # pool/g1..g3 → dev1.., held1..
    python tests/data/eval/real/tools/split.py g4 g5 g6 --first 3   # a later batch → new sets from dev3/held3
    python tests/data/eval/real/tools/split.py g7 g8 --first 3 --all-held --set-size 20   # a fresh held-back batch

Sets, once questions are written for them, are frozen: a later batch goes to new sets and never moves a report.

Each report is checked first: not a town of ../shared/eval/exclude.tsv, has text, town and year, and is not a second
copy of the same town and year. A town's reports (all years) go to one side, chosen by a hash of province+county+town:
30 % held back. Each side is cut into sets of at most SET_SIZE reports (a scorer run builds one index per set, and a
question's aggregate is over its own set).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
EXCLUDE = HERE.parents[4] / "shared" / "eval" / "exclude.tsv"
SET_SIZE = 50
HELD_SHARE = 3  # of 10


def excluded_towns() -> set[str]:
    out = set()
    for line in EXCLUDE.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and not line.startswith("#") and parts[2] != "town":
            out.add(parts[2])
    return out


def core(town: str) -> str:
    for suf in ("街道", "街", "镇", "乡"):
        if town.endswith(suf) and len(town) > len(suf) + 1:
            return town[: -len(suf)]
    return town


def main() -> int:
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("groups", nargs="+")
    ap.add_argument("--first", type=int, default=1)
    ap.add_argument("--all-held", action="store_true", help="a batch collected as a fresh held-back set: no dev side")
    ap.add_argument("--set-size", type=int, default=SET_SIZE)
    a = ap.parse_args()
    excl = {core(t) for t in excluded_towns()}
    reports, problems, seen = [], [], {}
    for d in sorted(HERE.glob("dev*")) + sorted(HERE.glob("held*")):
        for j in d.glob("*.json"):
            dd = json.loads(j.read_text(encoding="utf-8"))
            seen[(dd.get("province"), core(dd["town"]), int(dd["year"]))] = j.name
    files = [f for g in a.groups for f in sorted(HERE.glob(f"pool/{g}/*.json"))]
    for f in files:
        d = json.loads(f.read_text(encoding="utf-8"))
        name = f"{f.parent.name}_{f.name}"
        if core(d.get("town", "")) in excl:
            problems.append(f"{name}: {d.get('town')} is reserved for independent evaluation (exclude.tsv); dropped")
            continue
        if len(d.get("text", "")) < 300 or not d.get("town") or not d.get("year"):
            problems.append(f"{name}: missing text, town or year; dropped")
            continue
        key = (d.get("province"), core(d["town"]), int(d["year"]))
        if key in seen:
            problems.append(f"{name}: same town and year as {seen[key]}; dropped")
            continue
        seen[key] = name
        reports.append((name, f, d))
    sides: dict[str, list] = {"dev": [], "held": []}
    for name, f, d in reports:
        h = int(hashlib.sha1(f"{d.get('province')}|{d.get('county')}|{core(d['town'])}".encode()).hexdigest(), 16)
        sides["held" if a.all_held or h % 10 < HELD_SHARE else "dev"].append((name, f, d))
    for side, items in sides.items():
        if not items:
            continue
        n_sets = max(1, -(-len(items) // a.set_size))
        # Interleave by province so each set mixes provinces.
        items.sort(key=lambda x: (x[2].get("province", ""), x[0]))
        for i, (name, f, _d) in enumerate(items):
            dst = HERE / f"{side}{i % n_sets + a.first}"
            dst.mkdir(exist_ok=True)
            shutil.copy(f, dst / name)
        print(f"{side}: {len(items)} reports in {n_sets} set(s)")
    for p in problems:
        print("  ", p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
