"""The layer of every module, in one place, and the import graph the layer test checks.

A module imports only from its own layer or the ones before it in :data:`LAYERS` (bottom
first). ``tests/test_layers.py`` reads every module's imports with :mod:`ast` and fails on an
import from a later layer, on a cycle, on a module this table does not name, and on a
function-local import that defers nothing heavy. docs/design.md prints this table
(:func:`markdown_table`; a test keeps the two equal). The micro-world's stage cache hashes
the source of a stage's import closure (:func:`closure`).

>>> layer_of("boundary_lab.passk").name, layer_of("boundary_lab.tables").name
('estimators', 'tables')
>>> rank("boundary_lab.passk") < rank("boundary_lab.tables")
True
>>> sorted(closure(["boundary_lab.seeding"]))
['boundary_lab.seeding']
>>> layer_of("boundary_lab.nowhere")
Traceback (most recent call last):
...
KeyError: 'boundary_lab.nowhere: no layer in boundary_lab/layers.py'
"""
from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import NamedTuple

PACKAGE = "boundary_lab"
ROOT = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Layer:
    name: str = field(metadata={"help": "the layer's name, as docs/design.md prints it"})
    role: str = field(metadata={"help": "what its modules are for, in a few words"})
    modules: tuple[str, ...] = field(metadata={"help": "module names relative to boundary_lab ('' is the package)"})


# Bottom first. Each module names its layer here and nowhere else.
LAYERS: tuple[Layer, ...] = (
    Layer("foundations", "errors, seeds, dataclass-settings helpers, pinned CPU numerics, this table",
          ("", "errors", "seeding", "settings", "numerics", "layers")),
    Layer("estimators", "pure numpy: pass@k, bootstrap, coverage sets, ΔSE, histograms; priors and pass@k beyond n",
          ("passk", "priors")),
    Layer("data", "counts, sample stores, model identity, tiny model fixtures, the paper's and shipped numbers",
          ("counts", "store", "sampling.identity", "tiny_models", "paper", "paper_figures", "measured")),
    Layer("verification", "verifiers, their registry, the micro-world's problems and checker",
          ("verify", "verify.registry", "verify.math", "verify.math_extract", "verify.math_equiv",
           "verify.math_pool", "verify.math_warmup", "verify.math_cases", "verify.code", "verify.sandbox",
           "verify.sandbox_cgroup", "verify.sandbox_harness", "verify.sandbox_oracle", "verify.sandbox_wire",
           "micro.task", "micro.task_config")),
    Layer("benchmarks", "benchmark rows (each names its verifier), grading sample files, the verifier audit",
          ("benchmarks", "benchmarks.specs", "benchmarks.loaders", "benchmarks.prompts", "grading", "audit")),
    Layer("sampling and scoring", "backends (vllm, hf), the resumable sampler, log-probs, importers",
          ("sampling", "sampling.config", "sampling.context", "sampling.hf", "sampling.vllm_backend", "sampling.run",
           "sampling.adaptive", "scoring", "importers")),
    Layer("training", "the RL trainer and its registry, the micro-world's models, stages and cache",
          ("rl", "rl.registry", "rl.config", "rl.advantages", "rl.losses", "rl.rewards", "rl.rollouts", "rl.state",
           "rl.toy", "rl.trainer", "rl.value_head", "micro", "micro.config", "micro.tokenizer", "micro.model",
           "micro.pretrain", "micro.distill", "micro.instruct", "micro.evaluate", "micro.perplexity", "micro.pipeline",
           "micro.results", "micro.fingerprint", "micro.regimes", "micro.phase")),
    Layer("tables", "every table of the book, the CLI and LOG.md, from counts; the forecast's reports",
          ("tables", "forecast")),
    Layer("prose and figures", "sentences from tables, figures from tidy frames",
          ("findings", "plots", "verify.math_agreement")),
    Layer("pages", "what notebooks call: micro-world results, parameter checks and glue, the book runner, "
                   "the status page's and the introduction's helpers",
          ("report", "notebook", "evaluate", "book", "pages")),
    Layer("shell", "the CLI: parse, call the library, print",
          ("cli", "commands", "commands._checks", "commands.book", "commands.compare", "commands.counts",
           "commands.forecast", "commands.grade", "commands.import_samples", "commands.merge", "commands.micro",
           "commands.passk", "commands.ppl", "commands.sample")),
)

# Third-party packages worth deferring into a function: each costs a noticeable import time
# (torch ~4 s, vllm ~12 s, pandas ~1 s cold on this machine, python -c "import X") or is optional.
# A function-local import of anything else belongs at the top of the module.
HEAVY = frozenset({
    "tqdm",  # 54 ms (python -X importtime): only when a bar is shown
    # snapshot_download / HfApi / scan_cache_dir load huggingface_hub.hf_api: 1.0-3.1 s cumulative
    # (python -X importtime, 2-core Xeon under load, 2026-12-07); only hub look-ups need it
    "huggingface_hub",
    "pyseccomp",  # optional: the sandbox's seccomp filter where the library is installed
    "torch", "vllm", "transformers", "tokenizers", "datasets", "trl", "accelerate", "pandas", "pyarrow",
    "matplotlib", "seaborn", "scipy", "sympy", "math_verify", "latex2sympy2_extended", "nbformat", "nbclient",
    "papermill", "myst_nb", "IPython", "jupyter_book", "yaml",
})


def _full(name: str) -> str:
    return f"{PACKAGE}.{name}" if name else PACKAGE


def _short(module: str) -> str:
    return module[len(PACKAGE) + 1:] if module != PACKAGE else ""


_RANK = {_full(m): i for i, layer in enumerate(LAYERS) for m in layer.modules}


