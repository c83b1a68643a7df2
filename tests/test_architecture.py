"""The rules of the house that a reader can check by eye, checked by the parser instead.

The five libraries import only what sits below them (``docs/architecture.md``), never the
application shell or its frameworks.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: What each library may import of the project's own packages (the layers, bottom up).
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "ocr": {"errors"},
    "metadata": {"errors", "ocr"},
    "ingest": {"errors", "ocr", "metadata"},
    "search": {"errors"},
    "archive": {"errors", "ocr", "metadata", "ingest"},
}
PROJECT = {*ALLOWED, "sohoa"}
#: Frameworks that belong to the shell's boundaries, never to a library.
SHELL_ONLY = {"dramatiq", "fastapi", "starlette", "uvicorn", "click", "rich"}


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module, imported names) of every import in ``path``, nested ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module, [a.name for a in node.names]))
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_library_imports_only_what_sits_below_it(package: str) -> None:
    wrong = []
    for path in _modules(package):
        for line, module, _ in _imports(path):
            top = module.split(".")[0]
            if top in PROJECT and top != package and top not in ALLOWED[package]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
            if top in SHELL_ONLY:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports the framework {module}")
    assert not wrong, "\n".join(wrong)


def test_the_rule_table_itself_has_no_cycle() -> None:
    # A package may only depend on packages listed before it in some order: find one.
    placed: list[str] = []
    remaining = dict(ALLOWED)
    while remaining:
        ready = [p for p, deps in remaining.items() if deps <= set(placed)]
        assert ready, f"the allowed imports form a cycle among {sorted(remaining)}"
        placed.extend(sorted(ready))
        for p in ready:
            del remaining[p]
    assert placed[0] == "errors"
