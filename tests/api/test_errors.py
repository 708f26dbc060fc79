"""Every error has one shape and the right status; a traceback never reaches the client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from qa.settings import Settings
from tests.api.fakes import FakeEngine
from tests.conftest import settings_for


def assert_error(r: object, status: int, code: str, *needles: str) -> str:
    assert r.status_code == status, r.text  # type: ignore[attr-defined]
    assert r.headers["content-type"] == "application/json"  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    message: str = body["error"]["message"]
    for n in needles:
        assert n in message
    assert "Traceback" not in r.text  # type: ignore[attr-defined]
    return message


@pytest.mark.parametrize("message", ["", "   ", "\n\t "])
def test_empty_message_is_422(client: TestClient, message: str) -> None:
    assert_error(client.post("/chat", json={"message": message}), 422, "bad_question", "empty")


def test_too_long_message_is_413_naming_the_limit(client: TestClient) -> None:
    assert_error(client.post("/chat", json={"message": "法" * 2001}), 413, "question_too_long", "2,000")
    assert client.post("/chat", json={"message": "法治" * 1000}).status_code == 200


def test_malformed_json_is_400(client: TestClient) -> None:
    r = client.post("/chat", content=b'{"message": "hi"', headers={"Content-Type": "application/json"})
    assert_error(r, 400, "malformed_json", "not valid JSON")


def test_body_that_is_not_json_is_400(client: TestClient) -> None:
    r = client.post(
        "/chat", content=b"message=hi", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert_error(r, 400, "malformed_json", "Content-Type: application/json")


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({}, "message: Field required"),
        ({"message": 5}, "message"),
        ({"message": "q", "filters": {"year": "x"}}, "year"),
    ],
)
def test_invalid_fields_are_422(client: TestClient, body: dict[str, object], needle: str) -> None:
    assert_error(client.post("/chat", json=body), 422, "invalid_request", needle)


def test_body_size_is_capped(seed_engine: object, api_settings: Settings) -> None:
    settings = api_settings.model_copy(
        update={"api": api_settings.api.model_copy(update={"max_body_bytes": 2048})}
    )
    with TestClient(create_app(settings, engine=seed_engine)) as c:  # type: ignore[arg-type]
        big = {"message": "法" * 1500}
        assert_error(c.post("/chat", json=big), 413, "payload_too_large", "2,048-byte")

        def chunks() -> Iterator[bytes]:
            yield b'{"message": "'
            for _ in range(10):
                yield b"a" * 500
            yield b'"}'

        r = c.post("/chat", content=chunks(), headers={"Content-Type": "application/json"})
        assert_error(r, 413, "payload_too_large", "2,048-byte")


def test_unknown_route_and_method(client: TestClient) -> None:
    assert_error(client.get("/nope"), 404, "not_found")
    assert_error(client.get("/chat"), 405, "method_not_allowed")


def test_engine_crash_is_a_500_without_details(tmp_path: Path, seed_index: Path) -> None:
    settings = settings_for(seed_index, "hash", state_db=tmp_path / "s.sqlite3")
    with TestClient(create_app(settings, engine=FakeEngine()), raise_server_exceptions=False) as c:
        r = c.post("/chat", json={"message": "boom"})
        message = assert_error(r, 500, "internal_error")
        assert "secret internal detail" not in r.text and "RuntimeError" not in message


def test_missing_index_still_serves_and_says_what_to_run(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "no-index", "hash", state_db=tmp_path / "s.sqlite3")
    with TestClient(create_app(settings)) as c:
        assert c.get("/healthz").json() == {"status": "ok"}
        assert_error(
            c.post("/chat", json={"message": "和谦镇?"}), 503, "index_not_found", "reportqa index build"
        )
        assert_error(c.get("/documents"), 503, "index_not_found", "reportqa index build")
        r = c.get("/readyz")
        assert r.status_code == 503
        body = r.json()
        assert body["ready"] is False and body["status"] == "failed"
        assert body["error"]["code"] == "index_not_found"
        assert "reportqa index build" in body["error"]["message"]


def test_ready_after_background_load(seed_index: Path, tmp_path: Path) -> None:
    settings = settings_for(seed_index, "hash", state_db=tmp_path / "s.sqlite3")
    with TestClient(create_app(settings)) as c:
        assert c.post("/chat", json={"message": "和谦镇办理了多少件行政处罚案件?"}).json()["towns"] == [
            "和谦镇"
        ]
        r = c.get("/readyz")
        assert r.status_code == 200
        body = r.json()
        assert (body["ready"], body["documents"], body["embedder"]) == (True, 5, "hash-256")
        assert body["passages"] > 0