def layer_of(module: str) -> Layer:
    """The :class:`Layer` of a dotted module name (``boundary_lab.x.y``)."""
    if module not in _RANK:
        raise KeyError(f"{module}: no layer in boundary_lab/layers.py")
    return LAYERS[_RANK[module]]


def rank(module: str) -> int:
    """The position of a module's layer, 0 at the bottom."""
    layer_of(module)
    return _RANK[module]


class Import(NamedTuple):
    """One import statement's edge: ``source`` imports ``target`` at ``line``, inside a function if ``local``.

    ``target`` is a module: ``from .x import name`` names ``x.name`` when that is a module, else ``x``.
    """

    source: str
    target: str
    line: int
    local: bool

    @property
    def internal(self) -> bool:
        return self.target == PACKAGE or self.target.startswith(PACKAGE + ".")


def module_file(module: str, root: Path = ROOT) -> Path | None:
    """The source file of an internal module under ``root`` (the package directory), or None."""
    if module != PACKAGE and not module.startswith(PACKAGE + "."):
        return None
    parts = module.split(".")[1:]
    base = root.joinpath(*parts)
    for path in (base / "__init__.py", base.with_suffix(".py")):
        if path.is_file():
            return path
    return None


def modules(root: Path = ROOT) -> list[str]:
    """Every module of the package under ``root``, as dotted names."""
    names = []
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join([PACKAGE, *parts]))
    return names


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rsplit(".", 1)[0]


def _targets(node: ast.Import | ast.ImportFrom, package: str, root: Path) -> list[tuple[str, str]]:
    """(bound name, imported module) of one import statement; ``from .x import name`` names
    the module ``x.name`` when that is a module, else ``x``."""
    if isinstance(node, ast.Import):
        return [(a.asname or a.name.split(".")[0], a.name) for a in node.names]
    if node.level:
        parts = package.split(".")
        origin = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
    else:
        origin = node.module or ""
    out = []
    for alias in node.names:
        sub = f"{origin}.{alias.name}"
        is_module = sub.startswith(PACKAGE) and module_file(sub, root) is not None
        out.append((alias.asname or alias.name, sub if is_module else origin))
    return out


@cache
def _parsed(module: str, root: Path) -> tuple[ast.Module, str, str] | None:
    path = module_file(module, root)
    if path is None:
        return None
    text = path.read_text()
    return ast.parse(text, str(path)), text, _package_of(module, path)


@cache
def _imports(module: str, root: Path) -> tuple[Import, ...]:
    parsed = _parsed(module, root)
    if parsed is None:
        return ()
    tree, _, package = parsed
    found: list[Import] = []

    def visit(node: ast.AST, local: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = local or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.extend(Import(module, target, child.lineno, local)
                             for _, target in _targets(child, package, root))
            visit(child, inner)

    visit(tree, False)
    return tuple(dict.fromkeys(found))


def _function(tree: ast.Module, qualname: str) -> ast.FunctionDef:
    node: ast.AST = tree
    for part in qualname.split("."):
        node = next(n for n in ast.iter_child_nodes(node)
                    if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == part)
    return node


def entry_modules(module: str, functions, root: Path = ROOT) -> set[str]:
    """The internal modules that the named functions of ``module`` (``"Class.method"``) import
    inside themselves or read through the module's own imports: the entry points of their closure."""
    tree, _, package = _parsed(module, Path(root))
    bound = {name: target for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))
             for name, target in _targets(node, package, Path(root))}
    used = set()
    for qualname in functions:
        for node in ast.walk(_function(tree, qualname)):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                used |= {target for _, target in _targets(node, package, Path(root))}
            elif isinstance(node, ast.Name) and node.id in bound:
                used.add(bound[node.id])
    return {m for m in used if m.startswith(PACKAGE + ".")}


def function_source(module: str, functions, root: Path = ROOT) -> str:
    """The source text of the named functions of ``module``, in the order given."""
    tree, text, _ = _parsed(module, Path(root))
    return "\n".join(ast.get_source_segment(text, _function(tree, q)) for q in functions)


def imports(module: str, root: Path = ROOT) -> tuple[Import, ...]:
    """Every import statement of an internal module, module-level and function-local."""
    return _imports(module, Path(root))


def _parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(2, len(parts))]


def closure(entry, root: Path = ROOT, local: bool = True) -> set[str]:
    """The internal modules that importing and running ``entry`` can load: the modules
    themselves, what they import (function-local imports too when ``local``), transitively,
    with the packages each import executes (``__init__``), but not the lazy top package."""
    todo, seen = list(entry), set()
    while todo:
        module = todo.pop()
        if module in seen or module_file(module, Path(root)) is None:
            continue
        seen.add(module)
        for imp in imports(module, root):
            if imp.internal and (local or not imp.local) and imp.target != PACKAGE:
                todo += [imp.target, *_parents(imp.target)]
        todo += _parents(module)
    return seen


def heavy_at_import(module: str, root: Path = ROOT) -> set[str]:
    """The :data:`HEAVY` packages that importing an internal module loads (module level only)."""
    heavy = set()
    for name in closure([module], root, local=False):
        heavy |= {i.target.split(".")[0] for i in imports(name, root) if not i.local and not i.internal} & HEAVY
    return heavy


def is_stdlib(target: str) -> bool:
    return target.split(".")[0] in sys.stdlib_module_names or target == "__future__"


def markdown_table() -> str:
    """The layer table of docs/design.md (bottom first), generated from :data:`LAYERS`."""
    rows = ["| layer | role | modules |", "|---|---|---|"]
    for layer in LAYERS:
        names = ", ".join(f"`{m}`" if m else "`boundary_lab`" for m in layer.modules)
        rows.append(f"| {layer.name} | {layer.role} | {names} |")
    return "\n".join(rows)
