"""A streaming build SIGKILLed mid-shard: the last good index keeps serving, the next build completes and
removes what the killed one left."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bench.generate_corpus import write_corpus
from qa.engine import QAEngine
from tests.conftest import SEEDS, settings_for
from tests.processes import sigkill_when


def _build(corpus: Path, index: Path, **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "qa", "index", "build", str(corpus), "--index", str(index)],
        env={**os.environ, "REPORTQA_EMBEDDING_MODEL": "hash", **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def test_a_build_killed_mid_shard_leaves_the_last_good_index_serving(tmp_path: Path) -> None:
    index = tmp_path / "index"
    first = _build(SEEDS, index)
    assert first.wait(300) == 0
    before = os.readlink(index)
    corpus = tmp_path / "corpus"
    write_corpus(120, corpus)
    proc = _build(corpus, index, REPORTQA_INDEX_SHARD_DOCS="10")
    sigkill_when(proc, b"embedding [", "the build")  # pass two has begun: shards are on disk, some embedded
    assert os.readlink(index) == before, "the killed build published nothing"
    left = [p for p in tmp_path.iterdir() if p.name.startswith(".index.building-")]
    assert len(left) == 1
    shards = sorted(p.name for p in (left[0] / ".shards").iterdir())
    # killed in pass two: the first shard taken up (its pickle read and deleted), the last one still waiting
    assert "parsed-000000.pickle" not in shards and "parsed-000011.pickle" in shards, shards
    engine = QAEngine.load(settings_for(index))
    assert engine.index.manifest.counts["documents"] == 5
    answer = engine.ask("和谦镇办理了多少件行政处罚案件?")
    assert "151件" in answer.answer
    done = subprocess.run(
        [sys.executable, "-m", "qa", "index", "build", str(corpus), "--index", str(index)],
        env={**os.environ, "REPORTQA_EMBEDDING_MODEL": "hash", "REPORTQA_INDEX_SHARD_DOCS": "10"},
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "indexed 120 documents" in done.stdout
    assert os.readlink(index) != before
    assert not left[0].exists(), "the killed build's staging directory is removed by the next build"
    assert QAEngine.load(settings_for(index)).index.manifest.counts["documents"] == 120
