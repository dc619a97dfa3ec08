"""YAML / JSON documents checked against a pydantic schema; every error names its field and line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Path = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class DocumentProblem:
    """One error of a document: the field path (``events[2].area``), its line (1-based; None when unknown)."""

    field: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.field or '(document)'}: {self.message}"


class DocumentError(ValueError):
    """A document that cannot be used; ``problems`` lists every error found."""

    def __init__(self, problems: list[DocumentProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def field_name(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _lines(node: yaml.Node, path: Path, into: dict[Path, int]) -> None:
    into[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else str(key)
            into[(*path, name)] = key.start_mark.line + 1
            _lines(value, (*path, name), into)
            into[(*path, name)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _lines(item, (*path, index), into)


def load(text: str) -> tuple[Any, dict[Path, int]]:
    """Parse YAML (JSON is YAML) and the line of every field; a syntax error is a DocumentError with its line."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        raise DocumentError([DocumentProblem("", f"not valid YAML/JSON: {error.problem}",
                                             mark.line + 1 if mark else None)]) from None
    except yaml.YAMLError as error:
        raise DocumentError([DocumentProblem("", f"not valid YAML/JSON: {error}")]) from None
    lines: dict[Path, int] = {}
    if node is not None:
        _lines(node, (), lines)
    return data, lines


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of ``path``, or of its nearest parent that has one."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


def _document_path(loc: Path, lines: dict[Path, int]) -> Path:
    """A pydantic error location as a path in the document: a union's tag (``PERSON_DOWN``) is not a field."""
    path: Path = ()
    for index, part in enumerate(loc):
        if (*path, part) in lines or index == len(loc) - 1:
            path = (*path, part)
    return path


def parse(model: type[M], text: str) -> tuple[M, dict[Path, int]]:
    """``text`` validated as ``model``; every schema error becomes a DocumentProblem with its field and line."""
    data, lines = load(text)
    if not isinstance(data, dict):
        raise DocumentError([DocumentProblem("", "the document must be a mapping (key: value)", 1)])
    try:
        return model.model_validate(data), lines
    except ValidationError as error:
        problems = []
        for item in error.errors():
            path = _document_path(tuple(p for p in item["loc"] if isinstance(p, str | int)), lines)
            problems.append(DocumentProblem(field_name(path), item["msg"], line_of(lines, path)))
        raise DocumentError(problems) from None


def dump_json(model: BaseModel) -> str:
    return json.dumps(model.model_dump(mode="json", exclude_none=True), ensure_ascii=False, indent=2)
