"""Fit the relevance model (qa/data/relevance_model.json) on labelled question–passage pairs.

    python -m qa.training.relevance                 # fit on the development sets, print the curves
    python -m qa.training.relevance --measure held  # only measure the shipped model on the held-back sets

Sets: the seeds, tests/data/eval/A and B, and tests/data/eval/real/dev*/ (each with questions.jsonl). For every
question, the passages retrieval offers (hybrid top-k plus the lexical sweep, among the documents the question may
draw on) become pairs: a passage that overlaps a gold evidence quote of its own town is positive; everything else,
and every passage offered for an `absent` question, is negative. Logistic regression (scikit-learn).

Two operating thresholds are then chosen on the same development decisions:
- fact: a passage can answer when it clears `fact_threshold`, the threshold that best separates answerable from absent
  questions by their best passage (max TPR − FPR; or --answer-recall R to let R of the answerable through);
- aggregate: a town is named when its best passage clears `aggregate_threshold`, the threshold with the best town F1.

A third, small model then decides which towns an aggregate names (`town_weights`, `town_threshold`): over each town's
best passage — its probability and whether it holds the focal term — fitted on the aggregate questions' towns (named
or not), threshold at the best micro F1.

    python -m qa.training.relevance --towns         # refit only the town decision, on the shipped passage model
    python -m qa.training.relevance --towns --cv    # its leave-one-set-out estimate against the passage threshold
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from qa.evaluation import overlaps  # the scorer's quote-overlap test
from qa.evaluation import town_core as scorer_town_core
from qa.relevance import (
    ANSWER_FEATURES,
    FEATURES,
    TOWN_FEATURES,
    answer_row,
    relevance_model,
    score_hits,
    specific,
    town_row,
    unknown_share,
)
from qa.training.labelled import REAL, ROOT, SHARED

MODEL = Path(__file__).resolve().parents[1] / "data" / "relevance_model.json"
CACHE = ROOT / ".reportqa" / "train-cache"


def question_sets(kind: str, only: Sequence[str] = ()) -> Iterator[tuple[str, dict[str, str], list[dict[str, Any]]]]:
    """(name, {file name: text}, questions) of the development ('dev') or held-back ('held') sets (`only` those
    real sets, by folder name, when given)."""
    if kind == "dev" and not only:
        seed_questions = SHARED / "eval" / "seed_questions.jsonl"
        if seed_questions.exists():  # the shared dev set sits beside the checkout, not in it
            seeds = {f.name: f.read_text(encoding="utf-8") for f in sorted((ROOT / "seeds").glob("*.txt"))}
            yield "seeds", seeds, _questions(seed_questions)
        for name in ("A", "B"):
            d = ROOT / "tests" / "data" / "eval" / name
            yield name, _json_texts(d), _questions(d / "questions.jsonl")
    for d in sorted(REAL.glob(f"{kind}[0-9]*")):
        if only and d.name not in only:
            continue
        if (d / "questions.jsonl").exists():
            yield f"real/{d.name}", _json_texts(d), _questions(d / "questions.jsonl")


def _json_texts(d: Path) -> dict[str, str]:
    return {f.stem + ".txt": json.loads(f.read_text(encoding="utf-8"))["text"] for f in sorted(d.glob("*.json"))}


def _questions(p: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]


def town_core(t: str) -> str:
    """The scorer's town key (qa.evaluation.town_core) of a name, its county label dropped (东城街道（清城区）)."""
    return scorer_town_core((t or "").split("（")[0])


def engine_for(name: str, texts: dict[str, str]) -> Any:
    """A QAEngine over the set, its index cached by content."""
    from embeddings.store import FORMAT_VERSION
    from qa.corpus_index import CorpusIndex
    from qa.engine import QAEngine, embedder_from_settings
    from qa.settings import Settings

    # Keyed by the texts and the index format: an index of an older format is rebuilt, not reused.
    key = hashlib.sha256(f"v{FORMAT_VERSION}".encode() + "".join(k + v for k, v in sorted(texts.items())).encode()).hexdigest()[:16]
    idx = CACHE / f"{name.replace('/', '_')}-{key}"
    settings = Settings(index={"path": idx})
    embedder = embedder_from_settings(settings)
    if not idx.exists():
        with tempfile.TemporaryDirectory() as tmp:
            for fname, text in texts.items():
                (Path(tmp) / fname).write_text(text, encoding="utf-8")
            CorpusIndex.build([Path(tmp)], idx, embedder)
    return QAEngine.load(settings, embedder=embedder)


