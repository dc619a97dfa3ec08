"""Question bank import and export as CSV and JSON (pure: text in, checked rows or errors out).

CSV columns: kind,text,options,correct,tags,difficulty,explanation
  options and tags are separated by "|"; correct names options by letter (A|C) or 0-based number.
JSON: a list of objects with the same keys; options, correct and tags are lists.
"""

from __future__ import annotations

import csv
import enum
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from backend.training.bank.rules import QuestionKind

CSV_COLUMNS = ("kind", "text", "options", "correct", "tags", "difficulty", "explanation")
MAX_OPTIONS = 8
MAX_TEXT = 2000
MAX_ROWS = 5000
TRUE_FALSE_OPTIONS = ["正确 True", "错误 False"]


class BankFormat(enum.StrEnum):
    CSV = "CSV"
    JSON = "JSON"


@dataclass(frozen=True, slots=True)
class QuestionData:
    kind: QuestionKind
    text: str
    options: list[str]
    correct: list[int]
    tags: list[str]
    difficulty: int
    explanation: str | None = None


@dataclass(frozen=True, slots=True)
class RowError:
    row: int          # 1-based data row (CSV: the header is row 0)
    message: str


def _split(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split("|") if part.strip()]


def _option_index(token: Any, option_count: int) -> int:
    text = str(token).strip().upper()
    if len(text) == 1 and "A" <= text <= "Z":
        index = ord(text) - ord("A")
    else:
        try:
            index = int(text)
        except ValueError as error:
            raise ValueError(f"correct answer {token!r} is neither a letter nor a number") from error
    if not 0 <= index < option_count:
        raise ValueError(f"correct answer {token!r} names no option")
    return index


def check_question(raw: dict[str, Any]) -> QuestionData:
    """One question from loose input; raises ValueError with a message a person can act on."""
    try:
        kind = QuestionKind(str(raw.get("kind", "")).strip().upper())
    except ValueError as error:
        raise ValueError(f"kind must be one of {', '.join(k.value for k in QuestionKind)}") from error
    text = str(raw.get("text") or "").strip()
    if not text:
        raise ValueError("text is empty")
    if len(text) > MAX_TEXT:
        raise ValueError(f"text is longer than {MAX_TEXT} characters")
    options = _split(raw.get("options"))
    if kind is QuestionKind.TRUE_FALSE and not options:
        options = list(TRUE_FALSE_OPTIONS)
    if kind is QuestionKind.TRUE_FALSE and len(options) != 2:
        raise ValueError("a true/false question has exactly two options")
    if not 2 <= len(options) <= MAX_OPTIONS:
        raise ValueError(f"a question needs 2 to {MAX_OPTIONS} options, this one has {len(options)}")
    if any("|" in option for option in options):
        raise ValueError("an option may not contain '|'")
    if len(set(options)) != len(options):
        raise ValueError("two options have the same text")
    correct_raw = raw.get("correct")
    tokens = correct_raw if isinstance(correct_raw, list) else _split(correct_raw)
    if kind is QuestionKind.TRUE_FALSE and isinstance(correct_raw, bool):
        tokens = [0 if correct_raw else 1]
    elif kind is QuestionKind.TRUE_FALSE and len(tokens) == 1 and str(tokens[0]).strip().lower() in (
            "true", "false", "t", "f", "对", "错"):
        tokens = [0 if str(tokens[0]).strip().lower() in ("true", "t", "对") else 1]
    correct = sorted({_option_index(t, len(options)) for t in tokens})
    if not correct:
        raise ValueError("no correct answer is given")
    if kind is not QuestionKind.MULTIPLE and len(correct) != 1:
        raise ValueError(f"a {kind.value} question has exactly one correct answer")
    if kind is QuestionKind.MULTIPLE and len(correct) < 2:
        raise ValueError("a MULTIPLE question has at least two correct answers (use SINGLE for one)")
    tags = [t.lower() for t in _split(raw.get("tags"))]
    if not tags:
        raise ValueError("at least one tag is needed")
    try:
        difficulty = int(str(raw.get("difficulty", "")).strip())
    except ValueError as error:
        raise ValueError("difficulty must be a whole number from 1 to 5") from error
    if not 1 <= difficulty <= 5:
        raise ValueError("difficulty must be a whole number from 1 to 5")
    explanation = str(raw.get("explanation") or "").strip() or None
    return QuestionData(kind=kind, text=text, options=options, correct=correct, tags=sorted(set(tags)),
                        difficulty=difficulty, explanation=explanation)


def _rows(content: str, fmt: BankFormat) -> list[dict[str, Any]]:
    if fmt is BankFormat.JSON:
        try:
            data = json.loads(content)
        except json.JSONDecodeError as error:
            raise ValueError(f"not JSON: {error.msg} at line {error.lineno}") from error
        if not isinstance(data, list):
            raise ValueError("the JSON must be a list of questions")
        return [row if isinstance(row, dict) else {"__not_object__": True} for row in data]
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    missing = [c for c in ("kind", "text", "correct", "tags", "difficulty") if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"the CSV header lacks: {', '.join(missing)}")
    return [dict(row) for row in reader]


def parse_bank(content: str, fmt: BankFormat) -> tuple[list[QuestionData], list[RowError]]:
    """Every row checked; the caller imports nothing unless the error list is empty."""
    try:
        rows = _rows(content, fmt)
    except ValueError as error:
        return [], [RowError(row=0, message=str(error))]
    if not rows:
        return [], [RowError(row=0, message="there are no questions in the file")]
    if len(rows) > MAX_ROWS:
        return [], [RowError(row=0, message=f"at most {MAX_ROWS} questions per import")]
    questions: list[QuestionData] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        if row.get("__not_object__"):
            errors.append(RowError(row=number, message="each question must be an object"))
            continue
        try:
            question = check_question(row)
        except ValueError as error:
            errors.append(RowError(row=number, message=str(error)))
            continue
        if question.text in seen:
            errors.append(RowError(row=number, message=f"the same question text as row {seen[question.text]}"))
            continue
        seen[question.text] = number
        questions.append(question)
    return questions, errors


def export_bank(questions: Sequence[QuestionData], fmt: BankFormat) -> str:
    """The bank as CSV (letters for answers) or JSON; parse_bank reads either back unchanged."""
    if fmt is BankFormat.JSON:
        return json.dumps([{"kind": q.kind.value, "text": q.text, "options": q.options, "correct": q.correct,
                            "tags": q.tags, "difficulty": q.difficulty, "explanation": q.explanation}
                           for q in questions], ensure_ascii=False, indent=1)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for q in questions:
        writer.writerow([q.kind.value, q.text, "|".join(q.options), "|".join(chr(ord("A") + i) for i in q.correct),
                         "|".join(q.tags), q.difficulty, q.explanation or ""])
    return buffer.getvalue()
