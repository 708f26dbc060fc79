"""REPORTQA_INDEX_KIND reaches the built index, and answers hold on an approximate index."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from embeddings.store import read_manifest
from qa.cli import app
from qa.engine import QAEngine
from tests.conftest import SEEDS, settings_for


def test_cli_builds_the_configured_kind_and_the_card_example_still_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "index"
    monkeypatch.setenv("REPORTQA_INDEX_KIND", "hnsw-sq8")
    monkeypatch.setenv("REPORTQA_EMBEDDING_MODEL", "hash")
    result = CliRunner().invoke(app, ["index", "build", str(SEEDS), "--index", str(index)])
    assert result.exit_code == 0, result.output
    manifest = read_manifest(index)
    assert manifest is not None and manifest.extra["index_kind"] == "hnsw-sq8"
    engine = QAEngine.load(settings_for(index, "hash"))
    assert engine.index.vectors.kind == "hnsw-sq8"
    a = engine.ask("哪些镇的行政执法合规率达到100%?")
    assert set(a.towns) == {"和谦镇", "西仓镇"}
    a = engine.ask("和谦镇2025年办理了多少件行政处罚案件?")
    assert a.kind == "fact" and "151件" in a.citations[0].quote


def test_a_bad_kind_is_refused_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from qa.settings import Settings

    monkeypatch.setenv("REPORTQA_INDEX_KIND", "ivf-pq")
    with pytest.raises(ValidationError, match="ivf-sq8"):
        Settings()
