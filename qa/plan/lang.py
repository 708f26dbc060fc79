"""The language a question is written in."""

from __future__ import annotations

import re
from typing import Literal

_CJK = re.compile(r"[\u4e00-\u9fff]")
# A lower-case English word, with inner apostrophes and hyphens but none at its ends (towns' → towns, covid- → covid).
EN_WORD = re.compile(r"[a-z](?:[a-z'\-]*[a-z])?")
# A hyphen inside an English word: "rule-of-law", "on-time" are read word by word.
EN_HYPHEN = re.compile(r"(?<=[A-Za-z])-(?=[A-Za-z])")


def language_of(text: str) -> Literal["zh", "en"]:
    """'zh' when the question has Chinese characters beyond town names, else 'en'."""
    letters = len(re.findall(r"[A-Za-z]", text))
    cjk = len(_CJK.findall(text))
    return "en" if letters > 2 * cjk else "zh"
