"""The CLI as a user meets it: one-line errors, non-zero exits, the JSON contract."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SEEDS


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "REPORTQA_EMBEDDING_MODEL": "hash", **(env or {})}
    return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True, env=full, timeout=300)


@pytest.fixture(scope="module")
def mixed_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("corpus")
    for f in SEEDS.glob("*.txt"):
        (d / f.name).write_bytes(f.read_bytes())
    gbk = (SEEDS / "003_182556944e2e6830.txt").read_text(encoding="utf-8").replace("西仓镇", "东仓镇")
    (d / "gbk_report.txt").write_bytes(gbk.encode("gbk"))
    (d / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (d / "empty.txt").write_bytes(b"")
    (d / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0" + bytes(100))
    return d


def test_build_skips_bad_files_and_reports_gbk(mixed_corpus: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    r = run("index", "build", str(mixed_corpus), "--index", str(idx))
    assert r.returncode == 0, r.stderr
    assert "indexed 6 documents" in r.stdout
    assert "gbk_report.txt: decoded as gb18030" in r.stdout
    assert "image.txt" in r.stderr and "empty.txt" in r.stderr and "old.doc" in r.stderr
    has_soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert ("old.doc: LibreOffice could not convert it" if has_soffice else "apt-get install libreoffice-writer-nogui") in r.stderr
    out = run("ask", "东仓镇全年调处了多少起矛盾纠纷?", "--index", str(idx), "--json")
    a = json.loads(out.stdout)
    assert a["towns"] == ["东仓镇"]
    c = a["citations"][0]
    text = (mixed_corpus / c["source"]).read_bytes().decode("gbk")
    assert text[c["start"] : c["end"]] == c["quote"]


def test_ask_without_index_says_what_to_run(tmp_path: Path) -> None:
    r = run("ask", "和谦镇办理了多少件行政处罚案件?", "--index", str(tmp_path / "none"))
    assert r.returncode == 1
    assert r.stderr.strip().startswith("error:") and "reportqa index build" in r.stderr
    assert "Traceback" not in r.stderr


def test_bad_questions_are_one_line_errors(seed_index: Path) -> None:
    for q, needle in (("   ", "empty"), ("问" * 5000, "2000")):
        r = run("ask", q, "--index", str(seed_index))
        assert r.returncode == 1 and needle in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_mismatched_index_is_refused_with_the_fix(seed_index: Path) -> None:
    r = run("ask", "和谦镇办理了多少件行政处罚案件?", "--index", str(seed_index), env={"REPORTQA_EMBEDDING_MODEL": "hash-64"})
    assert r.returncode == 1
    assert "built with embedder 'hash-256'" in r.stderr and "reportqa index build" in r.stderr


def test_ask_json_is_the_answer_contract(seed_index: Path) -> None:
    r = run("ask", "和谦镇2025年办理了多少件行政处罚案件?", "--index", str(seed_index), "--json")
    a = json.loads(r.stdout)
    assert set(a) >= {"question", "answer", "kind", "towns", "citations", "conversation_id"}
    assert set(a["citations"][0]) >= {"n", "doc_id", "source", "town", "year", "title", "section", "quote", "start", "end"}


def test_chat_follow_up(seed_index: Path) -> None:
    p = subprocess.run(
        [sys.executable, "-m", "qa", "chat", "--index", str(seed_index)],
        input="和谦镇办理了多少件行政处罚案件?\n那西仓镇呢?\n",
        capture_output=True, text=True, timeout=300, env={**os.environ, "REPORTQA_EMBEDDING_MODEL": "hash"},
    )
    assert p.returncode == 0, p.stderr
    second = p.stdout.split("? ")[-2]
    assert "西仓镇" in second and "14起" in second


def test_build_if_stale_is_a_no_op_when_current(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    assert run("index", "build", str(SEEDS), "--index", str(idx)).returncode == 0
    r = run("index", "build", str(SEEDS), "--index", str(idx), "--if-stale")
    assert "up to date" in r.stdout


def test_index_status_shows_places_low_confidence_first_and_how_to_fix(tmp_path: Path) -> None:
    corpus = tmp_path / "reports"
    corpus.mkdir()
    for f in SEEDS.glob("*.txt"):
        (corpus / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    # A report whose town is not in the division list (莲塘镇 of 南昌县 is listed under another name today).
    idx = tmp_path / "index"
    assert run("index", "build", str(corpus), "--index", str(idx)).returncode == 0
    out = run("index", "status", "--index", str(idx)).stdout
    assert "built " in out and "embedder" in out
    assert "重庆市" in out and "开州区: 1 (2025)" in out
    rows = [line for line in out.splitlines() if " · " in line and ".txt" in line]
    assert len(rows) == 5
    assert rows[0].startswith("  LOW ") and "莲塘镇" in rows[0]  # low-confidence places first
    assert "500154114" in out  # 和谦镇's division code
    assert "reportqa.csv" in out and "reportqa index build" in out
    raw = json.loads(run("index", "status", "--index", str(idx), "--json").stdout)
    assert "files" in raw and "fingerprint" in raw


def test_review_grid_and_json(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    assert run("index", "build", str(SEEDS), "--index", str(idx)).returncode == 0
    r = run("review", "--index", str(idx))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "town\tyear\tmeasures\tshortcomings\tleader_duty\tplan\tother\tpublished"
    assert lines[4] == "西仓镇\t2025\t✓\t✓\t✓\t✓\t✗\t2025-12-09 ≤ 2026-04-01"
    assert lines[5] == "龙凤场镇\t2021\t✓\t✓\t✓\t✓\t✗\t2022-04-26 > 2022-04-01 (late)"
    j = json.loads(run("review", "--json", "--index", str(idx)).stdout)
    assert j["count"] == 5 and j["reviews"][3]["parts"]["plan"]["citation"]["quote"] == "四、下一年推进法治政府建设的主要安排"
    missing = run("review", "nope", "--index", str(idx))
    assert missing.returncode == 1
    assert missing.stderr.strip() == "error: no document 'nope'; GET /documents lists the ids"


def test_indicators_files_and_listing(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    assert run("index", "build", str(SEEDS), "--index", str(idx)).returncode == 0
    out_csv, out_xlsx = tmp_path / "i.csv", tmp_path / "i.xlsx"
    r = run("indicators", "--csv", str(out_csv), "--xlsx", str(out_xlsx), "--index", str(idx))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [f"wrote 5 reports to {out_csv}", f"wrote 5 reports to {out_xlsx}"]
    assert out_csv.read_bytes().startswith(b"\xef\xbb\xbf") and out_xlsx.read_bytes().startswith(b"PK")
    listing = run("indicators", "--index", str(idx)).stdout
    assert "  行政处罚案件数: 151件 “办理行政处罚案件151件” [1787:1799]" in listing.splitlines()
    bad = run("indicators", "--csv", str(tmp_path / "no" / "such" / "dir.csv"), "--index", str(idx))
    assert bad.returncode == 1
    assert bad.stderr.startswith("error: cannot write ") and "choose a writable path" in bad.stderr


def test_rendered_citation_names_the_page_of_a_scan() -> None:
    from qa.cli import render_answer
    from qa.types import Answer, Citation

    scan = Citation(1, "d1", "古龙镇.pdf", "古龙镇", 2024, None, None, "发放法治宣传资料400余份", 1500, 1512, page=2)
    text = Citation(2, "d2", "和谦镇.txt", "和谦镇", 2025, None, None, "办理行政处罚案件", 10, 18)
    out = render_answer(Answer("q", "古龙镇：400余份[1]", "fact", ("古龙镇",), (scan, text)))
    assert out.splitlines()[2:] == [
        "[1] 古龙镇 · 2024",
        "    古龙镇.pdf p.2 [1500:1512] “发放法治宣传资料400余份”",
        "[2] 和谦镇 · 2025",
        "    和谦镇.txt [10:18] “办理行政处罚案件”",
    ]
