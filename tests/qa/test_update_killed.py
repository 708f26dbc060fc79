"""An update (`index add`) SIGKILLed while it embeds: the last good version keeps serving, the base it shares
with that version is unchanged, and the next update completes and removes what the killed one left."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from bench.generate_corpus import write_corpus
from embeddings.store import damaged_files, read_manifest, resolve
from qa.engine import QAEngine
from qa.segments import DELTA_SHARE_ENV, Segments
from tests.conftest import SEEDS, settings_for
from tests.processes import sigkill_when

FILES = sorted(p.name for p in SEEDS.glob("*.txt"))
ENV = {**os.environ, "REPORTQA_EMBEDDING_MODEL": "hash", DELTA_SHARE_ENV: "1000"}


def _reportqa(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "qa", *args], env=ENV, capture_output=True, text=True, timeout=300)


def test_an_update_killed_while_embedding_leaves_the_last_good_version_serving(tmp_path: Path) -> None:
    four = tmp_path / "four"
    four.mkdir()
    for name in FILES[:4]:
        shutil.copy(SEEDS / name, four / name)
    index = tmp_path / "index"
    assert _reportqa("index", "build", str(four), "--index", str(index)).returncode == 0
    assert _reportqa("index", "add", str(SEEDS / FILES[4]), "--index", str(index)).returncode == 0
    before = os.readlink(index)
    good = resolve(index)
    manifest = read_manifest(good)
    assert manifest is not None and Segments.open(good).delta is not None

    corpus = tmp_path / "more"
    write_corpus(150, corpus)
    (corpus / "corpus.jsonl").unlink()
    proc = subprocess.Popen([sys.executable, "-m", "qa", "index", "add", str(corpus), "--index", str(index)],
                            env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # Killed once the delta's rows are written and the base linked: embedding has begun.
    sigkill_when(proc, b"embedding [", "the update")
    assert os.readlink(index) == before, "the killed update published nothing"
    left = [p for p in tmp_path.iterdir() if p.name.startswith(".index.building-")]
    assert len(left) == 1 and (left[0] / "delta" / "documents.jsonl").is_file()
    assert damaged_files(good, manifest) == [], "the base the killed update linked, and the delta, are unchanged"
    engine = QAEngine.load(settings_for(index))
    assert engine.index.manifest.counts["documents"] == 5
    assert "151件" in engine.ask("和谦镇办理了多少件行政处罚案件?").answer

    done = _reportqa("index", "add", str(SEEDS / FILES[0]), "--index", str(index))  # unchanged: still publishes
    assert done.returncode == 0, done.stderr
    assert not left[0].exists(), "the killed update's staging directory is removed by the next one"
    assert QAEngine.load(settings_for(index)).index.manifest.counts["documents"] == 5
