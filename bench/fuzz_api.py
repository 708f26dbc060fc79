"""Schemathesis against a live `reportqa serve`: every operation, thousands of cases, every check.

    python -m bench.fuzz_api [--max-examples 1000] [--seed 1]

It indexes seeds/ with the hashing embedder into a temporary directory (answers do not matter here,
the shape of every response does), serves it on a free loopback port with Telegram configured
against a loopback stand-in, runs `schemathesis run` with every check but positive_data_acceptance
(see tests/api/test_fuzz_schema.py for why), and counts the server's 5xx from its access log.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.http_load import _free_port, _wait_ready

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
_STATUS = re.compile(r'"event": "http", "method": "[A-Z]+", "path": "(?:[^"\\]|\\.)*", "status": (\d{3})')


def status_counts(log: Path, offset: int = 0) -> Counter[int]:
    """HTTP statuses in the server's JSON access log, from byte `offset` on."""
    counts: Counter[int] = Counter()
    with open(log, "rb") as fh:
        fh.seek(offset)
        text = fh.read().decode("utf-8", errors="replace")
    for match in _STATUS.finditer(text):
        counts[int(match.group(1))] += 1
    return counts


def run(max_examples: int, seed: int) -> tuple[int, str, Counter[int]]:
    """Serve seeds/ and fuzz it; returns schemathesis' exit code, its summary lines and the statuses."""
    with tempfile.TemporaryDirectory(prefix="reportqa-fuzz-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "REPORTQA_EMBEDDING_MODEL": "hash", "REPORTQA_STATE_DB": str(work / "state.sqlite3"),
               "REPORTQA_INDEX_UPLOAD_DIR": str(work / "uploads"), "REPORTQA_TELEGRAM_BOT_TOKEN": "1:fuzz",
               "REPORTQA_TELEGRAM_SECRET_TOKEN": "fuzz-secret", "REPORTQA_TELEGRAM_API_BASE": "http://127.0.0.1:9"}
        index = work / "index"
        subprocess.run([str(BIN / "reportqa"), "index", "build", str(ROOT / "seeds"), "--index", str(index)],
                       env=env, check=True, capture_output=True)
        port = _free_port()
        log = work / "serve.log"
        with open(log, "wb") as fh:
            proc = subprocess.Popen([str(BIN / "reportqa"), "serve", "--index", str(index), "--port", str(port)],
                                    env=env, stdout=fh, stderr=subprocess.STDOUT, cwd=work)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(url, proc)
            ready_at = log.stat().st_size  # the readiness polls (503 while loading) are not part of the run
            done = subprocess.run(
                [str(BIN / "schemathesis"), "run", f"{url}/openapi.json", "--checks", "all",
                 "--exclude-checks", "positive_data_acceptance", "--max-examples", str(max_examples),
                 "--seed", str(seed), "--workers", "2", "--phases", "examples,coverage,fuzzing", "--no-color",
                 "--generation-database", "none"],
                capture_output=True, text=True, cwd=work, timeout=3600,
            )
        finally:
            proc.terminate()
            proc.wait(15)
        summary = [ln.strip() for ln in done.stdout.splitlines()
                   if re.search(r"generated|unique failure|❌|passed|failures?,|Seed:", ln)]
        if done.returncode != 0:
            print(done.stdout[-6000:], file=sys.stderr)
        return done.returncode, "\n".join(summary), status_counts(log, ready_at)


def main(argv: list[str] | None = None) -> None:
    """Print the fuzzing figures; exit non-zero on any failure or server error."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-examples", type=int, default=1000, help="Cases per operation and phase.")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv if argv is not None else [])
    code, summary, statuses = run(args.max_examples, args.seed)
    total = sum(statuses.values())
    errors = sum(n for s, n in statuses.items() if s >= 500)
    print(summary)
    print(f"schemathesis over the OpenAPI schema: {total} requests served, {errors} server errors, "
          f"statuses {dict(sorted(statuses.items()))}, schemathesis exit {code}")
    if code != 0 or errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
