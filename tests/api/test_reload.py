"""Hot reload: a new index version is picked up with no failed request; uploads ingest and reload."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from embeddings.factory import make_embedder
from qa.corpus_index import CorpusIndex
from tests.api.conftest import run_live
from tests.conftest import SEEDS, settings_for

EXTRA = Path(__file__).resolve().parents[1] / "qa" / "data" / "daping_yao_2022.txt"


@pytest.fixture()
def own_index(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    idx = tmp_path / "idx"
    CorpusIndex.build([corpus], idx, make_embedder("hash"))
    return idx


def _settings(idx: Path, tmp_path: Path, interval: float = 0.1):  # type: ignore[no-untyped-def]
    s = settings_for(idx, "hash", state_db=tmp_path / "state.sqlite3")
    return s.model_copy(update={"index": s.index.model_copy(update={"reload_interval_s": interval})})


def test_hot_reload_under_continuous_requests(own_index: Path, tmp_path: Path) -> None:
    app = create_app(_settings(own_index, tmp_path))
    server = run_live(app)
    live = next(server)
    failures: list[str] = []
    answered = [0]
    stop = threading.Event()

    def hammer() -> None:
        with httpx.Client(base_url=live.url, timeout=30) as c:
            while not stop.is_set():
                r = c.post("/chat", json={"message": "哪些镇的行政执法合规率达到100%?"})
                if r.status_code != 200 or set(r.json()["towns"]) != {"和谦镇", "西仓镇"}:
                    failures.append(f"{r.status_code} {r.text[:200]}")
                answered[0] += 1

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    try:
        for t in threads:
            t.start()
        time.sleep(0.5)
        CorpusIndex.add([EXTRA], own_index, make_embedder("hash"))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if httpx.get(live.url + "/readyz").json().get("documents") == 6:
                break
            time.sleep(0.1)
        assert httpx.get(live.url + "/readyz").json().get("documents") == 6, "the new version was not picked up"
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
        next(server, None)
    assert failures == []
    assert answered[0] > 20


def _ready(c: TestClient) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        r = c.get("/readyz")
        if r.status_code == 200:
            return r.json()  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError("the index did not load")


def test_admin_reload_and_upload(own_index: Path, tmp_path: Path) -> None:
    with TestClient(create_app(_settings(own_index, tmp_path, interval=0))) as c:
        assert _ready(c)["documents"] == 5
        r = c.post("/documents", files={"file": ("daping.txt", EXTRA.read_bytes(), "text/plain")})
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["document"]["town"] == "大坪瑶族乡" and body["document"]["year"] == 2022
        assert body["added"] == 1
        assert c.get("/readyz").json()["documents"] == 6
        a = c.post("/chat", json={"message": "大坪瑶族乡调处成功了多少件纠纷?"}).json()
        assert "调处成功35件" in a["citations"][0]["quote"]
        bad = c.post("/documents", files={"file": ("old.doc", b"\xd0\xcf\x11\xe0" + bytes(64), "application/msword")})
        assert bad.status_code == 422
        assert bad.json()["error"]["message"].startswith("old.doc: LibreOffice could not convert it")
        binary = c.post("/documents", files={"file": ("x.txt", bytes(range(256)) * 4, "text/plain")})
        assert binary.status_code == 422 and binary.json()["error"]["code"] == "unreadable_document"
        assert c.post("/admin/reload").json()["reloaded"] is True


def test_admin_needs_the_key_when_set(own_index: Path, tmp_path: Path) -> None:
    s = _settings(own_index, tmp_path, interval=0)
    s = s.model_copy(update={"api": s.api.model_copy(update={"api_key": SecretStr("k3y")})})
    with TestClient(create_app(s)) as c:
        assert c.post("/admin/reload").status_code == 401
        assert c.post("/admin/reload", headers={"Authorization": "Bearer k3y"}).status_code == 200


def test_uploaded_photo_is_ocrd_cached_and_cited_with_its_page(own_index: Path, tmp_path: Path) -> None:
    pytest.importorskip("rapidocr", reason="OCR needs rapidocr: pip install rapidocr onnxruntime")
    from tests.scans import render_pages

    body = "全年共发放法治宣传资料760余份，开展普法讲座12场次，覆盖群众五千余人次。"
    report = "大坪镇2023年法治政府建设情况报告\n" + body
    layout = {"size": 24, "chars_per_line": 30, "lines_per_page": 4, "width": 900, "height": 300, "margin": 50}
    photo = tmp_path / "photo.png"
    render_pages(report, **layout)[0].save(photo)  # type: ignore[arg-type]
    with TestClient(create_app(_settings(own_index, tmp_path, interval=0))) as c:
        r = c.post("/documents", files={"file": ("大坪镇.png", photo.read_bytes(), "image/png")})
        assert r.status_code == 201, r.text
        assert (r.json()["document"]["town"], r.json()["document"]["year"]) == ("大坪镇", 2023)
        a = c.post("/chat", json={"message": "大坪镇发放了多少份法治宣传资料?"}).json()
        first = a["citations"][0]
        assert (first["source"], first["quote"], first["page"]) == ("大坪镇.png", body, 1)
    assert len(list(own_index.with_name("idx.cache").glob("ocr/*.json"))) == 1
