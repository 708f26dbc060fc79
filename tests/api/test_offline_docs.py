"""/docs works with no internet: Swagger UI's script and stylesheet come from the app itself."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_docs_page_uses_only_local_assets(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert urls and all(u.startswith("/") for u in urls), urls
    for u in urls:
        r = client.get(u)
        assert r.status_code == 200 and len(r.content) > 500, u
    assert "/openapi.json" in page.text
    assert '"validatorUrl": null' in page.text


def test_redoc_is_off(client: TestClient) -> None:
    assert client.get("/redoc").status_code == 404
