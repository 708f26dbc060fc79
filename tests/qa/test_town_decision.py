"""The aggregate's town decision: a small fitted model over each town's best passage (qa.relevance.names_town)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from qa.relevance import TOWN_FEATURES, relevance_model

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_town_decision_is_fitted_and_refits_with_one_command() -> None:
    data = json.loads((ROOT / "qa" / "data" / "relevance_model.json").read_text(encoding="utf-8"))
    assert data["town_command"] == "python -m qa.training.relevance --towns"
    assert set(data["town_weights"]) == set(TOWN_FEATURES)
    r = subprocess.run([sys.executable, "-m", "qa.training.relevance", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "--towns" in r.stdout


def test_a_passage_with_the_focal_term_names_its_town_more_readily() -> None:
    m = relevance_model()
    # Somewhere between the two decisions, the focal term tips it: same probability, different answer.
    probs = [i / 100 for i in range(1, 100)]
    with_focal = [p for p in probs if m.names_town(p, 1.0)]
    without = [p for p in probs if m.names_town(p, 0.0)]
    assert with_focal and without and min(with_focal) < min(without)
    # Monotonic: a more probable passage never loses the town.
    assert all(m.names_town(q, 1.0) for q in probs if q >= min(with_focal))


def test_without_a_town_model_the_passage_threshold_decides() -> None:
    m = replace(relevance_model(), town_weights=())
    assert m.names_town(m.aggregate_threshold, 0.0) and not m.names_town(m.aggregate_threshold - 0.01, 1.0)
