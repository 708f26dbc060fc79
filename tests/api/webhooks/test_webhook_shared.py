"""What every platform shares: disabled routes, chat formatting, dedup store, rate limiter, outbound retries."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.webhooks.chat_format import (
    PLAIN,
    DingTalkMarkdown,
    TelegramHTML,
    format_answer,
    shorten,
    split_message,
    utf8_bytes,
)
from api.webhooks.dedup import DeliveryLog
from api.webhooks.outbound import CachedToken, DeliveryFailed, OutboundClient, redact_secrets
from api.webhooks.ratelimit import PerUserRateLimiter
from qa.settings import Settings
from qa.types import Answer, Citation
from tests.api.fakes import FakeEngine
from tests.api.webhooks.conftest import TELEGRAM_TOKEN

ROUTES = [
    ("post", "/webhooks/telegram"),
    ("post", "/webhooks/feishu"),
    ("post", "/webhooks/dingtalk"),
    ("get", "/webhooks/wecom"),
    ("post", "/webhooks/wecom"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_a_platform_without_its_secrets_is_not_found(method: str, path: str, api_settings: Settings) -> None:
    with TestClient(create_app(api_settings, engine=FakeEngine())) as client:
        response = client.request(method.upper(), path, json={})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def quote_citation(n: int, quote: str, **fields: object) -> Citation:
    values: dict[str, object] = {
        "n": n,
        "doc_id": "d",
        "source": "a.txt",
        "town": "和谦镇",
        "year": 2021,
        "title": None,
        "section": "一、工作开展情况 > (四)突出法治赋能 > 三是执法能力提质增效",
        "quote": quote,
        "start": 0,
        "end": len(quote),
        **fields,
    }
    return Citation(**values)  # type: ignore[arg-type]


def test_answer_first_then_numbered_sources_with_shortened_quotes() -> None:
    long_quote = "全年开展行政检查107次，" * 12
    answer = Answer(
        question="和谦镇开展了多少次行政检查?",
        answer="和谦镇“全年开展行政检查107次”[1]。",
        kind="fact",
        towns=("和谦镇",),
        citations=(quote_citation(1, long_quote), quote_citation(2, "短句。", town=None, year=None, section=None)),
    )
    blocks = format_answer(answer, PLAIN, limit=4096)
    assert blocks[0] == "和谦镇“全年开展行政检查107次”[1]。"
    assert blocks[1] == "来源"
    assert blocks[2] == f"[1] 和谦镇 · 2021年 · 三是执法能力提质增效\n“{shorten(long_quote, 80)}”"
    assert blocks[2].endswith("…”") and len(shorten(long_quote, 80)) == 80
    assert blocks[3] == "[2] a.txt\n“短句。”"


def test_english_questions_get_english_framing_and_markup_is_escaped() -> None:
    answer = Answer(
        question="Which towns?",
        answer="Heqian <b> & co [1]",
        kind="fact",
        towns=("和谦镇",),
        citations=(quote_citation(1, "a<b>&c*d_e"),),
    )
    html_blocks = format_answer(answer, TelegramHTML(), limit=4096)
    assert html_blocks[:2] == ["Heqian &lt;b&gt; &amp; co [1]", "<b>Sources</b>"]
    assert html_blocks[2] == "[1] <b>和谦镇 · 2021 · 三是执法能力提质增效</b>\n<i>“a&lt;b&gt;&amp;c*d_e”</i>"
    markdown_blocks = format_answer(answer, DingTalkMarkdown(), limit=4096)
    assert markdown_blocks[2] == "[1] **和谦镇 · 2021 · 三是执法能力提质增效**  \n“a<b>&c\\*d\\_e”"


def test_related_passages_are_offered_only_without_citations() -> None:
    answer = Answer(
        question="大兴镇?",
        answer="报告中没有大兴镇。",
        kind="not_found",
        towns=(),
        citations=(),
        related=(quote_citation(1, "相关句子。"),),
    )
    assert format_answer(answer, PLAIN, limit=100)[1] == "相关段落"


def test_split_message_packs_blocks_and_measures_bytes() -> None:
    blocks = ["a" * 10, "b" * 10, "镇" * 5]
    assert split_message(blocks, 22, separator="\n\n") == ["a" * 10 + "\n\n" + "b" * 10, "镇" * 5]
    assert split_message(blocks, 20, separator="\n\n", measure=utf8_bytes) == ["a" * 10, "b" * 10, "镇" * 5]
    long_answer = Answer("q", "镇" * 1000, "fact", (), ())
    pieces = format_answer(long_answer, PLAIN, limit=2048, measure=utf8_bytes)
    assert [len(p) for p in pieces] == [682, 318]


def test_delivery_log_claims_once_and_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    log = DeliveryLog(path)
    assert log.claim("telegram", "1") is True
    assert log.claim("telegram", "1") is False
    assert log.claim("feishu", "1") is True
    log.close()
    reopened = DeliveryLog(path)
    assert reopened.claim("telegram", "1") is False
    reopened.close()


def test_delivery_log_forgets_after_the_retention(tmp_path: Path) -> None:
    now = [1000.0]
    log = DeliveryLog(tmp_path / "s.db", retention_s=60, clock=lambda: now[0])
    assert log.claim("wecom", "m1")
    now[0] += 3600
    assert log.claim("wecom", "m2")
    assert log.claim("wecom", "m1")
    log.close()


def test_rate_limiter_slides_per_user() -> None:
    now = [0.0]
    limiter = PerUserRateLimiter(2, clock=lambda: now[0])
    assert limiter.try_acquire("u") == 0.0
    now[0] = 10.0
    assert limiter.try_acquire("u") == 0.0
    assert limiter.try_acquire("u") == pytest.approx(50.0)
    assert limiter.try_acquire("v") == 0.0
    now[0] = 60.0
    assert limiter.try_acquire("u") == 0.0


def test_secrets_are_redacted_from_urls() -> None:
    url = f"https://api.telegram.org/bot{TELEGRAM_TOKEN}/sendMessage"
    assert redact_secrets(url) == "https://api.telegram.org/bot<redacted>/sendMessage"
    assert (
        redact_secrets("GET https://q/cgi-bin/gettoken?corpid=ww1&corpsecret=S3&x=1 access_token=T")
        == "GET https://q/cgi-bin/gettoken?corpid=ww1&corpsecret=<redacted>&x=1 access_token=<redacted>"
    )


def scripted(*responses: httpx.Response | Exception) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return httpx.MockTransport(handle), seen


def run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


def test_outbound_retries_429_and_network_errors_then_succeeds() -> None:
    transport, seen = scripted(
        httpx.Response(429, headers={"Retry-After": "0"}, json={"ok": False}),
        httpx.ConnectError("refused"),
        httpx.Response(200, json={"ok": True}),
    )

    async def call() -> dict[str, object]:
        client = OutboundClient(timeout_s=1, retries=3, backoff_s=0.001, transport=transport)
        try:
            return await client.request_json("telegram", "POST", "http://platform.test/x", json={"a": 1})
        finally:
            await client.aclose()

    assert run(call()) == {"ok": True}
    assert len(seen) == 3


def test_outbound_does_not_retry_other_client_errors_and_keeps_the_platform_error() -> None:
    transport, seen = scripted(httpx.Response(400, json={"ok": False, "error_code": 400, "description": "chat not found"}))

    async def call() -> None:
        client = OutboundClient(timeout_s=1, retries=3, backoff_s=0.001, transport=transport)
        try:
            await client.request_json("telegram", "POST", "http://platform.test/x")
        finally:
            await client.aclose()

    with pytest.raises(DeliveryFailed) as failure:
        run(call())
    assert failure.value.detail == "HTTP 400: 400 chat not found"
    assert len(seen) == 1


def test_cached_token_is_fetched_once_and_again_when_rejected() -> None:
    fetched: list[str] = []

    async def fetch() -> tuple[str, float]:
        fetched.append(f"t{len(fetched) + 1}")
        return fetched[-1], 7200.0

    async def scenario() -> list[str]:
        token = CachedToken(fetch)
        first = await token.get()
        again = await token.get()
        token.invalidate(first)
        return [first, again, await token.get()]

    assert run(scenario()) == ["t1", "t1", "t2"]


def test_httpx_request_logs_do_not_carry_the_bot_token(caplog: pytest.LogCaptureFixture) -> None:
    transport, _ = scripted(httpx.Response(200, json={"ok": True}))

    async def call() -> None:
        client = OutboundClient(timeout_s=1, retries=0, backoff_s=0, transport=transport)
        try:
            await client.request_json("telegram", "POST", f"http://platform.test/bot{TELEGRAM_TOKEN}/sendMessage")
        finally:
            await client.aclose()

    with caplog.at_level(logging.DEBUG, logger="httpx"):
        run(call())
    assert "bot<redacted>/sendMessage" in caplog.text
    assert TELEGRAM_TOKEN.split(":")[1] not in caplog.text


def test_a_scan_citation_names_its_page() -> None:
    answer = Answer(
        question="古龙镇发放了多少份法治宣传资料?",
        answer="古龙镇“发放法治宣传资料400余份”[1]。",
        kind="fact",
        towns=("古龙镇",),
        citations=(quote_citation(1, "发放法治宣传资料400余份。", town="古龙镇", year=2024, section=None, page=2),),
    )
    assert format_answer(answer, PLAIN, limit=4096)[2] == "[1] 古龙镇 · 2024年 · 第2页\n“发放法治宣传资料400余份。”"
