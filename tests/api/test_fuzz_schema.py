"""Schemathesis against the app's own OpenAPI schema: every operation, no 5xx, every response as documented.

Bounded for CI (`REPORTQA_FUZZ_EXAMPLES` per operation, default 25); `python -m bench.fuzz_api` runs
thousands of cases against a live server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

from api.app import create_app
from tests.api.test_faults import copy_index
from tests.conftest import settings_for

schemathesis = pytest.importorskip("schemathesis", reason="pip install schemathesis (the test extra)")
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import positive_data_acceptance  # noqa: E402

FUZZ_EXAMPLES = int(os.environ.get("REPORTQA_FUZZ_EXAMPLES", "25"))
# Schema-valid requests the API refuses by design, each with a documented 4xx: a whitespace-only question,
# a history whose last message is not the user's, end < start, an upload that is not a report. OpenAPI
# cannot state these cross-field rules, so that one check is left out; every other check runs.
EXCLUDED_CHECKS = [positive_data_acceptance]


@pytest.fixture(scope="module")
def fuzz_app(seed_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """The app over a private copy of the seed index (uploads may change it), its lifespan running."""
    work = tmp_path_factory.mktemp("fuzz")
    index = copy_index(seed_index, work)
    s = settings_for(index, "hash", state_db=work / "state.sqlite3")
    app = create_app(s)
    with TestClient(app):
        yield app


@pytest.fixture(scope="module")
def api_schema(fuzz_app: FastAPI) -> Any:
    """The app's OpenAPI schema, called in-process."""
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)


def _operations() -> list[tuple[str, str]]:
    """(operation label, generation mode) pairs: every operation positive; negative where it takes input."""
    from qa.settings import Settings
    from tests.api.fakes import FakeEngine

    paths = create_app(Settings(), engine=FakeEngine()).openapi()["paths"]
    pairs = []
    for path, item in paths.items():
        for method, op in item.items():
            label = f"{method.upper()} {path}"
            pairs.append((label, "positive"))
            constrained = [p for p in op.get("parameters", []) if set(p.get("schema", {})) - {"type", "title"}]
            if "requestBody" in op and "webhooks" not in path or constrained:
                pairs.append((label, "negative"))
    return pairs


@pytest.mark.fuzz
@pytest.mark.parametrize(("label", "mode"), _operations())
def test_every_operation_conforms_to_its_schema(label: str, mode: str, api_schema: Any) -> None:
    operation = api_schema.find_operation_by_label(label)
    try:
        strategy = operation.as_strategy(generation_mode=GenerationMode(mode))
    except Exception as exc:  # nothing negative to generate for an operation without inputs
        pytest.skip(f"no {mode} cases for {label}: {exc}")

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(strategy)
    def run(case: Any) -> None:
        case.call_and_validate(excluded_checks=EXCLUDED_CHECKS)

    try:
        run()
    except Unsatisfiable:
        pytest.skip(f"no {mode} cases for {label}")
