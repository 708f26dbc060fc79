"""API key, CORS and the access log."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from qa.engine import QAEngine
from qa.settings import ApiSettings, Settings

KEY = "s3cret-key"


def with_api(settings: Settings, **api: object) -> Settings:
    """A copy of `settings` with api fields replaced, validated like the environment would be."""
    return settings.model_copy(update={"api": ApiSettings(**{**settings.api.model_dump(), **api})})


@pytest.fixture
def keyed(seed_engine: QAEngine, api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(with_api(api_settings, api_key=KEY), engine=seed_engine)) as c:
        yield c


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/chat"),
        ("POST", "/chat/stream"),
        ("POST", "/v1/chat/completions"),
        ("GET", "/v1/models"),
        ("GET", "/documents"),
        ("GET", "/readyz"),
        ("GET", "/conversations/c_x"),
        ("GET", "/docs"),
        ("GET", "/openapi.json"),
        ("GET", "/"),
        ("GET", "/static/app.js"),
        ("GET", "/report/d1"),
    ],
)
def test_every_endpoint_but_healthz_needs_the_key(keyed: TestClient, method: str, path: str) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": KEY}):
        r = keyed.request(method, path, json={"message": "q"} if method == "POST" else None, headers=headers)
        assert r.status_code == 401
        assert r.headers["www-authenticate"] == "Bearer"
        assert r.json()["error"]["code"] == "unauthorized"
    r = keyed.request(
        method,
        path,
        json=({"messages": [{"role": "user", "content": "和谦镇?"}]} if path.startswith("/v1/") else {"message": "和谦镇?"})
        if method == "POST"
        else None,
        headers={"Authorization": f"Bearer {KEY}"},
    )
    assert r.status_code in (200, 404)
    assert r.status_code == 200 or path.startswith("/conversations/")


def test_healthz_is_open(keyed: TestClient) -> None:
    assert keyed.get("/healthz").json() == {"status": "ok"}


def test_public_page_opens_only_the_page(seed_engine: QAEngine, api_settings: Settings) -> None:
    settings = with_api(api_settings, api_key=KEY, public_page=True)
    with TestClient(create_app(settings, engine=seed_engine)) as c:
        assert c.get("/").status_code == 200
        assert c.get("/static/app.js").status_code == 200
        assert c.get("/report/d1?start=0&end=5").status_code == 200
        assert c.get("/documents").status_code == 401
        assert c.get("/documents/d1").status_code == 401


def test_cors_is_closed_by_default(client: TestClient) -> None:
    r = client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers
    r = client.options(
        "/chat", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in r.headers


def test_cors_allows_configured_origins(seed_engine: QAEngine, api_settings: Settings) -> None:
    settings = with_api(api_settings, cors_origins=["https://ui.example"], api_key=KEY)
    with TestClient(create_app(settings, engine=seed_engine)) as c:
        r = c.options(
            "/chat",
            headers={
                "Origin": "https://ui.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        assert r.status_code == 200
        assert r.headers["access-control-allow-origin"] == "https://ui.example"
        r = c.options(
            "/chat", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
        )
        assert r.status_code == 400
        assert "access-control-allow-origin" not in r.headers


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "reportqa.access"]


@pytest.mark.parametrize("log_questions", [False, True])
def test_access_log_has_latency_and_questions_only_when_configured(
    seed_engine: QAEngine, api_settings: Settings, caplog: pytest.LogCaptureFixture, log_questions: bool
) -> None:
    settings = with_api(api_settings, log_questions=log_questions)
    caplog.set_level(logging.INFO, logger="reportqa.access")
    logging.getLogger("reportqa.access").propagate = True
    with TestClient(create_app(settings, engine=seed_engine)) as c:
        c.post("/chat", json={"message": "和谦镇办理了多少件行政处罚案件?"})
        c.get("/healthz")
    chat, health = access_lines(caplog)[-2:]
    assert (chat["method"], chat["path"], chat["status"], chat["kind"]) == ("POST", "/chat", 200, "fact")
    assert isinstance(chat["ms"], float) and chat["ms"] > 0
    assert (health["path"], health["status"]) == ("/healthz", 200)
    if log_questions:
        assert chat["question"] == "和谦镇办理了多少件行政处罚案件?"
    else:
        assert "question" not in chat
        assert "和谦镇" not in json.dumps(chat, ensure_ascii=False)
