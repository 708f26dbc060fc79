"""List answers: for 有哪些问题/思路 questions, the items under the best-matching section heading."""

from __future__ import annotations

from collections.abc import Sequence

from qa.answers.base import ComposerBase, Evidence
from qa.plan import ParsedQuestion
from qa.retrieval import Hit
from qa.structure import INLINE_ITEM
from qa.types import Passage


def list_items(c: ComposerBase, pq: ParsedQuestion, hits: Sequence[Hit]) -> list[Evidence]:
    """The items (sub-headings, or 一是…二是… sentences) under the heading that covers the question."""
    best_section: tuple[str, str] | None = None
    for h in hits[:8]:
        p = c.index.passages[h.row]
        heads = [p.text] if p.is_heading else []
        heads += (p.section or "").split(" > ")[::-1]
        for head in heads:
            if head and c.retriever.coverage(pq, -1, head) >= c.min_coverage:
                best_section = (p.doc_id, head)
                break
        if best_section:
            break
    if best_section is None:
        return []
    doc_id, head = best_section
    items = [
        p
        for p in c.passages_of(doc_id)
        if p.is_heading and p.section and head in p.section.split(" > ") and p.text.rstrip("。") != head
        and p.section.split(" > ")[-1] != head
    ]
    if not items:
        # Items written inline (一是…；二是…) are the sentences of the section itself.
        items = [p for p in c.passages_of(doc_id) if not p.is_heading and p.section and p.section.split(" > ")[-1] == head]
        enumerated = [p for p in items if INLINE_ITEM.match(p.text)]
        items = enumerated or items[:5]
    if not items:
        return []
    doc_passages = c.passages_of(doc_id)
    return [Evidence(_with_first_sentence(c, doc_passages, p), p.text.rstrip("。；;")) for p in items[: c.max_citations]]


def _with_first_sentence(c: ComposerBase, doc_passages: list[Passage], head: Passage) -> Passage:
    """A sub-heading cited together with the first sentence under it (1.强化党的领导。 + what that means in the
    report), so the citation holds the substance; the answer text still shows the heading."""
    if not head.is_heading:
        return head
    after = [p for p in doc_passages if p.start >= head.end]
    nxt = min(after, key=lambda p: p.start) if after else None
    if nxt is None or nxt.is_heading:
        return head
    return c.span(head.doc_id, head.start, nxt.end, nxt.section, head.paragraph)
