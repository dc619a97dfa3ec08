"""Pure question-bank rules: question kinds, answer shapes and drawing questions for an attempt.

Plain data in, plain data out; no database, no global RNG.
"""

from __future__ import annotations

import enum
import random
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class QuestionKind(enum.StrEnum):
    SINGLE = "SINGLE"
    MULTIPLE = "MULTIPLE"
    TRUE_FALSE = "TRUE_FALSE"


def check_answer_shape(kind: QuestionKind, option_count: int, chosen: Iterable[int]) -> list[int]:
    """The chosen option indexes, sorted and unique; raises ValueError for an impossible answer."""
    picked = sorted(set(chosen))
    if any(i < 0 or i >= option_count for i in picked):
        raise ValueError(f"options are numbered 0 to {option_count - 1}")
    if kind is not QuestionKind.MULTIPLE and len(picked) > 1:
        raise ValueError("this question takes one answer")
    return picked


@dataclass(frozen=True, slots=True)
class BankEntry:
    id: uuid.UUID
    tags: frozenset[str]
    difficulty: int


@dataclass(frozen=True, slots=True)
class DrawRule:
    """Draw `count` questions carrying `tag` (any tag when None) within a difficulty range."""

    count: int
    tag: str | None = None
    min_difficulty: int = 1
    max_difficulty: int = 5

    def matches(self, entry: BankEntry) -> bool:
        return ((self.tag is None or self.tag in entry.tags)
                and self.min_difficulty <= entry.difficulty <= self.max_difficulty)


class NotEnoughQuestions(ValueError):
    def __init__(self, rule: DrawRule, available: int) -> None:
        what = f"tag {rule.tag!r}" if rule.tag else "any tag"
        super().__init__(f"the bank has {available} question(s) for {what} at difficulty "
                         f"{rule.min_difficulty}-{rule.max_difficulty}; the exam needs {rule.count}")
        self.rule = rule
        self.available = available


def draw_questions(bank: Sequence[BankEntry], rules: Sequence[DrawRule], *, previous: Iterable[uuid.UUID] = (),
                   rng: random.Random) -> list[uuid.UUID]:
    """Questions for one attempt: each rule in turn, never the same question twice in an attempt,
    and questions of the person's previous attempt only when the bank has too few others.

    Deterministic for a given rng seed (the bank is sorted first, so its order does not matter).
    """
    if not rules:
        raise ValueError("an exam needs at least one drawing rule")
    seen_before = set(previous)
    ordered = sorted(bank, key=lambda e: str(e.id))
    chosen: list[uuid.UUID] = []
    taken: set[uuid.UUID] = set()
    for rule in rules:
        if rule.count < 1:
            raise ValueError("each rule draws at least one question")
        candidates = [e.id for e in ordered if e.id not in taken and rule.matches(e)]
        if len(candidates) < rule.count:
            raise NotEnoughQuestions(rule, len(candidates))
        fresh = [c for c in candidates if c not in seen_before]
        repeats = [c for c in candidates if c in seen_before]
        if len(fresh) >= rule.count:
            picked = rng.sample(fresh, rule.count)
        else:
            picked = fresh + rng.sample(repeats, rule.count - len(fresh))
        rng.shuffle(picked)
        chosen.extend(picked)
        taken.update(picked)
    return chosen
