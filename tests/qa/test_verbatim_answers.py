"""Every quoted piece in an answer's text is verbatim: each “…”[n] piece, split at …, is a substring of citation n.

Runs every question of the dev sets (seeds, A, B) and of the real development corpus through the engine.
"""

from __future__ import annotations

import re

import pytest

from qa.training.relevance import engine_for, question_sets
from qa.types import Turn

pytestmark = pytest.mark.integration


def quoted_pieces(answer: str) -> list[tuple[str, int]]:
    """(quoted text, citation number) for each “…”[n] in the answer, the outermost opening quote taken."""
    out = []
    prev_end = 0
    for m in re.finditer(r"”\[(\d+)\]", answer):
        seg = answer[prev_end : m.start()]
        opens = [i for i, ch in enumerate(seg) if ch == "“"]
        if opens:
            out.append((seg[opens[0] + 1 :], int(m.group(1))))
        prev_end = m.end()
    return out


def altered(answer: str, quotes: dict[int, str]) -> list[str]:
    bad = []
    for text, n in quoted_pieces(answer):
        cited = quotes.get(n, "")
        if not all(piece in cited for piece in text.split("…") if piece):
            bad.append(f"[{n}] {text!r} not in {cited!r}")
    return bad


def test_the_checker_finds_an_altered_quote() -> None:
    assert altered("“依法查处违法行为14起有效维护”[1]", {1: "依法查处违法行为14起,有效维护辖区秩序。"})
    assert not altered("“依法查处…有效维护”[1]", {1: "依法查处违法行为14起,有效维护辖区秩序。"})
    assert not altered("“开展“法治副校长”送法入校”[2]", {2: "一年来开展“法治副校长”送法入校活动3次"})


def test_every_quoted_piece_is_verbatim_on_every_development_question() -> None:
    problems: list[str] = []
    for name, texts, qs in question_sets("dev"):
        engine = engine_for(name, texts)
        answers = {}
        by_id = {q["id"]: q for q in qs}
        for q in qs:
            conv = []
            if q.get("followup_of") in answers:
                conv = [Turn(by_id[q["followup_of"]]["question"], answers[q["followup_of"]])]
            a = engine.ask(q["question"], conv)
            answers[q["id"]] = a
            quotes = {c.n: c.quote for c in a.citations}
            problems += [f"{name} {q['id']}: {p}" for p in altered(a.answer, quotes)]
    assert not problems, "\n".join(problems[:20])


def test_the_fitted_model_reproduces_its_recorded_held_back_figures() -> None:
    """qa/data/relevance_heldback.json records the held-back precision/recall measured once when the model was
    fitted; the shipped model must still give them (within the recorded tolerance)."""
    import json
    from importlib import resources

    from qa.relevance import relevance_model
    from qa.training.relevance import decision_scores, pairs

    rec = json.loads(resources.files("qa").joinpath("data/relevance_heldback.json").read_text(encoding="utf-8"))
    m = relevance_model()
    # The sets the figures were recorded on (e.g. "tests/data/eval/real/dev8, dev9"); a held-back set opened for
    # development later is renamed dev<N>, and the record follows it until the next held-back measurement.
    recorded = tuple(x.strip().rsplit("/", 1)[-1] for x in rec["sets"].split(","))
    split = "held" if all(r.startswith("held") for r in recorded) else "dev"
    _, _, decisions = pairs(split, recorded)
    scores = decision_scores(list(m.weights), decisions)
    for kind, threshold in (("fact", m.passage_threshold), ("aggregate", m.aggregate_threshold)):
        sc = scores[kind]
        kept = [lab for p, lab in sc if p >= threshold]
        pos = sum(lab for _, lab in sc)
        precision = sum(kept) / len(kept)
        recall = sum(kept) / pos
        want = rec[kind]
        assert abs(precision - want["precision"]) <= rec["tolerance"], (kind, precision, want)
        assert abs(recall - want["recall"]) <= rec["tolerance"], (kind, recall, want)
