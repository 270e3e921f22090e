"""The tree holds the style the project configures: lint, import layers, no import cycles, types."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "corridors"


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    return found


def test_ruff_check_passes():
    result = subprocess.run([_tool("ruff"), "check", "--no-cache", str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_layers_are_kept():
    """import-linter's contract in pyproject.toml: each module imports only from layers below it."""
    result = subprocess.run([_tool("lint-imports")], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _imports(package_dir: Path = PACKAGE) -> dict[str, set[str]]:
    """Package modules → package modules they import anywhere (function bodies included)."""
    modules = {
        ".".join(("corridors", *p.relative_to(package_dir).with_suffix("").parts)).removesuffix(".__init__"): p
        for p in package_dir.rglob("*.py")
    }
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                targets = [f"{base}.{a.name}" for a in node.names] + [base]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name and not name.startswith(target + ".") and target != "corridors":
                    edges[name].add(target)
    return edges


def _cycles(package_dir: Path = PACKAGE) -> list[list[str]]:
    import networkx as nx

    graph = nx.DiGraph([(a, b) for a, bs in _imports(package_dir).items() for b in bs])
    return sorted(sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1)


def test_no_import_cycles():
    """No two modules reach each other through imports, lazy ones included."""
    assert _cycles() == []


def test_the_cycle_check_finds_a_lazy_cycle(tmp_path):
    """The check above can fail: a cycle hidden in a function body is still a cycle."""
    pkg = tmp_path / "corridors"
    (pkg / "render").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from .render import b\n")
    (pkg / "render" / "__init__.py").write_text("")
    (pkg / "render" / "b.py").write_text("from .. import a\n")
    (pkg / "c.py").write_text("from . import a\n")
    assert _cycles(pkg) == [["corridors.a", "corridors.render.b"]]


@pytest.mark.slow
def test_mypy_passes():
    """mypy on the package (configured in pyproject.toml; strict on the public API modules)."""
    result = subprocess.run([_tool("mypy")], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
