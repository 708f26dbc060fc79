"""API fixtures: a TestClient over the seed engine, and a real uvicorn on a free loopback port."""

from __future__ import annotations

import socket
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
from tests.conftest import settings_for

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
