"""The page's source panel links a downloaded report's portal address (`reportqa index add URL`)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.app import create_app
from embeddings.factory import make_embedder
from qa.corpus_index import CorpusIndex
from tests.api.conftest import LiveServer, run_live
from tests.conftest import SEEDS, settings_for

CHROMIUM = Path("/usr/bin/chromium")
EXTRA = Path(__file__).resolve().parents[1] / "qa" / "data" / "daping_yao_2022.txt"
PORTAL_URL = "http://www.example.gov.cn/zwgk/t20230301_88.html"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium (make browser)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the [test] extra")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    work = tmp_path_factory.mktemp("source-url")
    idx = work / "index"
    CorpusIndex.build([SEEDS], idx, make_embedder("hash"))
    shutil.copy(EXTRA, work / "daping.txt")
    CorpusIndex.add([work / "daping.txt"], idx, make_embedder("hash"), source_urls={"daping.txt": PORTAL_URL})
    yield from run_live(create_app(settings_for(idx, "hash", state_db=work / "state.sqlite3")))


def test_the_source_panel_links_the_portal_address(served: LiveServer) -> None:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        outside: list[str] = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(served.url) else None)
        page.goto(served.url + "/")
        page.fill("#message", "大坪瑶族乡调处成功了多少件纠纷?")
        page.click("#send")
        answer = page.locator(".msg.bot[data-kind]").last
        answer.wait_for(timeout=20_000)
        answer.locator(".text a.cite[data-n='1']").first.click()
        link = page.locator("#source-body a.source-url")
        link.wait_for(timeout=10_000)
        assert (link.get_attribute("href"), link.inner_text()) == (PORTAL_URL, PORTAL_URL)
        assert link.get_attribute("rel") == "noopener noreferrer"
        browser.close()
    assert outside == []
