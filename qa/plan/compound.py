"""The sub-questions of a compound question."""

from __future__ import annotations

import re

_PART_END = re.compile(r"(?<=[?？])\s*(?=\S)|[,，;；]\s*(?=(?:and |but )?(?:what|how|which|who|when)\b)", re.IGNORECASE)
_QUESTION_CUE = re.compile(r"多少|几|哪|什么|怎么|如何|是否|吗|呢|\b(?:what|how|which|who|when|did|does|is|are)\b", re.IGNORECASE)


def split_compound(q: str) -> list[str]:
    """The sub-questions of a compound question: '…几次执法检查?查处了多少起?' → two questions."""
    parts = [p.strip() for p in _PART_END.split(q) if p and p.strip()]
    parts = [p for p in parts if len(p) >= 4]
    if len(parts) < 2 or not all(_QUESTION_CUE.search(p) for p in parts):
        return [q]
    return parts
