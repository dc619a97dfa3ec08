"""The rings stay apart (issue 10): an ast walk over every .py file of the processes, seeing module-level and
function-level imports and ``importlib.import_module("…")`` / ``__import__("…")`` calls with a literal name.

(a) a domain's core (models, rules, events, permissions, service, flows, in every domain and sub-package) imports
    neither strawberry nor backend.graphql; (b) the backend imports no worker; (c) no worker imports the backend;
(d) contracts imports only the standard library and itself.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKERS = ("sensors", "vision", "mobile", "drills")
CORE_MODULES = frozenset({"models.py", "rules.py", "events.py", "permissions.py", "service.py", "flows.py"})
IMPORT_CALLS = frozenset({"import_module", "__import__"})


@dataclass(frozen=True, slots=True)
class Import:
    path: Path
    line: int
    module: str

    @property
    def top(self) -> str:
        return self.module.split(".")[0]


def _package_of(path: Path, root: Path) -> list[str]:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return parts if path.name == "__init__.py" else parts[:-1]


def imports_in(path: Path, root: Path) -> Iterator[Import]:
    """Every module a file imports, wherever the import sits, relative ones made absolute."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(path, node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = _package_of(path, root)
                base = package[:len(package) - node.level + 1] if node.level > 1 else package
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield Import(path, node.lineno, module)
            for alias in node.names:  # `from backend import graphql` imports backend.graphql
                if alias.name != "*":
                    yield Import(path, node.lineno, f"{module}.{alias.name}")
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in IMPORT_CALLS:
                yield Import(path, node.lineno, node.args[0].value)


def python_files(root: Path, package: str) -> list[Path]:
    return sorted(p for p in (root / package).rglob("*.py") if "__pycache__" not in p.parts and "build" not in p.parts)


def violations(root: Path) -> list[str]:
    """Every import that crosses a boundary, as ``path:line: module (rule)``."""
    found: dict[tuple[str, int, str], str] = {}

    def refuse(imp: Import, rule: str) -> None:
        """One report a statement and rule: the shortest module named (`drills.network`, not each name from it)."""
        key = (str(imp.path.relative_to(root)), imp.line, rule)
        if key not in found or len(imp.module) < len(found[key]):
            found[key] = imp.module

    for path in python_files(root, "backend"):
        core = path.name in CORE_MODULES
        for imp in imports_in(path, root):
            if core and (imp.top == "strawberry" or imp.module == "backend.graphql"
                         or imp.module.startswith("backend.graphql.")):
                refuse(imp, "a domain's core knows no GraphQL")
            if imp.top in WORKERS:
                refuse(imp, "the backend imports no worker")
    for worker in WORKERS:
        for path in python_files(root, worker):
            for imp in imports_in(path, root):
                if imp.top == "backend":
                    refuse(imp, "a worker imports no backend")
    for path in python_files(root, "contracts"):
        for imp in imports_in(path, root):
            if imp.top not in sys.stdlib_module_names and imp.top not in ("contracts", "__future__"):
                refuse(imp, "contracts is standard library only")
    return [f"{path}:{line}: {module} ({rule})" for (path, line, rule), module in sorted(found.items())]


def test_the_rings_stay_apart() -> None:
    crossings = violations(ROOT)
    assert not crossings, "imports across a boundary:\n" + "\n".join(crossings)


def test_the_walk_covers_every_process() -> None:
    for package in ("backend", "contracts", *WORKERS):
        assert python_files(ROOT, package), package
    cores = [p for p in python_files(ROOT, "backend") if p.name in CORE_MODULES]
    assert len(cores) > 30 and {p.parent.name for p in cores} >= {"hazards", "alerts", "sensors", "training"}


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def fabricated(tmp_path: Path) -> Path:
    """A tiny tree with one crossing of each kind, each hidden a different way, beside imports that are fine."""
    for package in ("backend", "backend/hazards", "backend/training", "backend/training/exams", "contracts",
                    *WORKERS):
        _write(tmp_path, f"{package}/__init__.py", "")
    _write(tmp_path, "backend/hazards/rules.py", "import enum\nimport strawberry\n")
    _write(tmp_path, "backend/hazards/types.py", "import strawberry\nfrom backend.graphql.errors import X\n")
    _write(tmp_path, "backend/training/exams/service.py",
           "def f():\n    from ...graphql import errors\n    return errors\n")
    _write(tmp_path, "backend/training/exams/flows.py", "from backend import graphql\nfrom . import service\n")
    _write(tmp_path, "backend/cli.py",
           "import importlib\n\ndef load():\n    return importlib.import_module('sensors.cli')\n")
    _write(tmp_path, "backend/seed.py", "from contracts.demo import DEMO_TAGS\n")
    _write(tmp_path, "sensors/bridge.py", "from contracts import topics\n\ndef f():\n    __import__('backend.main')\n")
    _write(tmp_path, "drills/runner.py", "from backend.drills.models import Drill\n")
    _write(tmp_path, "mobile/app.py", "import kivy\n")
    _write(tmp_path, "contracts/client.py", "import json\nimport urllib.request\nimport httpx\n")
    _write(tmp_path, "contracts/roles.py", "from __future__ import annotations\nimport enum\nfrom .errors import X\n")
    return tmp_path


def test_the_walk_finds_every_kind_of_crossing(fabricated: Path) -> None:
    assert violations(fabricated) == [
        "backend/cli.py:4: sensors.cli (the backend imports no worker)",
        "backend/hazards/rules.py:2: strawberry (a domain's core knows no GraphQL)",
        "backend/training/exams/flows.py:1: backend.graphql (a domain's core knows no GraphQL)",
        "backend/training/exams/service.py:2: backend.graphql (a domain's core knows no GraphQL)",
        "contracts/client.py:3: httpx (contracts is standard library only)",
        "drills/runner.py:1: backend.drills.models (a worker imports no backend)",
        "sensors/bridge.py:4: backend.main (a worker imports no backend)",
    ]