Pairs = tuple[list[list[float]], list[int], list[dict[str, Any]]]


def pairs(kind: str, only: Sequence[str] = ()) -> Pairs:
    """Feature rows, labels, and per-decision records (question, type, doc, town, probability-ready rows)."""
    X: list[list[float]] = []
    y: list[int] = []
    decisions: list[dict[str, Any]] = []
    for _, (sx, sy, sd) in pairs_by_set(kind, only).items():
        X += sx
        y += sy
        decisions += sd
    return X, y, decisions


def pairs_by_set(kind: str, only: Sequence[str] = ()) -> dict[str, Pairs]:
    """pairs(), kept apart per question set (for cross-validation across sets)."""
    from qa.types import Turn

    out: dict[str, Pairs] = {}
    for name, texts, qs in question_sets(kind, only):
        X: list[list[float]] = []
        y: list[int] = []
        decisions: list[dict[str, Any]] = []
        out[name] = (X, y, decisions)
        engine = engine_for(name, texts)
        answers: dict[str, Any] = {}
        by_id = {q["id"]: q for q in qs}
        for q in qs:
            conv: list[Turn] = []
            if q.get("followup_of") in answers:
                conv = [Turn(by_id[q["followup_of"]]["question"], answers[q["followup_of"]])]
            answers[q["id"]] = engine.ask(q["question"], conv)
            pq = engine.plan(q["question"], conv)
            doc_ids, _ = engine.composer.candidate_docs(pq, None)
            if not doc_ids:
                continue
            hits = {h.row: h for h in engine.retriever.search(pq, doc_ids, k=30)}
            for h in engine.retriever.sweep(pq, doc_ids)[:300]:
                hits.setdefault(h.row, h)
            scored = score_hits(engine.retriever, pq, list(hits.values()))
            gold = [(town_core(e["town"]), e["quote"]) for e in q.get("evidence", [])] if q["type"] != "absent" else []
            answer_towns = {town_core(t) for t in q.get("answer_towns", [])}
            optional = {town_core(t) for t in q.get("optional_towns", [])}
            best_by_doc: dict[str, tuple[list[float], int]] = {}
            for _, h, row in scored:
                p = engine.index.passages[h.row]
                town = town_core(engine.index.documents[p.doc_id].metadata.town or "")
                label = int(any(t == town and overlaps(quote, p.text) for t, quote in gold))
                X.append(row)
                y.append(label)
                if p.doc_id not in best_by_doc:
                    best_by_doc[p.doc_id] = (row, label)
            top_row, top_label = (scored[0][2], 0) if scored else (None, 0)
            if scored:
                p0 = engine.index.passages[scored[0][1].row]
                t0 = town_core(engine.index.documents[p0.doc_id].metadata.town or "")
                top_label = int(any(t == t0 and overlaps(quote, p0.text) for t, quote in gold))
            decisions.append({"set": name, "id": q["id"], "type": q["type"], "lang": q.get("lang"), "top_row": top_row,
                              "top_label": top_label, "top_rows": [r for _, _, r in scored[:10]],
                              "absent_share": (len(engine.retriever.absent_terms(pq)) / len(pq.terms)) if pq.terms else 0.0,
                              "n_terms": len(pq.terms), "unknown_share": unknown_share(pq),
                              "specific": specific(engine.retriever, pq), "numeric": 1.0 if pq.numeric else 0.0})
            if q["type"] == "aggregate":
                for doc_id, (row, _) in best_by_doc.items():
                    town = town_core(engine.index.documents[doc_id].metadata.town or "")
                    if town in optional:
                        continue
                    decisions.append({"set": name, "id": q["id"], "type": "aggregate-town", "row": row,
                                      "label": int(town in answer_towns), "town": town})
    if DROP:
        _drop_features(out)
    return out


DROP: set[str] = set()  # features held at 0 (--drop): an ablation, to see what a feature adds under cross-validation


