"""HTTP load on loopback: N concurrent clients posting the seed questions to `/chat` for a fixed time.

    python -m bench.http_load [--url http://127.0.0.1:8000] [--clients 32] [--seconds 20]

Without --url it indexes seeds/ with the default embedder into a temporary directory and starts
`reportqa serve` on a free port. Follow-up questions are sent with the conversation id their
client got for the question they follow, as a chat front end would.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT.parent / "shared" / "eval" / "seed_questions.jsonl"


@dataclass(frozen=True)
class Question:
    qid: str
    text: str
    followup_of: str | None


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    """The seed questions, in file order."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Question(r["id"], r["question"], r.get("followup_of")) for r in rows]


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile by nearest rank."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s)) - 1))]


class Connection:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams, so the load generator costs little CPU.

    httpx spends about as much CPU per request as the server does; on a small machine that
    would measure the client, not the server.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post_json(self, path: str, payload: dict[str, object]) -> tuple[int, bytes]:
        """POST a JSON body; returns the status and the response body."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        body = json.dumps(payload, ensure_ascii=False).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        self.writer.write(head + body)
        await self.writer.drain()
        status_line, *header_lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(status_line.split()[1])
        headers = dict(line.lower().split(": ", 1) for line in header_lines if ": " in line)
        data = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection") == "close":
            await self.close()
        return status, data

    async def close(self) -> None:
        """Close the socket."""
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def _client(conn: Connection, questions: list[Question], start: int, stop_at: float, tally: Tally) -> None:
    conversations: dict[str, str] = {}
    i = start
    while time.perf_counter() < stop_at:
        q = questions[i % len(questions)]
        i += 1
        body: dict[str, object] = {"message": q.text}
        if q.followup_of and q.followup_of in conversations:
            body["conversation_id"] = conversations[q.followup_of]
        t0 = time.perf_counter()
        try:
            status, data = await conn.post_json("/chat", body)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            tally.error(type(exc).__name__)
            await conn.close()
            continue
        elapsed = (time.perf_counter() - t0) * 1000
        if status != 200:
            tally.error(f"HTTP {status}")
            continue
        answer = json.loads(data)
        if not answer.get("kind") or not answer.get("conversation_id"):
            tally.error("bad answer")
            continue
        conversations[q.qid] = answer["conversation_id"]
        tally.latencies_ms.append(elapsed)


async def run_load(url: str, questions: list[Question], clients: int, seconds: float) -> tuple[Tally, float]:
    """Drive `clients` concurrent keep-alive clients for `seconds`; returns the tally and the wall time."""
    parsed = httpx.URL(url)
    conns = [Connection(parsed.host, parsed.port or 80) for _ in range(clients)]
    tally = Tally()
    t0 = time.perf_counter()
    stop_at = t0 + seconds
    try:
        await asyncio.gather(*(_client(c, questions, k, stop_at, tally) for k, c in enumerate(conns)))
    finally:
        for c in conns:
            await c.close()
    return tally, time.perf_counter() - t0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served_seeds() -> Iterator[str]:
    """Index seeds/ with the default embedder and run `reportqa serve` on a free port; yields its URL."""
    bindir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="reportqa-http-load-") as work:
        index = Path(work) / "index"
        subprocess.run(
            [str(bindir / "reportqa"), "index", "build", str(ROOT / "seeds"), "--index", str(index)],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
        )
        port = _free_port()
        env = {**os.environ, "REPORTQA_STATE_DB": str(Path(work) / "state.sqlite3"), "REPORTQA_INDEX": str(index)}
        proc = subprocess.Popen(
            [str(bindir / "reportqa"), "serve", "--index", str(index), "--port", str(port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(url, proc)
            yield url
        finally:
            proc.terminate()
            proc.wait(15)


def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"reportqa serve exited with {proc.returncode}")
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError("reportqa serve did not become ready")


def measure(url: str, clients: int, seconds: float, questions: list[Question]) -> str:
    """One warm-up pass, then the load; the figures as one line."""
    for q in questions:
        httpx.post(url + "/chat", json={"message": q.text}, timeout=60)
    tally, wall = asyncio.run(run_load(url, questions, clients, seconds))
    lat = tally.latencies_ms
    n_err = sum(tally.errors.values())
    errors = f"{n_err} errors" + (f" {tally.errors}" if n_err else "")
    if not lat:
        return f"HTTP load: no successful requests; {errors}"
    return (
        f"HTTP load /chat ({clients} clients, {wall:.0f} s, {len(questions)} seed questions, loopback): "
        f"{len(lat)} requests, {len(lat) / wall:.0f} req/s, {errors}, "
        f"p50 {statistics.median(lat):.0f} ms, p99 {percentile(lat, 99):.0f} ms  [aim: 0 errors, p99 < 250 ms]"
    )


def main(argv: list[str] | None = None) -> None:
    """Print the HTTP load figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="An already running server; default: serve seeds/ on a free port.")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    args = parser.parse_args(argv if argv is not None else [])
    questions = load_questions(args.questions)
    if args.url:
        print(measure(args.url.rstrip("/"), args.clients, args.seconds, questions))
        return
    with served_seeds() as url:
        print(measure(url, args.clients, args.seconds, questions))


if __name__ == "__main__":
    main(sys.argv[1:])
