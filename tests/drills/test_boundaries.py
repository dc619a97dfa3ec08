"""The rings stay apart: the backend never imports the drill worker, the worker never imports the backend; the
worker's GraphQL documents are valid against the backend's schema."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def _imported(package: str) -> set[tuple[str, str]]:
    """(file, top-level module) of every import in ``package``."""
    out = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                out.update((str(path.relative_to(ROOT)), alias.name.split(".")[0]) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                out.add((str(path.relative_to(ROOT)), node.module.split(".")[0]))
    return out


@pytest.mark.parametrize(("package", "forbidden"), [("backend", "drills"), ("drills", "backend")])
def test_the_backend_and_the_drill_worker_never_import_each_other(package: str, forbidden: str) -> None:
    found = _imported(package)
    assert found, package  # the walk saw the package's imports
    assert sorted(path for path, module in found if module == forbidden) == []


def test_the_runner_and_cli_documents_match_the_backend_schema() -> None:
    from graphql import parse, validate

    from backend.graphql.schema import build_schema
    from drills import cli, runner

    schema = build_schema()._schema
    for document in (runner.START, runner.FINISH, runner.UPLOAD, runner.VISION, cli.DRILL):
        assert validate(schema, parse(document)) == [], document
