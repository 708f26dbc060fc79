"""Check a question set against its reports: exact quotes, known files and towns, complete aggregate sets.

    python tests/data/eval/real/tools/check_questions.py tests/data/eval/real/dev1   # exit 1 on any problem

Format: the scorer's (../shared/eval/README.md), one JSON object per line in SET/questions.jsonl, plus for every
aggregate question a "completeness" object:
    {"patterns": ["宪法宣传周", "宪法日"],          # regexes a report must match to be a candidate
     "rejected": {"某某镇": "only plans it for next year"}}  # candidate towns that do NOT qualify, with why
Every report in the set whose text matches any pattern must have its town in answer_towns, optional_towns or
rejected, so an aggregate set cannot silently miss a town.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

TYPES = {"fact", "aggregate", "compare", "absent"}


def core(t: str) -> str:
    t = (t or "").strip()
    for suf in ("街道", "街", "镇", "乡"):
        if t.endswith(suf) and len(t) > len(suf) + 1:
            return t[: -len(suf)]
    return t


def check(folder: Path) -> list[str]:
    texts, towns = {}, {}
    for f in sorted(folder.glob("*.json")):
        d = json.loads(f.read_text(encoding="utf-8"))
        texts[f.stem + ".txt"] = d["text"]
        towns[f.stem + ".txt"] = d["town"]
    all_towns = {core(t) for t in towns.values()}
    qfile = folder / "questions.jsonl"
    if not qfile.exists():
        return [f"{qfile}: missing"]
    problems, ids = [], set()
    rows = [json.loads(line) for line in qfile.read_text(encoding="utf-8").splitlines() if line.strip()]
    for q in rows:
        qid = q.get("id", "?")
        where = f"{folder.name}/{qid}"
        for k in ("id", "question", "lang", "type", "answer_towns", "evidence", "answer"):
            if k not in q:
                problems.append(f"{where}: missing field {k}")
        if qid in ids:
            problems.append(f"{where}: duplicate id")
        ids.add(qid)
        if q.get("type") not in TYPES:
            problems.append(f"{where}: type must be one of {sorted(TYPES)}")
        if q.get("lang") not in ("zh", "en"):
            problems.append(f"{where}: lang must be zh or en")
        if q.get("followup_of") and q["followup_of"] not in ids:
            problems.append(f"{where}: followup_of {q['followup_of']} is not an earlier id")
        for t in q.get("answer_towns", []) + q.get("optional_towns", []):
            if core(t) not in all_towns:
                problems.append(f"{where}: town {t} has no report in this set")
        for ev in q.get("evidence", []):
            text = texts.get(ev.get("file", ""))
            if text is None:
                problems.append(f"{where}: evidence file {ev.get('file')} is not in this set")
            elif ev.get("quote", "") not in text:
                problems.append(f"{where}: quote is not verbatim in {ev['file']}: {ev.get('quote', '')[:40]}")
            elif core(ev.get("town", "")) != core(towns[ev["file"]]):
                problems.append(f"{where}: evidence town {ev.get('town')} is not the town of {ev['file']}")
        if q.get("type") in ("fact", "aggregate", "compare") and not q.get("evidence"):
            problems.append(f"{where}: a {q.get('type')} question needs evidence")
        if q.get("type") == "absent" and q.get("answer_towns") and q.get("evidence"):
            problems.append(f"{where}: an absent question has no evidence")
        if q.get("type") == "aggregate":
            comp = q.get("completeness") or {}
            pats = comp.get("patterns") or []
            if not pats:
                problems.append(f"{where}: aggregate without completeness.patterns")
            decided = {core(t) for t in q.get("answer_towns", []) + q.get("optional_towns", [])}
            decided |= {core(t) for t in (comp.get("rejected") or {})}
            for fname, text in texts.items():
                if any(re.search(p, text) for p in pats) and core(towns[fname]) not in decided:
                    problems.append(f"{where}: {towns[fname]} ({fname}) matches the patterns but is neither an answer, optional nor rejected")
            gold = {core(t) for t in q.get("answer_towns", [])}
            for t in gold:
                if not any(core(ev.get("town", "")) == t for ev in q.get("evidence", [])):
                    problems.append(f"{where}: answer town {t} has no evidence quote")
    types = {t: sum(q.get("type") == t for q in rows) for t in sorted(TYPES)}
    en = sum(q.get("lang") == "en" for q in rows)
    fu = sum(bool(q.get("followup_of")) for q in rows)
    print(f"{folder.name}: {len(rows)} questions {types}, {en} English, {fu} follow-ups, {len(problems)} problems")
    return problems


def main() -> int:
    problems = []
    for arg in sys.argv[1:]:
        problems += check(Path(arg))
    for p in problems:
        print("  ", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