def _drop_features(out: dict[str, Pairs]) -> None:
    cols = [FEATURES.index(f) for f in DROP]

    def zero(row: list[float] | None) -> None:
        if row is None:
            return
        for c in cols:
            row[c] = 0.0

    for X, _, decisions in out.values():
        for row in X:
            zero(row)
        for d in decisions:
            zero(d.get("top_row"))
            zero(d.get("row"))
            for r in d.get("top_rows", ()):
                zero(r)


def _prob(weights: list[float], row: list[float]) -> float:
    import math

    z = sum(w * x for w, x in zip(weights, row, strict=True))
    return 1 / (1 + math.exp(-max(-30, min(30, z))))


def curve(scores: list[tuple[float, int]]) -> list[tuple[float, float, float]]:
    """(threshold, precision, recall) at each distinct score."""
    pos = sum(lab for _, lab in scores)
    out = []
    for t in sorted({round(s, 3) for s, _ in scores}):
        kept = [lab for s, lab in scores if s >= t]
        if kept:
            out.append((t, sum(kept) / len(kept), sum(kept) / pos if pos else 0.0))
    return out


def pick(scores: list[tuple[float, int]], precision: float) -> float:
    """The lowest threshold whose precision reaches the target (the highest-precision one if none does)."""
    pts = curve(scores)
    ok = [t for t, p, _ in pts if p >= precision]
    if ok:
        return min(ok)
    return max(pts, key=lambda x: (x[1], -x[0]))[0] if pts else 0.5


def answer_threshold(scores: list[tuple[float, int]], answer_recall: float) -> float:
    """The highest threshold that still lets `answer_recall` of the answerable questions (label 1) through.

    Absent questions whose best passage is on topic are refused later, by the answer kinds' own checks (no figure
    in the asked unit, a condition no report meets); this gate only removes questions with no relevant passage.
    """
    ok = sorted((p for p, lab in scores if lab == 1), reverse=True)
    if not ok:
        return 0.5
    k = min(len(ok) - 1, max(0, int(answer_recall * len(ok) + 0.999) - 1))
    return max(0.0, ok[k] - 1e-6)


def accuracy_threshold(scores: list[tuple[float, int]]) -> float:
    """The threshold that gets the most questions right: answerable ones answered, absent ones refused (the
    questions' own mix decides how much a wrong refusal costs against a wrong answer)."""
    best = (-1, 0.5)
    for t in sorted({p for p, _ in scores}):
        right = sum(1 for p, lab in scores if (p >= t) == (lab == 1))
        if right > best[0]:
            best = (right, t)
    return max(0.0, best[1] - 1e-6)


def youden_threshold(scores: list[tuple[float, int]]) -> float:
    """The threshold that best separates answerable (1) from absent (0) questions: max TPR − FPR."""
    pos = sum(1 for _, lab in scores if lab == 1) or 1
    neg = sum(1 for _, lab in scores if lab == 0) or 1
    best = (-1.0, 0.5)
    for t in sorted({p for p, _ in scores}):
        tpr = sum(1 for p, lab in scores if lab == 1 and p >= t) / pos
        fpr = sum(1 for p, lab in scores if lab == 0 and p >= t) / neg
        if tpr - fpr > best[0]:
            best = (tpr - fpr, t)
    return max(0.0, best[1] - 1e-6)


def best_f1(scores: list[tuple[float, int]]) -> float:
    """The threshold with the best F1 (ties: the higher threshold)."""
    best = (0.0, 0.5)
    for t, p, r in curve(scores):
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        if f1 >= best[0]:
            best = (f1, t)
    return best[1]


def decision_scores(weights: list[float], decisions: list[dict[str, Any]]) -> dict[str, list[tuple[float, int]]]:
    # Answer or refuse: every answerable fact/compare question (1) against every absent one (0), by the best passage.
    fact = [(_prob(weights, d["top_row"]), int(d["type"] != "absent"))
            for d in decisions if d["type"] in ("fact", "absent", "compare") and d.get("top_row")]
    agg = [(_prob(weights, d["row"]), d["label"]) for d in decisions if d["type"] == "aggregate-town"]
    return {"fact": fact, "aggregate": agg}


