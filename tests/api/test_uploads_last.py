"""An uploaded report lasts: through a restart and the `index build seeds --if-stale` that `make run` does,
until DELETE /documents/{doc_id} removes it (and then a rebuild does not bring it back)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from embeddings.factory import make_embedder
from qa.corpus_index import CorpusIndex
from qa.kept_reports import KeptReports
from tests.conftest import SEEDS, settings_for

EXTRA = Path(__file__).resolve().parents[1] / "qa" / "data" / "daping_yao_2022.txt"
QUESTION = "大坪瑶族乡调处成功了多少件纠纷?"


def make_run_rebuild(corpus: Path, idx: Path) -> subprocess.CompletedProcess[str]:
    """What `make run` does before serving: `reportqa index build seeds --index … --if-stale`."""
    env = {**os.environ, "REPORTQA_EMBEDDING_MODEL": "hash"}
    return subprocess.run(
        [sys.executable, "-m", "qa", "index", "build", str(corpus), "--index", str(idx), "--if-stale"],
        capture_output=True, text=True, env=env, timeout=300,
    )


def test_upload_survives_restart_and_make_run_rebuild_until_deleted(tmp_path: Path) -> None:
    corpus = tmp_path / "seeds"
    shutil.copytree(SEEDS, corpus)
    idx = tmp_path / "index"
    CorpusIndex.build([corpus], idx, make_embedder("hash"))
    s = settings_for(idx, "hash", state_db=tmp_path / "state.sqlite3")
    s = s.model_copy(update={"index": s.index.model_copy(update={"reload_interval_s": 0})})

    with TestClient(create_app(s)) as c:
        r = c.post("/documents", files={"file": ("daping.txt", EXTRA.read_bytes(), "text/plain")})
        assert r.status_code == 201, r.text
        doc_id = r.json()["document"]["doc_id"]
    assert [k.source for k in KeptReports(idx).entries()] == ["daping.txt"]

    with TestClient(create_app(s)) as c:  # a restart: a new app on the same index directory
        assert doc_id in {d["doc_id"] for d in c.get("/documents").json()["documents"]}

    rebuilt = make_run_rebuild(corpus, idx)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "indexed 6 documents" in rebuilt.stdout
    assert "1 uploaded report kept" in rebuilt.stdout and "0 removed" in rebuilt.stdout
    assert "kept (added with `index add` or POST /documents): daping.txt" in rebuilt.stdout
    again = make_run_rebuild(corpus, idx)
    assert again.stdout.strip() == f"index at {idx} is up to date"

    with TestClient(create_app(s)) as c:
        listed = {d["doc_id"]: d for d in c.get("/documents").json()["documents"]}
        assert listed[doc_id]["source"] == "daping.txt" and listed[doc_id]["town"] == "大坪瑶族乡"
        a = c.post("/chat", json={"message": QUESTION}).json()
        assert a["citations"][0]["doc_id"] == doc_id and "调处成功35件" in a["citations"][0]["quote"]

        gone = c.delete(f"/documents/{doc_id}")
        assert gone.status_code == 200, gone.text
        assert gone.json() == {"removed": doc_id, "documents": 5, "uploaded": True, "note": None}
        assert doc_id not in {d["doc_id"] for d in c.get("/documents").json()["documents"]}
        assert c.delete(f"/documents/{doc_id}").json()["error"]["code"] == "document_not_found"
    assert KeptReports(idx).entries() == []

    rebuilt = make_run_rebuild(corpus, idx)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "indexed 5 documents" in rebuilt.stdout and "kept" not in rebuilt.stdout
    with TestClient(create_app(s)) as c:
        assert c.get("/documents").json()["count"] == 5


def test_deleting_a_corpus_report_says_it_returns_at_the_next_build(tmp_path: Path) -> None:
    idx = tmp_path / "index"
    CorpusIndex.build([SEEDS], idx, make_embedder("hash"))
    s = settings_for(idx, "hash", state_db=tmp_path / "state.sqlite3")
    with TestClient(create_app(s)) as c:
        doc_id = next(d["doc_id"] for d in c.get("/documents").json()["documents"] if d["town"] == "龙凤场镇")
        body = c.delete(f"/documents/{doc_id}").json()
    assert (body["removed"], body["documents"], body["uploaded"]) == (doc_id, 4, False)
    assert "delete its file there too" in body["note"]
