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
