"""The code matches its map: the layer table of boundary_lab/layers.py, read against every import.

Each check is a function of the package directory, so the red-team tests below run it on a
copy with a planted upward import, a planted cycle and a planted needless local import.
The allow-lists name breaches in files other engineers own (issue 22); each entry fails
once its breach is gone, so the lists only shrink.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from boundary_lab import layers
from boundary_lab.layers import HEAVY, LAYERS, closure, heavy_at_import, imports, is_stdlib, modules, rank

ROOT = Path(layers.__file__).resolve().parent
DESIGN = ROOT.parent / "docs" / "design.md"

# (importing module, imported module) -> who removes it and how. Short names, relative to boundary_lab.
UPWARD_ALLOWED = {
}
# Cycles (their modules) -> who breaks them.
CYCLES_ALLOWED: dict[frozenset, str] = {}
# Modules with function-local imports that defer nothing heavy (move them to the top) -> owner.
LOCAL_ALLOWED: dict[str, str] = {}


def short(module: str) -> str:
    return layers._short(module)


def upward_imports(root: Path) -> list[tuple[str, int, str]]:
    """(module, line, imported module) for every import of a module from a later layer."""
    return [(short(m), i.line, short(i.target)) for m in modules(root) for i in imports(m, root)
            if i.internal and i.target != layers.PACKAGE and rank(i.target) > rank(m)]


def cycles(root: Path) -> list[frozenset]:
    """Strongly connected components (more than one module) of the import graph, local imports included."""
    graph = {m: sorted({i.target for i in imports(m, root) if i.internal and i.target not in (layers.PACKAGE, m)})
             for m in modules(root)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(v: str) -> None:  # Tarjan
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(frozenset(short(c) for c in component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def needless_local_imports(root: Path) -> list[tuple[str, int, str]]:
    """Function-local imports that defer nothing in :data:`HEAVY` (the standard library aside)."""
    bad = []
    for m in modules(root):
        for i in imports(m, root):
            if not i.local or (not i.internal and (is_stdlib(i.target) or i.target.split(".")[0] in HEAVY)):
                continue
            if i.internal and heavy_at_import(i.target, root):
                continue
            bad.append((short(m), i.line, short(i.target) if i.internal else i.target))
    return bad


def test_every_module_has_exactly_one_layer_and_the_table_names_no_ghost():
    named = [m for layer in LAYERS for m in layer.modules]
    assert len(named) == len(set(named)), "a module is in two layers"
    on_disk = {short(m) for m in modules(ROOT)}
    assert sorted(on_disk - set(named)) == [], "add these modules to boundary_lab/layers.py"
    assert sorted(set(named) - on_disk) == [], "these modules of boundary_lab/layers.py do not exist"


def test_no_module_imports_from_a_later_layer():
    found = upward_imports(ROOT)
    pairs = {(m, t) for m, _, t in found}
    assert [f for f in found if (f[0], f[2]) not in UPWARD_ALLOWED] == []
    assert sorted(set(UPWARD_ALLOWED) - pairs) == [], "fixed: remove from UPWARD_ALLOWED"


def test_the_import_graph_has_no_cycle():
    found = set(cycles(ROOT))
    assert sorted(map(sorted, found - set(CYCLES_ALLOWED))) == []
    assert sorted(map(sorted, set(CYCLES_ALLOWED) - found)) == [], "fixed: remove from CYCLES_ALLOWED"


def test_function_local_imports_defer_heavy_dependencies_only():
    found = needless_local_imports(ROOT)
    assert [f for f in found if f[0] not in LOCAL_ALLOWED] == []
    assert sorted(set(LOCAL_ALLOWED) - {f[0] for f in found}) == [], "fixed: remove from LOCAL_ALLOWED"


def test_the_sampler_imports_no_verifier_and_no_micro_world():
    # issue 22: the sampler is given a grader (a verify.registry row), never a verifier module
    bad = [(short(m), i.line, short(i.target)) for m in modules(ROOT) if m.startswith("boundary_lab.sampling")
           for i in imports(m, ROOT)
           if i.target.startswith(("boundary_lab.micro", "boundary_lab.verify."))
           and i.target != "boundary_lab.verify.registry"]
    assert bad == []


def test_design_md_prints_this_table():
    assert layers.markdown_table() in DESIGN.read_text(), "paste layers.markdown_table() into docs/design.md"


# ---------------------------------------------------------------- red team: plant, and the check fails

@pytest.fixture
def copy(tmp_path):
    dest = tmp_path / "boundary_lab"
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns("data", "__pycache__", "*.json", "*.gz"))
    return dest


def _plant(path: Path, line: str) -> None:
    text = path.read_text()
    anchor = "from __future__ import annotations\n"
    path.write_text(text.replace(anchor, anchor + line + "\n", 1))


def test_a_planted_upward_import_fails(copy):
    _plant(copy / "passk.py", "from .tables import curves")  # estimators -> tables
    assert ("passk", "tables") in {(m, t) for m, _, t in upward_imports(copy)}
    assert ("passk", "tables") not in {(m, t) for m, _, t in upward_imports(ROOT)}


def test_a_planted_upward_import_inside_a_function_fails(copy):
    path = copy / "seeding.py"
    path.write_text(path.read_text() + "\n\ndef _late():\n    from .report import micro\n    return micro\n")
    assert ("seeding", "report") in {(m, t) for m, _, t in upward_imports(copy)}


def test_a_planted_cycle_fails(copy):
    # tables and forecast share a layer, so only the cycle check sees this pair
    _plant(copy / "tables.py", "from . import forecast")
    _plant(copy / "forecast.py", "from . import tables")
    assert frozenset({"tables", "forecast"}) in cycles(copy)
    assert frozenset({"tables", "forecast"}) not in cycles(ROOT)


def test_a_planted_needless_local_import_fails(copy):
    path = copy / "passk.py"
    path.write_text(path.read_text() + "\n\ndef _late():\n    from .errors import InputError\n    return InputError\n")
    assert ("passk", "errors") in {(m, t) for m, _, t in needless_local_imports(copy)}
    # deferring torch is what local imports are for
    path.write_text(path.read_text() + "\n\ndef _torch():\n    import torch\n    return torch\n")
    assert "torch" not in {t for m, _, t in needless_local_imports(copy) if m == "passk"}


def test_the_closure_follows_local_imports_and_packages():
    rl = closure(["boundary_lab.rl.trainer"])
    # passk via rl.advantages; rl: the package __init__ every rl module runs; the lazy top package is left out
    assert {"boundary_lab.passk", "boundary_lab.rl", "boundary_lab.sampling.config"} <= rl
    assert "boundary_lab.plots" not in rl and "boundary_lab" not in rl
