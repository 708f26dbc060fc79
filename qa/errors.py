"""Every error reportqa raises on purpose. Each message says what to do next.

Only the edges (CLI, HTTP routes, webhooks) translate these into exit codes or responses.
"""

from __future__ import annotations


class ReportQAError(Exception):
    """Base class. `code` is the stable machine-readable name; `status` the HTTP status to use."""

    code = "reportqa_error"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IndexNotFound(ReportQAError):
    code = "index_not_found"
    status = 503


class IndexMismatch(ReportQAError):
    code = "index_mismatch"
    status = 503


class IndexCorrupt(ReportQAError):
    code = "index_corrupt"
    status = 503


class IndexWriteError(ReportQAError):
    code = "index_write_failed"
    status = 507


class BadQuestion(ReportQAError):
    code = "bad_question"
    status = 422


class QuestionTooLong(BadQuestion):
    code = "question_too_long"
    status = 413


class UnreadableDocument(ReportQAError):
    code = "unreadable_document"
    status = 422


class EmptyCorpus(ReportQAError):
    code = "empty_corpus"
    status = 422


class EmbedderUnavailable(ReportQAError):
    code = "embedder_unavailable"
    status = 503


class ConfigError(ReportQAError):
    code = "config_error"
    status = 500


class DocumentNotFound(ReportQAError):
    code = "document_not_found"
    status = 404


class FetchFailed(ReportQAError):
    """An address given to `reportqa index add URL` that gave no report; the message is the reason."""

    code = "fetch_failed"
    status = 422
