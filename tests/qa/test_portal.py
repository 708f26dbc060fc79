"""`reportqa index add URL`: report pages and their attachments from a portal on a loopback server, and the
addresses that give no report (timeout, 404, a page that is not a report, a redirect loop, a size cap)."""

from __future__ import annotations

import contextlib
import html
import io
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import docx
import pytest

from embeddings.factory import make_embedder
from qa.corpus_index import CorpusIndex
from qa.engine import QAEngine
from qa.kept_reports import KeptReports
from qa.portal import attachment_links, fetch_all
from qa.settings import FetchSettings
from tests.conftest import SEEDS, settings_for

LONGFENG = SEEDS / "004_8a58fc0ccff5796e.txt"
HEQIAN = SEEDS / "000_fc6b19c338c3d419.txt"


def _docx(text: str) -> bytes:
    d = docx.Document()
    d.add_heading(text.split("\n")[0], level=1)
    for p in text.split("\n")[1:]:
        if p.strip():
            d.add_paragraph(p)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _page(title: str, body: str) -> bytes:
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_县人民政府</title></head><body>
<div class="topbar">无障碍 | 简体 | 繁体</div><div class="nav"><a href="/">首页</a><a href="/zwgk/">政务公开</a></div>
<div class="article"><h1>{title}</h1><div class="info">来源：县司法局 发布时间：2022-04-26</div>
<div class="TRS_Editor">{body}</div></div><div class="footer">版权所有 蜀ICP备05005325号</div></body></html>""".encode()


NOTICE = _page(
    "龙凤场镇2021年度法治政府建设工作情况报告",
    '<p>现将报告全文公布如下。</p><p>附件：<a href="/files/longfengchang_2021.docx">龙凤场镇2021年度法治政府建设工作情况报告.docx</a></p>'
    '<p><a href="/zwgk/index.html">返回列表</a></p>',
)
HEQIAN_PAGE = _page(
    "和谦镇2025年法治政府建设工作情况报告",
    "".join(f"<p>{html.escape(p)}</p>" for p in HEQIAN.read_text(encoding="utf-8").split("\n") if p.strip()),
)
NEWS_LIST = _page("通知公告", '<ul><li><a href="/a.html">关于开展春季植树活动的通知</a></li><li><a href="/b.html">停水通知</a></li></ul>')


class Portal(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, str, bytes]] = {
        "/zwgk/t20220426_1.html": (200, "text/html; charset=utf-8", NOTICE),
        "/files/longfengchang_2021.docx": (200, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", _docx(LONGFENG.read_text(encoding="utf-8"))),
        "/zwgk/heqian_2025.html": (200, "text/html; charset=utf-8", HEQIAN_PAGE),
        "/tzgg/index.html": (200, "text/html; charset=utf-8", NEWS_LIST),
        "/big.pdf": (200, "application/pdf", b"%PDF-1.4\n" + bytes(20_000)),
    }

    def do_GET(self) -> None:  # noqa: N802  (the http.server name)
        if self.path == "/slow.html":
            time.sleep(3)
        if self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
            return
        status, ctype, body = self.routes.get(self.path, (404, "text/html; charset=utf-8", b"<html><body>404</body></html>"))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (the timeout case)
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def portal() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Portal)
    server.daemon_threads = True
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_index_add_urls_fetches_pages_and_attachments_and_skips_the_rest(portal: str, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    (corpus / LONGFENG.name).unlink()
    (corpus / HEQIAN.name).unlink()
    idx = tmp_path / "idx"
    CorpusIndex.build([corpus], idx, make_embedder("hash"))
    notice, attachment = f"{portal}/zwgk/t20220426_1.html", f"{portal}/files/longfengchang_2021.docx"
    page = f"{portal}/zwgk/heqian_2025.html"
    listed = tmp_path / "urls.txt"
    listed.write_text(f"# more reports\n{page}\n\n{portal}/tzgg/index.html\n{portal}/loop\n", encoding="utf-8")
    env = {**os.environ, "REPORTQA_EMBEDDING_MODEL": "hash", "REPORTQA_FETCH_TIMEOUT_S": "1"}
    r = subprocess.run(
        [sys.executable, "-m", "qa", "index", "add", notice, f"{portal}/slow.html", f"{portal}/missing.html",
         "--urls", str(listed), "--index", str(idx)],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert f"downloaded {attachment} (linked from {notice}) → 127.0.0.1/longfengchang_2021.docx" in r.stdout
    assert f"downloaded {page} → 127.0.0.1/heqian_2025.html" in r.stdout
    assert "indexed 5 documents" in r.stdout and "2 added" in r.stdout and "2 uploaded reports kept" in r.stdout
    assert "4 of 6 addresses skipped (reasons above)" in r.stdout
    warnings = [ln for ln in r.stderr.splitlines() if ln.startswith("warning: skipped")]
    assert warnings == [
        f"warning: skipped {portal}/slow.html: no answer within 1 s (ReadTimeout); try again later or raise REPORTQA_FETCH_TIMEOUT_S",
        f"warning: skipped {portal}/missing.html: the server answered HTTP 404 Not Found; check the address",
        f"warning: skipped {portal}/tzgg/index.html: the page is not a report (23 characters of text, no mention of 法治) "
        "and links to no .pdf/.doc/.docx attachment; give the address of the report itself",
        f"warning: skipped {portal}/loop: more than 5 redirects; give the final address",
    ]

    engine = QAEngine.load(settings_for(idx))
    docs = {d["source"]: d for d in engine.documents()}
    assert (docs["127.0.0.1/longfengchang_2021.docx"]["town"], docs["127.0.0.1/longfengchang_2021.docx"]["source_url"]) == ("龙凤场镇", attachment)
    assert (docs["127.0.0.1/heqian_2025.html"]["town"], docs["127.0.0.1/heqian_2025.html"]["source_url"]) == ("和谦镇", page)
    a = engine.ask("龙凤场镇发放了多少份普法宣传资料?")
    assert a.citations and {c.source_url for c in a.citations} == {attachment}
    c = a.citations[0]
    assert engine.passage(c.doc_id, c.start, c.end)["source_url"] == attachment
    assert {k.source: k.source_url for k in KeptReports(idx).entries()} == {
        "127.0.0.1/longfengchang_2021.docx": attachment, "127.0.0.1/heqian_2025.html": page,
    }
    CorpusIndex.build([corpus], idx, make_embedder("hash"))  # a rebuild keeps them, with their addresses
    docs = {d["source"]: d for d in QAEngine.load(settings_for(idx)).documents()}
    assert docs["127.0.0.1/longfengchang_2021.docx"]["source_url"] == attachment


def test_size_cap_and_bad_addresses(portal: str, tmp_path: Path) -> None:
    fetched, skipped = fetch_all(
        [f"{portal}/big.pdf", "ftp://example.org/r.pdf", f"{portal}/zwgk/heqian_2025.html"],
        FetchSettings(max_bytes=10_000, timeout_s=5), tmp_path,
    )
    assert [f.source for f in fetched] == ["127.0.0.1/heqian_2025.html"]
    assert skipped == [
        (f"{portal}/big.pdf", f"{portal}/big.pdf: 20009 bytes is over the 10000-byte limit (REPORTQA_FETCH_MAX_BYTES)"),
        ("ftp://example.org/r.pdf", "ftp://example.org/r.pdf: not an http(s) address"),
    ]


def test_attachment_links_resolve_against_the_page() -> None:
    page = '<a href="../files/a.PDF">附件1</a> <a href="/x.html">x</a> <a href=\'b.doc\'>附件2</a> <a href="../files/a.PDF">again</a>'
    assert attachment_links(page, "http://gov.cn/zwgk/list/p.html") == [
        "http://gov.cn/zwgk/files/a.PDF", "http://gov.cn/zwgk/list/b.doc",
    ]
