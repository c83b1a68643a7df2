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


#: The project's own code (the tests and benchmarks are not held to the module rules).
PRODUCT = ["errors", "ingest", "ocr", "metadata", "archive", "search", "sohoa"]
#: The longest a module may grow before it is split by responsibility.
MAX_MODULE_LINES = 600


def _module_names() -> dict[str, Path]:
    names = {}
    for package in PRODUCT:
        for path in _modules(package):
            parts = path.relative_to(ROOT).with_suffix("").parts
            names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def test_no_module_imports_another_modules_private_names() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name} from {module}"
        for path in _module_names().values()
        for line, module, names in _imports(path)
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert not wrong, "\n".join(wrong)


def _top_level_edges(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> project modules it imports when it is loaded (not inside functions)."""
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets: set[str] = set()
        for node in tree.body:
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names if a.name in modules)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    if sub in modules:
                        targets.add(sub)
                    elif node.module in modules:
                        targets.add(node.module)
        # a module's own parent packages are loaded before it anyway: not a circle
        edges[name] = {t for t in targets if not name.startswith(t + ".") and t != name}
    return edges


def _circles(edges: dict[str, set[str]]) -> list[str]:
    """Every import circle found by a depth-first walk, as ``a -> b -> a``."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    circles: list[str] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                circles.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    return circles


def test_no_import_circles_between_or_inside_packages() -> None:
    circles = _circles(_top_level_edges(_module_names()))
    assert not circles, "\n".join(circles)


def test_only_the_command_line_prints() -> None:
    wrong = []
    for name, path in _module_names().items():
        if name.startswith("sohoa.cli") or path.name == "__main__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        wrong.extend(
            f"{path.relative_to(ROOT)}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "print"
        )
    assert not wrong, "print() outside the CLI (use logging):\n" + "\n".join(wrong)


def test_modules_stay_small() -> None:
    long = []
    for path in _module_names().values():
        lines = path.read_text(encoding="utf-8").count("\n")
        if lines > MAX_MODULE_LINES:
            long.append(f"{path.relative_to(ROOT)}: {lines} lines")
    assert not long, "split these by responsibility:\n" + "\n".join(long)


def test_the_circle_check_can_fail(tmp_path: Path) -> None:
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("import b\n")
    b.write_text("from a import x\n")
    edges = _top_level_edges({"a": a, "b": b})
    assert edges == {"a": {"b"}, "b": {"a"}}
    assert _circles(edges) == ["a -> b -> a"]
    assert _circles({"a": {"b"}, "b": set()}) == []
