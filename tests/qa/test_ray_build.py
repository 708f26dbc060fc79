"""`reportqa index build --embed-with ray`: says it used Ray, and gives the local build's vectors and answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.corpus_index import CorpusIndex
from qa.engine import QAEngine
from tests.conftest import SEEDS, SHARED_EVAL, settings_for

pytest.importorskip("ray")
pytestmark = pytest.mark.integration


def build(index: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qa", "index", "build", str(SEEDS), "--index", str(index), *extra],
        capture_output=True, text=True, env={**os.environ, "REPORTQA_EMBEDDING_MODEL": "hash"}, timeout=300,
    )


def test_a_ray_build_reports_ray_and_equals_a_local_build(tmp_path: Path) -> None:
    local = build(tmp_path / "local")
    on_ray = build(tmp_path / "ray", "--embed-with", "ray", "--ray-workers", "2")
    assert local.returncode == on_ray.returncode == 0, on_ray.stderr
    assert "embedding on a local Ray with 2 workers (Ray Data actors, hash-256)" in on_ray.stdout
    assert "348 passages embedded, 0 reused" in on_ray.stdout
    assert "embedded on Ray by 2 workers" in on_ray.stdout
    assert "Ray" not in local.stdout
    a, b = CorpusIndex.load(tmp_path / "local"), CorpusIndex.load(tmp_path / "ray")
    assert np.array_equal(a.vectors.reconstruct_all(), b.vectors.reconstruct_all())
    # The shared dev questions (37, about the seeds) when they sit beside the checkout; sets A and B's questions
    # (60, in the repo) always: only the two builds' answers are compared, so any question serves.
    files = [SHARED_EVAL] if SHARED_EVAL.exists() else []
    files += [Path(__file__).resolve().parents[1] / "data" / "eval" / s / "questions.jsonl" for s in ("A", "B")]
    questions = [json.loads(line)["question"] for f in files for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(questions) >= 60
    ea, eb = QAEngine.load(settings_for(tmp_path / "local")), QAEngine.load(settings_for(tmp_path / "ray"))
    for q in questions:
        assert ea.ask(q).to_dict() == eb.ask(q).to_dict(), q
