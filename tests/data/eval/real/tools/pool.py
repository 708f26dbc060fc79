"""Pool the scorer's per-question rows (score.py --json) of several sets into one line of figures.

    python tests/data/eval/real/tools/pool.py /tmp/reportqa-eval-dev*.json

Prints fact, agg_f1, compare, absent over all questions, and the same for English questions alone
(the language is looked up in each set's questions.jsonl).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REAL = Path(__file__).resolve().parents[1]


def main() -> int:
    langs: dict[str, str] = {}
    for q in [*REAL.glob("*/questions.jsonl"), *REAL.glob("*/paraphrases.jsonl")]:
        for line in q.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                langs[d["id"]] = d.get("lang", "zh")
    rows = [r for f in sys.argv[1:] for r in json.loads(Path(f).read_text(encoding="utf-8"))["rows"]]

    def figures(rs: list[dict]) -> dict[str, float]:
        out = {}
        for t, key in (("fact", "fact"), ("aggregate", "agg_f1"), ("compare", "compare"), ("absent", "absent")):
            v = [float(r["ok"]) for r in rs if r["type"] == t]
            if v:
                out[key] = round(sum(v) / len(v), 3)
        out["n"] = len(rs)
        return out

    print("pooled:", json.dumps(figures(rows)), "| English:", json.dumps(figures([r for r in rows if langs.get(r["id"]) == "en"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
