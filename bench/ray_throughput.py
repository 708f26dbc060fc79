"""Embedding throughput: in-process against Ray Data actors (local Ray, 1 and 2 workers), same texts, same model.

    python -m bench.ray_throughput [--model usem3] [--passages 2000]

The texts are unique passages of generated reports (bench.generate_corpus), embedded as the index build does
(`embed_text`). In-process: the model loaded and warmed first, then one `embed` call. Ray: a local Ray started
once (not timed) with 2 CPUs; each figure is one `RayEmbedder.embed` call, which is one Ray Data job and
includes starting the actor pool and loading the model in each actor (what every build shard pays); the fixed
cost is measured separately with a 1-text job.
"""

from __future__ import annotations

import argparse
import time

from bench.generate_corpus import generate
from embeddings.factory import make_embedder
from embeddings.ray_embed import RayEmbedder
from qa.corpus_index import embed_text
from qa.documents import parse_text


def sample_texts(n: int) -> list[str]:
    """The first n unique passage texts of generated reports."""
    seen: dict[str, None] = {}
    for r in generate(10_000):
        for p in parse_text(r.text, f"{r.index}.txt", "utf-8").passages:
            seen.setdefault(embed_text(p), None)
        if len(seen) >= n:
            break
    return list(seen)[:n]


def main(argv: list[str] | None = None) -> None:
    """Print passages/s for each way of embedding."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="usem3")
    ap.add_argument("--passages", type=int, default=2000)
    args = ap.parse_args(argv)
    texts = sample_texts(args.passages)
    print(f"{len(texts)} unique passages, model {args.model}")
    for threads in (1, 2):
        local = make_embedder(args.model, threads=threads)
        local.embed(["预热"])
        t = time.perf_counter()
        local.embed(texts)
        s = time.perf_counter() - t
        print(f"in-process, {threads} thread(s): {len(texts) / s:7.1f} passages/s ({s:.1f} s)", flush=True)
    ray = RayEmbedder(args.model, make_embedder(args.model), workers=2)
    ray.start()
    try:
        for workers in (1, 2):
            ray.workers = workers
            t = time.perf_counter()
            ray.embed(texts[:1])
            fixed = time.perf_counter() - t
            t = time.perf_counter()
            ray.embed(texts)
            s = time.perf_counter() - t
            print(
                f"local Ray, {workers} worker(s): {len(texts) / s:7.1f} passages/s ({s:.1f} s per job, of which "
                f"~{fixed:.1f} s is the job's fixed cost: actor start and model load)",
                flush=True,
            )
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
