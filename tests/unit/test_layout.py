"""The runtime and the staff tooling are apart, with imports running one way.

``clinic/`` (what the Rasa server loads) and ``actions/`` (what the action server loads) never
import ``staff/``, ``bench/`` or ``tests/``; ``clinic/`` never imports ``actions/``. Read from
the source (``ast``), so an import inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator, List, Tuple

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "clinic": ("staff", "bench", "tests", "actions"),
    "actions": ("staff", "bench", "tests"),
}


def imports(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def violations(package: str) -> List[Tuple[str, str]]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in imports(path):
            if name.split(".")[0] in FORBIDDEN[package]:
                found.append((str(path.relative_to(ROOT)), name))
    return found


def test_the_runtime_never_imports_staff_tooling() -> None:
    assert violations("clinic") == []
    assert violations("actions") == []


def test_the_check_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from staff.faq import gate\n    import bench.run\n")
    assert list(imports(module)) == ["staff.faq", "bench.run"]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: str) -> dict:
    """module -> the modules of ``package`` it imports (``from staff import x`` counts as x)."""
    modules = {module_name(p): p for p in (ROOT / package).rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        targets = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    targets.add(full if full in modules else node.module)
            elif isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
        graph[name] = {t for t in targets if t in modules and t != name
                       and not name.startswith(t + ".") and t != package}
    return graph


def cycles(graph: dict) -> List[List[str]]:
    found, state = [], {}

    def visit(node: str, path: List[str]) -> None:
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                found.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_staff_tools_import_each_other_in_one_direction_only() -> None:
    assert cycles(import_graph("staff")) == []
    assert cycles(import_graph("clinic")) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
