"""Every GraphQL document a client sends is valid against backend/schema.graphql.

The clients (the sensor bridge, the vision worker, the drills runner, every module of the app) keep their documents
as module-level constants; this test finds them by reading every module's source (a document written inline in
a function fails the test, so none escapes it), imports the modules that hold some, and validates each with
graphql-core against the exported SDL.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from graphql import GraphQLSchema, build_schema, parse, validate
from graphql.error import GraphQLSyntaxError

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ("sensors", "vision", "drills", "mobile")
KEYWORDS = ("query", "mutation", "subscription")


@cache
def schema() -> GraphQLSchema:
    return build_schema((ROOT / "backend" / "schema.graphql").read_text())


def looks_like_document(text: str) -> bool:
    """An operation: a keyword first and a selection set (not a sentence that starts with the word)."""
    head = text.lstrip()
    return "{" in head and any(head.startswith(word) and head[len(word):len(word) + 1] in (" ", "\n", "(", "{")
               for word in KEYWORDS)


def problems(document: str) -> list[str]:
    """What the schema refuses in document (empty: it is valid)."""
    try:
        return [error.message for error in validate(schema(), parse(document))]
    except GraphQLSyntaxError as error:
        return [error.message]


def _strings(node: ast.AST) -> Iterator[str]:
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str):
            yield child.value


def scan(path: Path) -> tuple[bool, list[int]]:
    """(whether the module holds a document at module level, the lines of documents written anywhere else)."""
    tree = ast.parse(path.read_text(), str(path))
    top_level: set[int] = set()
    holds = False
    for statement in tree.body:
        if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
            for child in ast.walk(statement.value):
                top_level.add(id(child))
            holds = holds or any(looks_like_document(text) for text in _strings(statement.value))
    inline = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Constant)
              and isinstance(node.value, str) and id(node) not in top_level and looks_like_document(node.value)
              and not _is_docstring(tree, node)]
    return holds, inline


def _is_docstring(tree: ast.Module, node: ast.Constant) -> bool:
    for owner in ast.walk(tree):
        if isinstance(owner, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and owner.body:
            first = owner.body[0]
            if isinstance(first, ast.Expr) and first.value is node:
                return True
    return False


def module_name(path: Path, root: Path) -> str:
    return ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")


def documents(root: Path, packages: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    """({"module.NAME": document}, ["path:line" of documents written inline])."""
    found: dict[str, str] = {}
    inline: list[str] = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            holds, lines = scan(path)
            inline += [f"{path.relative_to(root)}:{line}" for line in lines]
            if not holds:
                continue
            module = importlib.import_module(module_name(path, root))
            for name, value in vars(module).items():
                if isinstance(value, str) and looks_like_document(value):
                    found[f"{module.__name__}.{name}"] = value
    return found, inline


@cache
def client_documents() -> tuple[dict[str, str], tuple[str, ...]]:
    found, inline = documents(ROOT, CLIENTS)
    return found, tuple(inline)


def test_every_client_keeps_its_documents_where_this_test_sees_them() -> None:
    found, inline = client_documents()
    assert inline == (), f"documents written inline (make them module-level constants): {inline}"
    for package in CLIENTS:
        assert any(name.startswith(package + ".") for name in found), f"no documents found in {package}/"
    assert len(found) >= 80, sorted(found)  # 86 when this was written: a collector that finds nothing fails


@pytest.mark.parametrize("name", sorted(client_documents()[0]))
def test_the_document_is_valid_against_the_schema(name: str) -> None:
    assert problems(client_documents()[0][name]) == []


def test_a_field_the_schema_lacks_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "fakeclient"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "api.py").write_text(
        'FIELDS = "username noSuchField"\n'
        'ME = f"query Me {{ me {{ {FIELDS} }} }}"\n'
        'GOOD = "query Good { me { username } }"\n'
        "def send():\n"
        '    return "mutation { logout(refreshToken: \\"x\\") }"\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        found, inline = documents(tmp_path, ("fakeclient",))
    finally:
        sys.modules.pop("fakeclient.api", None)
        sys.modules.pop("fakeclient", None)
    assert sorted(found) == ["fakeclient.api.GOOD", "fakeclient.api.ME"]
    assert problems(found["fakeclient.api.GOOD"]) == []
    assert problems(found["fakeclient.api.ME"]) == ["Cannot query field 'noSuchField' on type 'User'."]
    assert inline == ["fakeclient/api.py:5"]
    assert problems("query { me { username }") != []  # a syntax error is a problem too
