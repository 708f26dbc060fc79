"""The chat page in a real browser: Debian chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.api.conftest import CARD_QUESTION_EN, HEQIAN, XICANG, LiveServer

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium (make browser)"
    ),
]

if TYPE_CHECKING:
    from playwright.sync_api import Page

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the [test] extra")


@pytest.fixture(scope="module")
def page(live_server: LiveServer) -> Iterator[Page]:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        pg = context.new_page()
        outside: list[str] = []
        pg.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
        pg.goto(live_server.url + "/")
        yield pg
        assert outside == [], f"the page fetched outside the server: {outside}"
        browser.close()


def test_empty_page_lists_the_loaded_reports_and_example_questions(page: Page, live_server: LiveServer) -> None:
    welcome = page.locator(".msg.welcome")
    welcome.wait_for(timeout=10_000)
    text = welcome.inner_text()
    assert "5" in text and HEQIAN in text and "重庆市" in text
    assert page.locator(".msg.welcome button.example").count() >= 3
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon and page.request.get(live_server.url + icon).ok
    assert page.request.get(live_server.url + "/favicon.ico").ok


def test_card_question_with_citation_in_context(page: Page, tmp_path: Path) -> None:
    page.wait_for_function("document.querySelectorAll('#town option').length > 1")
    towns = page.locator("#town option").all_inner_texts()
    assert HEQIAN in towns and XICANG in towns
    assert page.locator("#year option").count() > 1

    page.fill("#message", CARD_QUESTION_EN)
    page.click("#send")
    answer = page.locator(".msg.bot[data-kind]").last
    answer.wait_for(timeout=20_000)
    text = answer.inner_text()
    assert HEQIAN in text and XICANG in text
    assert answer.locator("svg.chart").count() == 0 or answer.locator("svg.chart rect").count() >= 2

    first_quote = answer.locator("ol.citations li").first.locator("q").inner_text()
    answer.locator(".text a.cite[data-n='1']").first.click()
    mark = page.locator("#source-body mark.quote")
    mark.wait_for(timeout=10_000)
    assert mark.inner_text() == first_quote
    meta = page.locator("#source-body .source-meta").inner_text()
    assert "[1]" in meta and (HEQIAN in meta or XICANG in meta)
    paragraph = page.locator("#source-body .paragraph").inner_text()
    assert first_quote in paragraph

    shot = tmp_path / "chat.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    if target := os.environ.get("REPORTQA_SCREENSHOT"):
        shutil.copyfile(shot, ROOT / target)


def test_a_citation_opens_the_whole_report_at_the_quote(page: Page, live_server: LiveServer) -> None:
    answer = page.locator(".msg.bot[data-kind]").first
    answer.wait_for(timeout=20_000)
    item = answer.locator("ol.citations li").first
    quote = item.locator("q").inner_text()
    with page.expect_popup() as popup:
        item.locator("a.whole").click()
    report = popup.value
    try:
        mark = report.locator("#report-text mark.quote")
        mark.wait_for(timeout=10_000)
        assert mark.inner_text() == quote
        assert report.evaluate("getComputedStyle(document.querySelector('mark.quote')).backgroundColor") == (
            "rgb(255, 229, 138)"
        )
        box, viewport = mark.bounding_box(), report.viewport_size
        assert box is not None and viewport is not None
        assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], box  # scrolled into view
        assert report.evaluate("window.scrollY") > 0  # the quote is far down its report: it was scrolled to
        if target := os.environ.get("REPORTQA_REPORT_SCREENSHOT"):
            report.screenshot(path=target)
        doc_id = report.url.split("/report/", 1)[1].split("?", 1)[0]
        doc = report.request.get(f"{live_server.url}/documents/{doc_id}").json()
        text = report.evaluate("document.getElementById('report-text').textContent")
        assert text == doc["text"]  # the whole report, not the paragraph
        start = report.evaluate("document.getElementById('report-text').firstChild.textContent.length")
        assert doc["text"][start : start + len(quote)] == quote
        assert doc["metadata"]["town"] in report.locator("#report-meta").inner_text()
        assert report.locator("#error").is_hidden()

        report.goto(f"{live_server.url}/report/{doc_id}?start=999999&end=1000000")
        report.locator("#error").wait_for(state="visible", timeout=10_000)
        assert "not in this report" in report.locator("#error").inner_text()
        assert report.evaluate("document.getElementById('report-text').textContent") == doc["text"]

        report.goto(f"{live_server.url}/report/no-such-report?start=0&end=5")
        report.locator("#error").wait_for(state="visible", timeout=10_000)
        assert "ask the question again" in report.locator("#error").inner_text()
    finally:
        report.close()


def test_compare_answer_draws_a_bar_chart(page: Page) -> None:
    page.fill("#message", "哪个镇发放的普法宣传资料最多?")
    page.click("#send")
    answer = page.locator(".msg.bot[data-kind]").nth(1)
    answer.wait_for(timeout=20_000)
    chart = answer.locator("svg.chart")
    assert chart.locator("rect").count() == 3
    labels = chart.locator("text").all_text_contents()
    assert "龙凤场镇" in labels and "2000份" in labels


def test_table_answer_draws_a_table_a_chart_and_offers_csv(page: Page) -> None:
    page.fill("#message", "各镇分别发放了多少份普法资料?")
    page.click("#send")
    answer = page.locator(".msg.bot[data-kind='table']").last
    answer.wait_for(timeout=20_000)
    rows = answer.locator("table.values tr")
    assert rows.count() == 4  # a header and three towns
    assert "龙凤场镇" in answer.locator("table.values").inner_text()
    assert answer.locator("svg.chart rect").count() == 3
    assert "表格" in answer.locator(".meta").inner_text()
    link = answer.locator("a.csv")
    with page.expect_download() as info:
        link.click()
    csv = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert csv.splitlines()[0] == "town,value,unit,quote,source,start,end" and "龙凤场镇,2000" in csv


def test_the_newest_answer_is_scrolled_into_view(page: Page) -> None:
    for q in ("和谦镇办理了多少件行政处罚案件?", "那西仓镇呢?", "哪个镇发放的普法宣传资料最多?"):
        page.fill("#message", q)
        page.click("#send")
        page.wait_for_function("!document.getElementById('send').disabled", timeout=20_000)
    last = page.locator(".msg.bot[data-kind]").last
    box = last.bounding_box()
    viewport = page.viewport_size
    assert box is not None and viewport is not None
    assert 0 <= box["y"] < viewport["height"], box  # the newest answer starts on screen


def test_error_is_shown_plainly(page: Page) -> None:
    page.fill("#message", "法" * 2001)
    page.evaluate("document.getElementById('message').removeAttribute('maxlength')")
    page.fill("#message", "法" * 2001)
    page.click("#send")
    error = page.locator("#error")
    error.wait_for(state="visible", timeout=10_000)
    ebox = error.bounding_box()
    assert ebox is not None and 0 <= ebox["y"] < (page.viewport_size or {"height": 900})["height"]
    assert "2,000" in error.inner_text() and "question_too_long" in error.inner_text()


def test_review_tab_grid_with_citations_on_click(page: Page) -> None:
    page.click("#tabs [data-tab='review']")
    grid = page.locator("table.review-grid")
    grid.wait_for(timeout=10_000)
    assert page.locator("#chat").is_hidden()
    assert grid.locator("tr").count() == 6  # a header and five reports
    xicang = grid.locator("tr", has_text=XICANG)
    assert xicang.locator("button.mark").all_inner_texts() == ["✓", "✓", "✓", "✓", "✗"]
    assert "按时" in xicang.locator("td.timeliness").inner_text()
    assert "逾期" in grid.locator("tr", has_text="龙凤场镇").locator("td.timeliness").inner_text()
    xicang.locator("button.mark[data-part='shortcomings']").click()
    page.wait_for_function(
        "document.querySelector('#source-body mark.quote')?.textContent === '二、推进法治政府建设存在的不足和原因'",
        timeout=10_000)
    xicang.locator("button.mark[data-part='other']").click()
    assert page.locator("#source-body p.reason").inner_text() == (
        f"{XICANG} · other: none of its 15 headings names it, and no passage is dedicated to 其他需要报告的情况 (other)")


def test_indicators_tab_sorts_charts_cites_and_downloads(page: Page, live_server: LiveServer) -> None:
    page.click("#tabs [data-tab='indicators']")
    table = page.locator("table.indicator-table")
    table.wait_for(timeout=10_000)
    assert page.locator("#review-view").is_hidden()
    assert table.locator("tr").count() == 6
    header = table.locator("th[data-key='publicity_materials']")
    header.click()
    table = page.locator("table.indicator-table")
    towns = [t.split("\t")[0] for t in table.locator("tr").all_inner_texts()[1:]]
    assert towns[:3] == ["龙凤场镇", "西仓镇", "古龙镇"]  # descending; reports without the figure last
    table.locator("th[data-key='publicity_materials']").click()
    towns = [t.split("\t")[0] for t in page.locator("table.indicator-table tr").all_inner_texts()[1:]]
    assert towns[:3] == ["古龙镇", "西仓镇", "龙凤场镇"]
    chart = page.locator("svg.indicator-chart[data-key='publicity_materials']")
    assert chart.locator("rect").count() == 3
    assert "2000份" in chart.locator("text").all_text_contents()
    page.locator("table.indicator-table tr", has_text=HEQIAN).locator("td[data-key='penalty_cases'] a").click()
    page.wait_for_function(
        "document.querySelector('#source-body mark.quote')?.textContent === '办理行政处罚案件151件'", timeout=10_000)
    with page.expect_download() as info:
        page.click("#download-csv")
    got = Path(info.value.path()).read_bytes()
    assert got == page.request.get(live_server.url + "/indicators.csv").body()
def test_docs_render_with_nothing_from_another_host(page: Page, live_server: LiveServer) -> None:
    docs = page.context.new_page()
    loaded: list[tuple[str, str]] = []
    docs.on("request", lambda r: loaded.append((r.resource_type, r.url)))
    try:
        docs.goto(live_server.url + "/docs")
        docs.locator(".opblock-summary-path[data-path='/chat']").first.wait_for(timeout=20_000)
        kinds = {kind for kind, _ in loaded}
        assert {"script", "stylesheet"} <= kinds, loaded
        assert [url for _, url in loaded if not url.startswith(live_server.url + "/")] == []
    finally:
        docs.close()
