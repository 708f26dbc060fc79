from pathlib import Path

import pytest
from pydantic import ValidationError

from qa.settings import Settings


def test_defaults_ignore_unrelated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REPORTQA_INDEX", raising=False)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert Settings().index.path == Path(".reportqa/index")


def test_env_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORTQA_INDEX", "/srv/idx")
    monkeypatch.setenv("REPORTQA_EMBEDDING_MODEL", "hash")
    monkeypatch.setenv("REPORTQA_ANSWER_MAX_QUESTION_CHARS", "500")
    monkeypatch.setenv("REPORTQA_API_KEY", "s3cret")
    s = Settings()
    assert (s.index.path, s.embedding.model, s.answer.max_question_chars) == (Path("/srv/idx"), "hash", 500)
    assert s.api.api_key is not None and s.api.api_key.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(s)


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"REPORTQA_TELEGRAM_BOT_TOKEN": "t"}, "REPORTQA_TELEGRAM_SECRET_TOKEN"),
        ({"REPORTQA_WECOM_TOKEN": "t"}, "REPORTQA_WECOM_"),
        ({"REPORTQA_ANSWER_MIN_COVERAGE": "2"}, "min_coverage"),
        ({"REPORTQA_OCR_MAX_PAGES": "0"}, "ocr_max_pages"),
        ({"REPORTQA_SOFFICE_TIMEOUT_S": "0"}, "soffice_timeout_s"),
    ],
)
def test_bad_configuration_fails_fast_naming_the_variable(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], needle: str) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ValidationError, match=needle):
        Settings()


def test_reading_settings_and_the_cache_beside_the_index(monkeypatch: pytest.MonkeyPatch) -> None:
    from qa.documents import read_options

    monkeypatch.setenv("REPORTQA_INDEX", "/srv/idx")
    monkeypatch.setenv("REPORTQA_OCR_MAX_PAGES", "300")
    monkeypatch.setenv("REPORTQA_OCR_MIN_CONFIDENCE", "0.8")
    monkeypatch.setenv("REPORTQA_SOFFICE_TIMEOUT_S", "30")
    s = Settings()
    assert (s.reading.ocr_max_pages, s.reading.ocr_min_confidence, s.reading.soffice_timeout_s) == (300, 0.8, 30.0)
    options = read_options(s)
    assert (options.cache_dir, options.ocr_max_pages, options.soffice_timeout_s, options.max_bytes) == (
        Path("/srv/idx.cache"), 300, 30.0, 50_000_000
    )
    monkeypatch.setenv("REPORTQA_CACHE_DIR", "/var/cache/reportqa")
    assert read_options(Settings(), max_bytes=10).cache_dir == Path("/var/cache/reportqa")
