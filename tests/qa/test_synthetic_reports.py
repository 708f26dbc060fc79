"""The scale benchmark's synthetic reports read like real ones: the parser finds their town and year."""

from __future__ import annotations

from pathlib import Path

from bench.generate_corpus import check_corpus, generate, write_corpus


def test_reports_are_deterministic_and_prefix_stable() -> None:
    small = [r.text for r in generate(6, seed=3)]
    large = [r.text for r in generate(12, seed=3)]
    assert small == large[:6]
    assert [r.text for r in generate(6, seed=4)] != small


def test_parser_reads_the_intended_town_and_year(tmp_path: Path) -> None:
    write_corpus(40, tmp_path)
    stats = check_corpus(tmp_path)
    assert stats["reports"] == 40 and stats["town_and_year_read"] == 1.0
    assert stats["passages_per_report"] > 30 and stats["claims_per_report"] > 5
    assert (tmp_path / "000" / "000039.txt").read_text(encoding="utf-8").count("一、") == 1
