"""One report in two formats, or with a title line added, is one document; different years stay apart."""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from embeddings.factory import make_embedder
from qa.corpus_index import CorpusIndex
from qa.engine import QAEngine
from qa.near_duplicates import Item, find_duplicates, format_of, params
from tests.conftest import ROOT, SEEDS, settings_for

LONGFENG = SEEDS / "004_8a58fc0ccff5796e.txt"
REAL = ROOT / "tests" / "data" / "eval" / "real" / "dev3"


def portal_page(text: str) -> str:
    """龙凤场镇's report as the county portal serves it, furniture and all."""
    lines = text.split("\n")
    title, body = lines[0], [ln for ln in lines[1:] if ln.strip() and "来源" not in ln]
    paras = "\n".join(f"<p>{html.escape(p)}</p>" for p in body)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_通江县人民政府</title></head><body>
<div class="topbar"><a href="#">无障碍</a>|<a href="#">简体</a>|<a href="#">繁体</a></div>
<div class="nav"><a href="/">首页</a><a href="/zwgk/">政务公开</a><a href="/bsfw/">办事服务</a><a href="/hdjl/">互动交流</a></div>
<div class="position">当前位置：首页 &gt; 政务公开 &gt; 法治政府建设</div>
<div class="article"><h1>{title}</h1>
<div class="info">来源：龙凤场镇人民政府　发布时间：2022-04-26 07:52　浏览次数：301</div>
<div class="TRS_Editor">{paras}</div></div>
<div class="footer">主办：通江县人民政府办公室　版权所有　蜀ICP备05005325号</div></body></html>"""


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    d = tmp_path / "corpus"
    shutil.copytree(SEEDS, d)
    (d / "longfengchang_portal.html").write_text(portal_page(LONGFENG.read_text(encoding="utf-8")), encoding="utf-8")
    return d


def test_the_portal_page_and_the_txt_are_one_document(corpus: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    r = CorpusIndex.build([corpus], idx, make_embedder("hash"))
    assert r.documents == 5
    assert [(d.dropped, d.kept, d.reason) for d in r.duplicates] == [
        ("004_8a58fc0ccff5796e.txt", "longfengchang_portal.html", "web page keeps more structure than plain text")
    ]
    assert r.duplicates[0].similarity > params().containment
    engine = QAEngine.load(settings_for(idx))
    (doc,) = engine.index.documents_by_town["龙凤场镇"]
    assert doc.source == "longfengchang_portal.html"
    a = engine.ask("龙凤场镇发放了多少份普法宣传资料?")
    assert a.towns == ("龙凤场镇",) and a.citations
    quotes = [c.quote for c in a.citations]
    assert len(quotes) == len(set(quotes))
    assert {c.doc_id for c in a.citations} == {doc.doc_id}
    assert any("发放普法宣传资料2000余份" in q for q in quotes)
    for c in a.citations:
        assert doc.text[c.start : c.end] == c.quote


def test_index_build_and_status_list_the_duplicate_and_why(corpus: Path, tmp_path: Path) -> None:
    env = {**os.environ, "REPORTQA_EMBEDDING_MODEL": "hash"}
    idx = tmp_path / "idx"
    build = subprocess.run([sys.executable, "-m", "qa", "index", "build", str(corpus), "--index", str(idx)],
                           capture_output=True, text=True, env=env, timeout=300)
    assert build.returncode == 0, build.stderr
    assert "1 duplicates" in build.stdout
    line = ("skipped 004_8a58fc0ccff5796e.txt: the same report as longfengchang_portal.html (similarity {s}); "
            "kept longfengchang_portal.html: web page keeps more structure than plain text")
    status = subprocess.run([sys.executable, "-m", "qa", "index", "status", "--index", str(idx)],
                            capture_output=True, text=True, env=env, timeout=300)
    assert status.returncode == 0, status.stderr
    dup = next(ln for ln in status.stdout.splitlines() if ln.startswith("  004_8a58fc0ccff5796e.txt: the same report"))
    similarity = dup.split("(similarity ")[1][:4]
    assert "warning: " + line.format(s=similarity) in build.stderr
    assert dup == "  " + line.format(s=similarity).removeprefix("skipped ")
    assert "duplicates: 1" in status.stdout


def test_a_docx_that_adds_a_title_line_is_the_same_report(tmp_path: Path) -> None:
    d = tmp_path / "corpus"
    d.mkdir()
    shutil.copy(LONGFENG, d / "longfengchang.txt")
    doc = docx.Document()
    doc.add_heading("通江县龙凤场镇人民政府关于2021年度法治政府建设工作情况的报告", level=1)
    for para in LONGFENG.read_text(encoding="utf-8").split("\n"):
        if para.strip():
            doc.add_paragraph(para)
    doc.save(str(d / "longfengchang.docx"))
    r = CorpusIndex.build([d], tmp_path / "idx", make_embedder("hash"))
    assert r.documents == 1
    assert [(x.dropped, x.kept, x.reason) for x in r.duplicates] == [
        ("longfengchang.txt", "longfengchang.docx", "Word (.docx) keeps more structure than plain text")
    ]


def test_two_years_of_one_town_stay_two_reports(tmp_path: Path) -> None:
    d = tmp_path / "corpus"
    d.mkdir()
    for name in ("g4_tanggu_2023", "g4_tanggu_2024"):
        (d / f"{name}.txt").write_text(json.loads((REAL / f"{name}.json").read_text(encoding="utf-8"))["text"], encoding="utf-8")
    r = CorpusIndex.build([d], tmp_path / "idx", make_embedder("hash"))
    assert (r.documents, r.duplicates) == (2, [])
    years = sorted(x.metadata.year or 0 for x in QAEngine.load(settings_for(tmp_path / "idx")).index.documents.values())
    assert years == [2023, 2024]


def test_an_excerpt_in_a_richer_format_never_replaces_the_whole_report() -> None:
    text = LONGFENG.read_text(encoding="utf-8")
    items = [Item("whole.txt", text, "utf-8"), Item("opening.docx", text[:900], "docx")]
    (dup,) = find_duplicates(items)
    assert (dup.dropped, dup.kept) == ("opening.docx", "whole.txt")


def test_format_ranks() -> None:
    assert [format_of(s, e) for s, e in (
        ("a.docx", "docx"), ("a.doc", "docx"), ("a.pdf", "pdf"), ("a.pdf", "pdf+ocr"), ("a.html", "html:utf-8"),
        ("a.txt", "utf-8"), ("scan.png", "ocr"),
    )] == ["docx", "docx", "pdf", "ocr", "html", "txt", "ocr"]


def test_a_template_reused_for_another_year_or_town_is_another_report() -> None:
    text = LONGFENG.read_text(encoding="utf-8")
    items = [
        Item("2021.txt", text, "utf-8", "龙凤场镇", 2021),
        Item("2022.txt", text.replace("2021年", "2022年"), "utf-8", "龙凤场镇", 2022),
        Item("other_town.txt", text.replace("龙凤场镇", "凤凰镇"), "utf-8", "凤凰镇", 2021),
        Item("copy.html", text, "html:utf-8", "龙凤场镇", 2021),
    ]
    assert [(d.dropped, d.kept) for d in find_duplicates(items)] == [("2021.txt", "copy.html")]


def test_a_streaming_build_finds_the_copy_in_another_shard(corpus: Path, tmp_path: Path) -> None:
    """Shards of one report: the parse pass keeps signatures only, and the dropped copy is skipped when writing."""
    r = CorpusIndex.build([corpus], tmp_path / "idx", make_embedder("hash"), shard_docs=1)
    assert r.documents == 5 and r.added == 5
    assert [(d.dropped, d.kept) for d in r.duplicates] == [("004_8a58fc0ccff5796e.txt", "longfengchang_portal.html")]
    sources = {d.source for d in CorpusIndex.load(tmp_path / "idx").documents.values()}
    assert "004_8a58fc0ccff5796e.txt" not in sources and "longfengchang_portal.html" in sources


def test_adding_a_richer_copy_in_place_replaces_the_stored_report(tmp_path: Path) -> None:
    from qa.index_update import StoredIndex

    idx = tmp_path / "idx"
    emb = make_embedder("hash")
    CorpusIndex.build([SEEDS], idx, emb)
    assert StoredIndex.open(idx, emb) is not None, "the add below is the in-place one"
    new = tmp_path / "new"
    new.mkdir()
    (new / "longfengchang_portal.html").write_text(portal_page(LONGFENG.read_text(encoding="utf-8")), encoding="utf-8")
    r = CorpusIndex.add([new], idx, emb)
    assert [(d.dropped, d.kept) for d in r.duplicates] == [("004_8a58fc0ccff5796e.txt", "longfengchang_portal.html")]
    assert r.kept == ["longfengchang_portal.html"]
    index = CorpusIndex.load(idx)
    assert len(index.documents) == 5
    assert {d.source for d in index.documents_by_town["龙凤场镇"]} == {"longfengchang_portal.html"}
    # a plain-text copy added afterwards is the one dropped, and not kept
    (new / "longfengchang_portal.html").unlink()
    shutil.copy(LONGFENG, new / "copy.txt")
    r = CorpusIndex.add([new], idx, emb)
    assert [(d.dropped, d.kept) for d in r.duplicates] == [("copy.txt", "longfengchang_portal.html")] and r.kept == []
    assert len(CorpusIndex.load(idx).documents) == 5
