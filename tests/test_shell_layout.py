"""The shell's own layering, checked by the parser: the services know nothing of their
callers' frameworks, and no sohoa module reaches into another's private names."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOUNDARY_FRAMEWORKS = {"click", "rich", "fastapi", "starlette", "uvicorn", "jinja2"}


def _imports(path: Path) -> list[ast.Import | ast.ImportFrom]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]


def test_services_know_neither_the_cli_nor_the_web() -> None:
    wrong = []
    for path in sorted((ROOT / "sohoa" / "services").rglob("*.py")):
        for node in _imports(path):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names.append(node.module)
            for name in names:
                top = name.split(".")[0]
                if top in BOUNDARY_FRAMEWORKS or name.startswith(("sohoa.cli", "sohoa.web")):
                    wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_no_private_names_imported_across_modules() -> None:
    wrong = []
    for path in sorted((ROOT / "sohoa").rglob("*.py")):
        for node in _imports(path):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        wrong.append(
                            f"{path.relative_to(ROOT)}:{node.lineno} imports "
                            f"{node.module}.{alias.name}"
                        )
    assert not wrong, "\n".join(wrong)
