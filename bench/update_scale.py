"""Updates in time proportional to the change, on a large index: add one report, change one, remove one.

    python -m bench.generate_corpus --n 1000 --out /tmp/gen1k && rm /tmp/gen1k/corpus.jsonl
    REPORTQA_EMBEDDING_MODEL=hash-512 reportqa index build /tmp/gen1k --index /tmp/idx1k
    python -m bench.update_scale --corpus /tmp/gen1k --index /tmp/idx1k --embedder hash-512 --load --compaction

Each step is one `CorpusIndex.add`/`remove` call on the built index (what `reportqa index add/remove` and
POST /documents run), timed from the call to the published version, and says whether it wrote a delta segment
over the base or compacted (`qa/segments.py`). With `--load`, `CorpusIndex.load` is timed on the index as
found and again after the first update (base + delta merged at load). The index keeps the reports it had,
in a version that may hold a delta.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from bench.generate_corpus import Gazetteer, generate_report, load_seed_pool
from embeddings.factory import make_embedder
from embeddings.store import resolve
from qa.corpus_index import BuildReport, CorpusIndex
from qa.segments import DELTA_SHARE_ENV, Segments


def _line(step: str, seconds: float, r: BuildReport, how: str) -> str:
    return (
        f"{step:<28} {seconds:6.2f} s  {how:<10} ({r.added} added, {r.updated} updated, {r.removed} removed; "
        f"{r.embedded} passages embedded, {r.reused} reused; {r.documents} documents, {r.passages} passages)"
    )


def _segments(index: Path) -> str:
    seg = Segments.open(resolve(index))
    if seg.delta is None:
        return "base only"
    return f"base + delta of {len(seg.delta_table)} reports, {len(seg.tombstones)} tombstones"


def _time_load(index: Path, emb: object) -> None:
    t = time.perf_counter()
    idx = CorpusIndex.load(index, emb)  # type: ignore[arg-type]
    print(f"{'load (' + _segments(index) + ')':<60} {time.perf_counter() - t:6.2f} s  ({len(idx.passages)} passages)", flush=True)
    del idx


def main(argv: list[str] | None = None) -> None:
    """Print one line per update."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, required=True, help="the folder the index was built from")
    ap.add_argument("--index", type=Path, required=True, help="the built index")
    ap.add_argument("--embedder", default="hash-512")
    ap.add_argument("--load", action="store_true", help="also time loading the index before and after the first update")
    ap.add_argument("--compaction", action="store_true", help="then change the report once more with a compaction forced")
    args = ap.parse_args(argv)
    emb = make_embedder(args.embedder)
    work = Path(tempfile.mkdtemp(prefix="reportqa-update-"))
    try:
        reports = sorted(args.corpus.rglob("*.txt"))
        n = len(reports)
        new = work / "new" / f"{n + 50_000:06d}.txt"
        new.parent.mkdir()
        new.write_text(generate_report(n + 50_000, 0, load_seed_pool(), Gazetteer(0)).text, encoding="utf-8")
        target = reports[n // 2]
        rel = target.relative_to(args.corpus)  # a folder given to `add` keeps the relative path as the source
        original = target.read_text(encoding="utf-8")
        for name, text in (("changed", original + "\n全年新增调解矛盾纠纷7件，调解成功率100%。\n"), ("back", original)):
            (work / name / rel).parent.mkdir(parents=True)
            (work / name / rel).write_text(text, encoding="utf-8")
        steps = [
            ("add one new report", lambda: CorpusIndex.add([new], args.index, emb)),
            ("change one report", lambda: CorpusIndex.add([work / "changed"], args.index, emb)),
            ("remove the new report", lambda: CorpusIndex.remove([new.name], args.index, emb)),
            ("change it back", lambda: CorpusIndex.add([work / "back"], args.index, emb)),
        ]
        if args.compaction:

            def compact() -> BuildReport:
                before = os.environ.get(DELTA_SHARE_ENV)
                os.environ[DELTA_SHARE_ENV] = "0"
                try:
                    return CorpusIndex.add([work / "changed"], args.index, emb)
                finally:
                    if before is None:
                        os.environ.pop(DELTA_SHARE_ENV, None)
                    else:
                        os.environ[DELTA_SHARE_ENV] = before

            steps += [("change it, compacting", compact), ("change it back (delta)", lambda: CorpusIndex.add([work / "back"], args.index, emb))]
        if args.load:
            _time_load(args.index, emb)
        for i, (step, run) in enumerate(steps):
            before = resolve(args.index)
            t = time.perf_counter()
            r = run()
            seconds = time.perf_counter() - t
            after = Segments.open(resolve(args.index))
            how = "delta" if after.delta is not None else "compacted" if resolve(args.index) != before else "?"
            print(_line(step, seconds, r, how), flush=True)
            if args.load and i == 0:
                _time_load(args.index, emb)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
