"""Checks on a question at the edge, so junk is refused before it takes a thread."""

from __future__ import annotations

from qa.errors import BadQuestion, QuestionTooLong
from qa.settings import Settings


def is_utf8_encodable(text: str) -> bool:
    """False for strings JSON can carry but UTF-8 cannot: unpaired surrogates such as "\\ud800"."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def checked_question(text: str, settings: Settings) -> str:
    """The question stripped; BadQuestion (422) when empty or not Unicode, QuestionTooLong (413) over the limit."""
    question = text.strip()
    if not question:
        raise BadQuestion("The message is empty: type a question about the reports.")
    if not is_utf8_encodable(question):
        raise BadQuestion("The message is not valid Unicode text (it holds an unpaired surrogate such as \\ud800).")
    limit = settings.answer.max_question_chars
    if len(question) > limit:
        raise QuestionTooLong(
            f"The message is {len(question):,} characters long; the limit is {limit:,} characters "
            "(REPORTQA_ANSWER_MAX_QUESTION_CHARS)."
        )
    return question
