"""Load and soak on loopback: 64 chat clients for 60 s mixed with Telegram deliveries, three runs back to
back against one `reportqa serve` process, with the server's RSS after each run.

    python -m bench.load_soak [--clients 64] [--seconds 60] [--runs 3] [--webhook-clients 4]

It indexes seeds/ with the default embedder into a temporary directory, starts a loopback stand-in for
the Telegram Bot API (tests/api/webhooks/fake_platform.py) and `reportqa serve` pointed at it, then per
run: the chat clients post the seed questions (follow-ups with their conversation id) as fast as answers
come back, while the webhook clients each deliver one Telegram update every `--webhook-interval` seconds
(a new update id and one of 500 users each time). A webhook must be acknowledged with 200 and answered
with exactly one sendMessage. RSS is read from /proc after the replies of the run have arrived; the server's CPU time per request
(chat + webhook, from /proc) tells a slower server from a busier machine.
Errors must be 0; RSS growth across runs beyond a few MB would be a leak.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.http_load import (
    QUESTIONS,
    Connection,
    Question,
    Tally,
    _client,
    _free_port,
    _wait_ready,
    load_questions,
)
from bench.http_load import percentile as pct
from tests.api.webhooks.fake_platform import FakePlatform, install_permissive_routes

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BOT_TOKEN = "1000:soak-token"
SECRET = "soak-secret"
SEND = r"/bot[^/]+/sendMessage"


class HeaderConnection(Connection):
    """`Connection` that sends extra request headers (the Telegram secret token)."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        super().__init__(host, port)
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())

    async def post_json(self, path: str, payload: dict[str, object]) -> tuple[int, bytes]:
        """POST a JSON body with the extra headers."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        body = json.dumps(payload, ensure_ascii=False).encode()
        head = (f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
                f"{self.extra}Content-Length: {len(body)}\r\n\r\n").encode()
        self.writer.write(head + body)
        await self.writer.drain()
        status_line, *header_lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = dict(line.lower().split(": ", 1) for line in header_lines if ": " in line)
        data = await self.reader.readexactly(int(headers.get("content-length", "0")))
        return int(status_line.split()[1]), data


@dataclass
class Deliveries:
    """Telegram updates sent in one run."""

    sent: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)


async def _webhook_client(conn: HeaderConnection, questions: list[Question], first_id: int, interval_s: float,
                          stop_at: float, out: Deliveries) -> None:
    update_id = first_id
    while time.perf_counter() < stop_at:
        q = questions[update_id % len(questions)]
        user = 1 + update_id % 500
        update = {"update_id": update_id, "message": {"message_id": update_id, "date": int(time.time()),
                  "chat": {"id": user, "type": "private"}, "from": {"id": user, "is_bot": False}, "text": q.text}}
        update_id += 1
        t0 = time.perf_counter()
        try:
            status, _ = await conn.post_json("/webhooks/telegram", update)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            out.errors[type(exc).__name__] = out.errors.get(type(exc).__name__, 0) + 1
            await conn.close()
            continue
        out.sent += 1
        if status != 200:
            out.errors[f"HTTP {status}"] = out.errors.get(f"HTTP {status}", 0) + 1
        else:
            out.latencies_ms.append((time.perf_counter() - t0) * 1000)
        await asyncio.sleep(max(0.0, interval_s - (time.perf_counter() - t0)))


async def one_run(url: str, questions: list[Question], clients: int, webhook_clients: int, interval_s: float,
                  seconds: float, first_update: int) -> tuple[Tally, Deliveries, float]:
    """Chat clients and webhook clients together for `seconds`."""
    parsed = httpx.URL(url)
    host, port = parsed.host, parsed.port or 80
    chats = [Connection(host, port) for _ in range(clients)]
    hooks = [HeaderConnection(host, port, {"X-Telegram-Bot-Api-Secret-Token": SECRET}) for _ in range(webhook_clients)]
    tally, deliveries = Tally(), Deliveries()
    t0 = time.perf_counter()
    stop_at = t0 + seconds
    try:
        await asyncio.gather(
            *(_client(c, questions, k, stop_at, tally) for k, c in enumerate(chats)),
            *(_webhook_client(h, questions, first_update + k * 1_000_000, interval_s, stop_at, deliveries)
              for k, h in enumerate(hooks)),
        )
    finally:
        for c in [*chats, *hooks]:
            await c.close()
    return tally, deliveries, time.perf_counter() - t0


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Resident set size of a process, in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))) / 1024


def main(argv: list[str] | None = None) -> None:
    """Print one line per run and a verdict; exit non-zero on any error."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--webhook-clients", type=int, default=4)
    parser.add_argument("--webhook-interval", type=float, default=0.1, help="Seconds between one client's deliveries.")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    args = parser.parse_args(argv if argv is not None else [])
    questions = load_questions(args.questions)
    platform = FakePlatform()
    install_permissive_routes(platform)
    platform.start()
    failed = False
    with tempfile.TemporaryDirectory(prefix="reportqa-soak-") as tmp:
        work = Path(tmp)
        index = work / "index"
        subprocess.run([str(BIN / "reportqa"), "index", "build", str(ROOT / "seeds"), "--index", str(index)],
                       check=True, capture_output=True, cwd=ROOT)
        port = _free_port()
        env = {**os.environ, "REPORTQA_STATE_DB": str(work / "state.sqlite3"),
               "REPORTQA_TELEGRAM_BOT_TOKEN": BOT_TOKEN, "REPORTQA_TELEGRAM_SECRET_TOKEN": SECRET,
               "REPORTQA_TELEGRAM_API_BASE": platform.base_url, "REPORTQA_WEBHOOK_RATE_LIMIT_PER_MINUTE": "100000"}
        proc = subprocess.Popen([str(BIN / "reportqa"), "serve", "--index", str(index), "--port", str(port)],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(url, proc)
            for q in questions:  # warm-up: every code path and the embedding cache once
                httpx.post(url + "/chat", json={"message": q.text}, timeout=60)
            print(f"server pid {proc.pid}: RSS after warm-up {rss_mb(proc.pid):.1f} MB")
            rss: list[float] = []
            for run in range(1, args.runs + 1):
                replies_before = len(platform.received(SEND))
                cpu_before = cpu_s(proc.pid)
                tally, hooks, wall = asyncio.run(one_run(
                    url, questions, args.clients, args.webhook_clients, args.webhook_interval, args.seconds,
                    first_update=run * 10_000_000))
                deadline = time.monotonic() + 60
                while len(platform.received(SEND)) - replies_before < hooks.sent and time.monotonic() < deadline:
                    time.sleep(0.2)
                replies = len(platform.received(SEND)) - replies_before
                served = len(tally.latencies_ms) + hooks.sent
                cpu_ms = (cpu_s(proc.pid) - cpu_before) * 1000 / max(1, served)
                time.sleep(2)
                rss.append(rss_mb(proc.pid))
                lat = tally.latencies_ms
                n_err = sum(tally.errors.values()) + sum(hooks.errors.values()) + abs(replies - hooks.sent)
                failed |= n_err > 0 or not lat
                print(
                    f"run {run}: /chat {len(lat)} requests in {wall:.0f} s = {len(lat) / wall:.0f} req/s, "
                    f"p50 {statistics.median(lat):.0f} ms, p99 {pct(lat, 99):.0f} ms; "
                    f"webhooks {hooks.sent} delivered ({hooks.sent / wall:.0f}/s), ack p50 "
                    f"{statistics.median(hooks.latencies_ms):.0f} ms p99 {pct(hooks.latencies_ms, 99):.0f} ms, "
                    f"{replies} replies; errors {n_err} {tally.errors or ''}{hooks.errors or ''}; "
                    f"server CPU {cpu_ms:.2f} ms per request; load average {os.getloadavg()[0]:.2f}; "
                    f"server RSS {rss[-1]:.1f} MB", flush=True)
            growth = rss[-1] - rss[0]
            print(f"RSS after runs: {', '.join(f'{r:.1f}' for r in rss)} MB; growth from run 1 to run {args.runs}: "
                  f"{growth:+.1f} MB ({growth / rss[0] * 100:+.1f} %)")
        finally:
            proc.terminate()
            proc.wait(15)
            platform.stop()
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
