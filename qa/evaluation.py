"""`reportqa eval`: the dev-set metrics, computed in-process on the engine's answers."""

from __future__ import annotations

import json
import statistics
import time
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from qa.types import Answer, Turn


def town_core(name: str) -> str:
    """The scorer's town key (../shared/eval/score.py): 人民政府/办事处 dropped, then one of 街道/街/镇/乡/鄉 when
    more than one character is left. It differs from qa.metadata.town_core, which keeps a 街 (黄石街 ≠ 黄石)."""
    t = (name or "").strip()
    for suf in ("人民政府", "办事处"):
        if t.endswith(suf):
            t = t[: -len(suf)]
    for suf in ("街道", "街", "镇", "乡", "鄉"):
        if t.endswith(suf) and len(t) > len(suf) + 1:
            return t[: -len(suf)]
    return t


def overlaps(gold: str, cited: str) -> bool:
    """A cited quote overlaps a gold quote: containment, or a shared run of 12+ characters."""
    if not gold or not cited:
        return False
    if gold in cited or (len(cited) >= 8 and cited in gold):
        return True
    m = SequenceMatcher(None, gold, cited, autojunk=False).find_longest_match(0, len(gold), 0, len(cited))
    return m.size >= min(len(gold), 12)


def evaluate(engine: Any, questions: list[dict[str, Any]]) -> dict[str, Any]:
    """Score answers: fact, agg_f1, agg_evidence, compare, absent, cites_valid, latency."""
    by_id = {q["id"]: q for q in questions}
    answers: dict[str, Answer] = {}
    lat: list[float] = []

    def ask(q: dict[str, Any]) -> Answer:
        if q["id"] in answers:
            return answers[q["id"]]
        # The whole conversation, as the scorer's conversation_id gives the server every earlier turn.
        conv: list[Turn] = []
        prev_id = q.get("followup_of")
        while prev_id:
            prev = by_id[prev_id]
            conv.insert(0, Turn(prev["question"], ask(prev)))
            prev_id = prev.get("followup_of")
        t = time.perf_counter()
        a = engine.ask(q["question"], conv)
        lat.append(time.perf_counter() - t)
        answers[q["id"]] = a
        return a

    scores: dict[str, list[float]] = {k: [] for k in ("fact", "agg_f1", "agg_evidence", "compare", "absent")}
    cites = ok_cites = 0
    rows = []
    for q in questions:
        a = ask(q)
        for c in a.citations:
            cites += 1
            ok_cites += engine.index.documents[c.doc_id].text[c.start : c.end] == c.quote
        got = [town_core(t) for t in a.towns]
        gold = [town_core(t) for t in q.get("answer_towns", [])]
        opt = {town_core(t) for t in q.get("optional_towns", [])}
        ev = [e["quote"] for e in q.get("evidence", [])]
        cq = [c.quote for c in a.citations]
        kind = q["type"]
        ok: float
        if kind == "absent":
            ok = float(a.kind == "not_found")
            scores["absent"].append(ok)
        elif kind == "fact":
            ok = float(a.kind != "not_found" and any(overlaps(g, c) for g in ev for c in cq[:3]))
            scores["fact"].append(ok)
        elif kind == "aggregate":
            g_set, p_set = set(gold), set(got) - opt
            tp = len(g_set & p_set)
            prec = tp / len(p_set) if p_set else 0.0
            rec = tp / len(g_set) if g_set else 0.0
            ok = 2 * prec * rec / (prec + rec) if tp else 0.0
            scores["agg_f1"].append(ok)
            scores["agg_evidence"].append(sum(any(overlaps(g, c) for c in cq) for g in ev) / len(ev) if ev else 1.0)
        else:
            ok = float(bool(got) and got[0] in gold)
            scores["compare"].append(ok)
        rows.append({"id": q["id"], "type": kind, "ok": ok, "kind": a.kind, "towns": list(a.towns), "answer": a.answer[:200]})
    summary: dict[str, Any] = {k: round(sum(v) / len(v), 3) for k, v in scores.items() if v}
    summary["cites_valid"] = round(ok_cites / cites, 3) if cites else 0.0
    summary["cites"] = cites
    summary["p50_ms"] = round(1000 * statistics.median(lat), 1) if lat else None
    summary["n"] = len(questions)
    summary["rows"] = rows
    return summary


def evaluate_file(engine: Any, path: Path) -> dict[str, Any]:
    """Read a JSONL question file and evaluate."""
    questions = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = evaluate(engine, questions)
    out.pop("rows")
    return out