def town_rows(weights: list[float], decisions: list[dict[str, Any]]) -> list[tuple[str, list[float], int, float]]:
    """(question, TOWN_FEATURES row, label, passage probability) for each town of each aggregate question."""
    by_q: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for d in decisions:
        if d["type"] == "aggregate-town":
            by_q.setdefault((d["set"], d["id"]), []).append(d)
    out = []
    for (set_name, qid), ds in by_q.items():
        for d in ds:
            p = _prob(weights, d["row"])
            out.append((f"{set_name}/{qid}", town_row(p, d["row"][FEATURES.index("focal")]), d["label"], p))
    return out


def fit_towns(weights: list[float], decisions: list[dict[str, Any]], C: float = 1.0) -> tuple[list[float], float]:
    """The town decision's weights and its best-F1 threshold, on these aggregate decisions."""
    from sklearn.linear_model import LogisticRegression

    rows = town_rows(weights, decisions)
    clf = LogisticRegression(C=C, max_iter=5000, fit_intercept=False)
    clf.fit([r for _, r, _, _ in rows], [lab for _, _, lab, _ in rows])
    tw = [float(w) for w in clf.coef_[0]]
    return tw, best_f1([(_prob(tw, r), lab) for _, r, lab, _ in rows])


def mean_town_f1(rows: list[tuple[str, list[float], int, float]], named: list[bool]) -> float:
    """The mean over questions of the town F1 of these decisions (the scorer's agg_f1, before the answer's gates)."""
    by_q: dict[str, list[tuple[bool, int]]] = {}
    for (q, _, lab, _), n in zip(rows, named, strict=True):
        by_q.setdefault(q, []).append((n, lab))
    f1s = []
    for v in by_q.values():
        tp = sum(1 for n, lab in v if n and lab)
        fp = sum(1 for n, lab in v if n and not lab)
        fn = sum(1 for n, lab in v if not n and lab)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(f1s) / len(f1s) if f1s else 0.0


def cross_validate_towns(weights: list[float], at: float) -> int:
    """Leave each set out: the town decision fitted on the rest against the passage threshold alone, on it."""
    by_set = pairs_by_set("dev")
    base, new = [], []
    for name in by_set:
        held = town_rows(weights, by_set[name][2])
        if not held:
            continue
        rest = [d for k, (_, _, sd) in by_set.items() if k != name for d in sd]
        tw, tt = fit_towns(weights, rest)
        b = mean_town_f1(held, [p >= at for _, _, _, p in held])
        n = mean_town_f1(held, [_prob(tw, r) >= tt for _, r, _, _ in held])
        n_q = len({q for q, _, _, _ in held})
        base.append((b, n_q))
        new.append((n, n_q))
        print(f"  {name:12s} questions {n_q:3d} passage threshold {b:.3f} town decision {n:.3f}")
    total = sum(k for _, k in base)
    print(f"  mean over questions: passage threshold {sum(b * k for b, k in base) / total:.3f}, "
          f"town decision {sum(n * k for n, k in new) / total:.3f}")
    return 0


def summarise(name: str, weights: list[float], decisions: list[dict[str, Any]], ft: float, at: float) -> None:
    s = decision_scores(weights, decisions)
    for kind, t in (("fact", ft), ("aggregate", at)):
        sc = s[kind]
        kept = [lab for p, lab in sc if p >= t]
        pos = sum(lab for _, lab in sc)
        prec = sum(kept) / len(kept) if kept else 0.0
        rec = sum(kept) / pos if pos else 0.0
        print(f"{name} {kind}: threshold {t:.3f} precision {prec:.3f} recall {rec:.3f} (n={len(sc)}, positives={pos})")


def answer_rows(weights: list[float], dec: list[dict[str, Any]]) -> tuple[list[list[float]], list[int]]:
    """The question-level rows (answerable 1 vs absent 0), re-ranked by the passage weights as the engine sees them."""
    qrows, qlabels = [], []
    for d in dec:
        # Aggregates are answerable questions too: "哪些镇…" about something no report does is refused by this gate.
        if d["type"] in ("fact", "absent", "compare", "aggregate") and d.get("top_rows"):
            ranked = sorted(((_prob(weights, r), r) for r in d["top_rows"]), key=lambda x: -x[0])
            qrows.append(answer_row([p for p, _ in ranked], [r for _, r in ranked], d["absent_share"], d["n_terms"],
                                    d["unknown_share"], d["specific"], d["numeric"]))
            qlabels.append(int(d["type"] != "absent"))
    return qrows, qlabels


