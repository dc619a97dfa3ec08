"""Training's sub-packages import one way only, and their cores know nothing of GraphQL.

Every import is seen: module level, inside functions, `importlib.import_module("...")` and
`strawberry.lazy("...")` strings.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TRAINING = Path(__file__).resolve().parents[3] / "backend" / "training"
SUBPACKAGES = ("bank", "courses", "exams", "mentoring", "record")
# what each sub-package may import from its siblings (the rest: its own modules and the rest of the backend)
MAY_USE = {
    "bank": set(),
    "courses": set(),
    "exams": {"bank", "courses"},
    "mentoring": {"bank", "courses", "exams"},
    "record": {"bank", "courses", "exams", "mentoring"},
}
# the one upward edge, in the API ring only: mentoring answers with the record's Apprenticeship type, which
# carries the apprentice's record (TrainingRecord and Apprenticeship refer to each other, so they share a module)
API_EXCEPTIONS = {("mentoring.resolvers", "backend.training.record.types")}
CORE = {"models", "rules", "events", "permissions", "service", "flows", "formats", "demo"}


def imports_of(path: Path) -> set[str]:
    """Every module the file names in an import, anywhere in it (also importlib and strawberry.lazy)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in {"import_module", "lazy"} and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.add(node.args[0].value)
    return found


def modules() -> list[tuple[str, str, Path]]:
    return [(sub, path.stem, path) for sub in SUBPACKAGES for path in sorted((TRAINING / sub).glob("*.py"))]


@pytest.mark.parametrize(("sub", "name", "path"), modules(), ids=lambda v: str(v) if isinstance(v, str) else "")
def test_a_sub_package_imports_only_the_ones_below_it(sub: str, name: str, path: Path) -> None:
    for target in imports_of(path):
        parts = target.split(".")
        if parts[:2] != ["backend", "training"] or len(parts) < 3 or parts[2] not in SUBPACKAGES:
            continue
        other = parts[2]
        if other == sub or other in MAY_USE[sub]:
            continue
        assert (f"{sub}.{name}", ".".join(parts[:4])) in API_EXCEPTIONS, f"{sub}/{name}.py imports {target}"


@pytest.mark.parametrize(("sub", "name", "path"), [m for m in modules() if m[1] in CORE],
                         ids=lambda v: str(v) if isinstance(v, str) else "")
def test_the_core_knows_no_graphql(sub: str, name: str, path: Path) -> None:
    for target in imports_of(path):
        assert not target.startswith(("strawberry", "backend.graphql")), f"{sub}/{name}.py imports {target}"
        if target.startswith("backend.training."):
            assert target.split(".")[-1] not in {"types", "resolvers", "loaders"}, f"{sub}/{name}.py imports {target}"


def test_the_old_flat_modules_are_gone() -> None:
    assert sorted(p.name for p in TRAINING.glob("*.py")) == ["__init__.py", "permissions.py"]
