"""Question parsing time against the number of towns a corpus holds (5, 1k, 10k, 38k listed towns).

    python -m bench.parse_scale

Town names come from the official division list, so aliases, pinyin and same-name towns are real. Matching the
towns a question names goes through one Aho-Corasick automaton (qa.plan.TownMatcher), so the per-question cost
should stay flat while the number of towns grows ×7,000.
"""

from __future__ import annotations

import statistics
import time

from qa.lexical import Tokenizer
from qa.places import TOWN, gazetteer
from qa.plan import parse_question, town_matcher

QUESTIONS = [
    "哪些镇的行政执法合规率达到100%?",
    "和谦镇2025年办理了多少件行政处罚案件?",
    "各镇分别发放了多少份普法资料?",
    "Which towns in Zhejiang report 100% enforcement compliance?",
    "How many disputes did Liushi town mediate?",
]


def main() -> None:
    names = sorted({p.name for p in gazetteer().places.values() if p.level == TOWN})
    for n in (5, 1_000, 10_000, len(names)):
        towns = names[:: max(1, len(names) // n)][:n]
        from pypinyin import lazy_pinyin

        t0 = time.perf_counter()
        pinyin = {t: "".join(lazy_pinyin(t[:-1])).lower() for t in towns}
        tok = Tokenizer(extra_words=towns)
        tok.tokens("预热")
        town_matcher(towns, pinyin)
        setup = time.perf_counter() - t0
        lat = []
        for _ in range(5):
            for q in QUESTIONS:
                t = time.perf_counter()
                parse_question(q, towns, pinyin, tok)
                lat.append((time.perf_counter() - t) * 1000)
        print(f"question parsing with {len(towns):>6} towns: p50 {statistics.median(lat):.2f} ms, "
              f"max {max(lat):.2f} ms (setup once per index: {setup:.1f} s)")


if __name__ == "__main__":
    main()
