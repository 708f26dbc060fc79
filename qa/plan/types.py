"""What a question's plan is made of: its intent, topic term groups, numeric condition, and the plan itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Intent = Literal["fact", "list", "aggregate", "compare", "year", "region", "table", "corpus"]


@dataclass(frozen=True)
class TermGroup:
    """Interchangeable forms of one key term; a passage covers the group when it contains any form."""

    forms: tuple[str, ...]
    weight: float = 1.0
    quoted: bool = False


@dataclass(frozen=True)
class Constraint:
    """A numeric condition from the question, e.g. 达到100% → (>=, 100, %); 两名 → (==, 2, 名 and kin)."""

    op: str
    value: float
    unit: str
    units: tuple[str, ...] = ()

    @property
    def all_units(self) -> tuple[str, ...]:
        """The claim units that measure the same thing (名 also counts 人 and 位)."""
        return self.units or (self.unit,)

    def holds(self, value: float) -> bool:
        """Whether a claimed value meets the condition."""
        return {
            ">=": value >= self.value,
            ">": value > self.value,
            "<=": value <= self.value,
            "<": value < self.value,
            "==": abs(value - self.value) < 1e-9,
        }[self.op]


@dataclass(frozen=True)
class ParsedQuestion:
    text: str
    lang: Literal["zh", "en"]
    intent: Intent
    towns: tuple[str, ...]
    unknown_towns: tuple[str, ...]
    years: tuple[int, ...]
    terms: tuple[TermGroup, ...]
    numeric: bool
    constraint: Constraint | None
    superlative: Literal["max", "min"] | None
    elliptical: bool = False
    soft_years: bool = False
    query_text: str = ""
    lexical_query: tuple[str, ...] = field(default=())
    regions: tuple[str, ...] = ()
    year_scope: Literal["latest", "all"] | None = None
    asked_units: tuple[str, ...] = ()
    missing_regions: tuple[str, ...] = ()  # places the question names that no indexed report is from
    # "长滩镇的审批服务和五马镇的“一站式”服务,哪个办理的事项更多?": each named town's own measure words
    town_measures: tuple[tuple[str, tuple[TermGroup, ...]], ...] = ()
    # "哪些镇没写X" / "which towns did not mention X": the plan is the positive question's (X), and the answer
    # is the towns in scope it leaves out
    complement: bool = False

    @property
    def wording(self) -> str:
        """The question's full wording: a follow-up's (那松岗街道呢?) is the earlier question it stands for, so
        what that asked — an amount of money, a rate, a plan — is still asked."""
        return self.query_text or self.text


# The plan of the question path (../shared/CONVENTIONS.md): the parsed question under its conventional name.
Plan = ParsedQuestion