def fit(
    X: list[list[float]], y: list[int], dec: list[dict[str, Any]], answer_recall: float | None, C: float,
    gate: str = "youden",
) -> dict[str, Any]:
    """Both models and their three thresholds, fitted on these pairs and decisions."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=C, class_weight="balanced", max_iter=5000, fit_intercept=False)
    clf.fit(X, y)
    weights = [float(w) for w in clf.coef_[0]]
    s = decision_scores(weights, dec)
    # Passages that may be cited: let --answer-recall (0.97) of the answerable questions' best passages through.
    ft = answer_threshold(s["fact"], answer_recall or 0.97)
    at = best_f1(s["aggregate"])
    # Whether to answer at all: a question-level model over the best passages (answerable vs absent).
    qrows, qlabels = answer_rows(weights, dec)
    aclf = LogisticRegression(C=C, class_weight="balanced", max_iter=5000, fit_intercept=False)
    aclf.fit(qrows, qlabels)
    answer_weights = [float(w) for w in aclf.coef_[0]]
    answer_scores = [(_prob(answer_weights, r), lab) for r, lab in zip(qrows, qlabels, strict=True)]
    ans_t = accuracy_threshold(answer_scores) if gate == "accuracy" else youden_threshold(answer_scores)
    return {"w": weights, "ft": ft, "at": at, "aw": answer_weights, "ans_t": ans_t,
            "answer_scores": answer_scores, "qlabels": qlabels}


def measure(fitted: dict[str, Any], dec: list[dict[str, Any]]) -> dict[str, float]:
    """Decision quality of fitted models on these decisions: answer/refuse accuracy, aggregate town P/R/F1."""
    qrows, qlabels = answer_rows(fitted["w"], dec)
    said = [(_prob(fitted["aw"], r) >= fitted["ans_t"], lab) for r, lab in zip(qrows, qlabels, strict=True)]
    answerable = [s for s, lab in said if lab == 1]
    absent = [not s for s, lab in said if lab == 0]
    agg = decision_scores(fitted["w"], dec)["aggregate"]
    kept = [lab for p, lab in agg if p >= fitted["at"]]
    pos = sum(lab for _, lab in agg)
    prec = sum(kept) / len(kept) if kept else 0.0
    rec = sum(kept) / pos if pos else 0.0
    return {"answers": sum(answerable) / max(1, len(answerable)), "refuses": sum(absent) / max(1, len(absent)),
            "acc": (sum(answerable) + sum(absent)) / max(1, len(said)),
            "agg_p": prec, "agg_r": rec, "agg_f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0}


def cross_validate(answer_recall: float | None, Cs: Sequence[float], gates: Sequence[str]) -> int:
    """Leave each development set out in turn; the mean is an estimate of the decisions on unseen reports."""
    by_set = pairs_by_set("dev")
    for C, gate in ((C, g) for C in Cs for g in gates):
        print(f"C={C} gate={gate}")
        rows = []
        for name in by_set:
            rest = [v for k, v in by_set.items() if k != name]
            X = [r for sx, _, _ in rest for r in sx]
            y = [lab for _, sy, _ in rest for lab in sy]
            dec = [d for _, _, sd in rest for d in sd]
            m = measure(fit(X, y, dec, answer_recall, C, gate), by_set[name][2])
            rows.append(m)
            print(f"  {name:12s} " + " ".join(f"{k} {v:.3f}" for k, v in m.items()))
        print("  mean         " + " ".join(f"{k} {sum(r[k] for r in rows) / len(rows):.3f}" for k in rows[0]))
    return 0


def write_towns(tw: list[float], tt: float) -> None:
    """The town decision into the shipped model file, beside the passage and answer models."""
    d = json.loads(MODEL.read_text(encoding="utf-8"))
    d["town_weights"] = {f: round(w, 4) for f, w in zip(TOWN_FEATURES, tw, strict=True)}
    d["town_threshold"] = round(tt, 3)
    d["town_command"] = "python -m qa.training.relevance --towns"
    MODEL.write_text(json.dumps(d, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    relevance_model.cache_clear()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--measure", choices=["dev", "held"], help="only measure the shipped model on these sets")
    ap.add_argument("--answer-recall", type=float, default=None,
                    help="let this share of answerable questions through (default: the best separation, max TPR-FPR)")
    ap.add_argument("--curve", type=Path, help="write the precision/recall curves as JSON here")
    ap.add_argument("--C", type=float, nargs="+", default=[1.0],
                    help="inverse regularisation strength of both models (with --cv, each value is tried)")
    ap.add_argument("--gate", nargs="+", choices=["youden", "accuracy"], default=["youden"],
                    help="how the answer/refuse threshold is chosen (with --cv, each is tried)")
    ap.add_argument("--cv", action="store_true",
                    help="leave one development set out at a time: fit on the rest, measure on it (writes nothing)")
    ap.add_argument("--towns", action="store_true",
                    help="refit only the aggregate's town decision on the shipped passage model (with --cv: estimate it)")
    ap.add_argument("--drop", nargs="+", choices=FEATURES[1:], default=[],
                    help="hold these passage features at 0 (an ablation; with --cv it shows what they add)")
    a = ap.parse_args()
    DROP.update(a.drop)
    if a.measure:
        m = relevance_model()
        _, _, dec = pairs(a.measure)
        summarise(a.measure, list(m.weights), dec, m.fact_threshold, m.aggregate_threshold)
        if a.curve:
            s = decision_scores(list(m.weights), dec)
            a.curve.write_text(json.dumps({k: curve(v) for k, v in s.items()}), encoding="utf-8")
        return 0
    if a.towns:
        m = relevance_model()
        if a.cv:
            return cross_validate_towns(list(m.weights), m.aggregate_threshold)
        _, _, dec = pairs("dev")
        tw, tt = fit_towns(list(m.weights), dec)
        write_towns(tw, tt)
        rows = town_rows(list(m.weights), dec)
        print(f"town decision: weights {dict(zip(TOWN_FEATURES, (round(w, 3) for w in tw), strict=True))}, "
              f"threshold {tt:.3f}; dev mean town F1 {mean_town_f1(rows, [_prob(tw, r) >= tt for _, r, _, _ in rows]):.3f} "
              f"(passage threshold alone {mean_town_f1(rows, [p >= m.aggregate_threshold for _, _, _, p in rows]):.3f})")
        return 0
    if a.cv:
        return cross_validate(a.answer_recall, a.C, a.gate)
    X, y, dec = pairs("dev")
    fitted = fit(X, y, dec, a.answer_recall, a.C[0], a.gate[0])
    weights, ft, at, ans_t = fitted["w"], fitted["ft"], fitted["at"], fitted["ans_t"]
    answer_weights, answer_scores, qlabels = fitted["aw"], fitted["answer_scores"], fitted["qlabels"]
    s = decision_scores(weights, dec)
    MODEL.write_text(json.dumps({
        "fitted_on": "seeds + tests/data/eval/A,B + tests/data/eval/real/dev*",
        "command": "python -m qa.training.relevance",
        "pairs": len(y), "positives": int(sum(y)), "C": a.C[0],
        "weights": {f: round(w, 4) for f, w in zip(FEATURES, weights, strict=True)},
        "passage_threshold": round(ft, 3), "aggregate_threshold": round(at, 3),
        "answer_weights": {f: round(w, 4) for f, w in zip(ANSWER_FEATURES, answer_weights, strict=True)},
        "answer_threshold": round(ans_t, 3),
        "targets": {"fact": a.answer_recall or "max TPR-FPR (answerable vs absent) on dev", "aggregate": "best F1 on dev"},
    }, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    relevance_model.cache_clear()
    write_towns(*fit_towns(weights, dec, a.C[0]))
    print(f"wrote {MODEL}: {len(y)} pairs, {sum(y)} positive")
    summarise("dev", weights, dec, ft, at)
    kept = [lab for p, lab in answer_scores if p >= ans_t]
    print(f"dev answer/refuse: threshold {ans_t:.3f}: answers {sum(kept)}/{sum(qlabels)} answerable, "
          f"refuses {sum(1 for p, lab in answer_scores if lab == 0 and p < ans_t)}/{qlabels.count(0)} absent")
    if a.curve:
        a.curve.write_text(json.dumps({k: curve(v) for k, v in s.items()}), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
