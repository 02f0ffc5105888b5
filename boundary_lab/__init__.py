"""boundary-lab: measure the reasoning boundary of language models.

Reproduces and extends Yue et al. 2025, "Does Reinforcement Learning Really
Incentivize Reasoning Capacity in LLMs Beyond the Base Model?" (arXiv 2504.13837).

Notebooks use it as ``import boundary_lab as bl``. Submodules load lazily so
that ``import boundary_lab`` stays cheap and never imports torch:

>>> import boundary_lab as bl
>>> round(float(bl.passk.pass_at_k(10, 5, 3)), 4)
0.9167
"""
from __future__ import annotations

import importlib
import warnings

# Executed notebooks have no ipywidgets; transformers' tqdm.auto import then warns on stderr
# ("IProgress not found"), which would land on every book page. Our own bars are plain text.
warnings.filterwarnings("ignore", message="IProgress not found")

__version__ = "0.1.0"

# Pin torch's and MKL's CPU numerics before torch loads, so a seed gives the same bits on any
# x86-64 machine (boundary_lab/numerics.py; BOUNDARY_LAB_NUMERICS=native opts out).
from . import numerics as _numerics  # noqa: E402

_numerics.pin_environment()

# Submodules reachable as attributes (bl.passk, bl.store, ...), imported on first use.
_SUBMODULES = {
    "passk", "counts", "plots", "notebook", "book", "benchmarks", "verify",
    "sampling", "store", "scoring", "importers", "tiny_models", "micro", "rl",
    "cli", "errors", "report", "audit", "findings", "tables", "evaluate", "paper", "forecast", "numerics", "measured",
    "paper_figures", "pages",
}


def __getattr__(name: str):
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'boundary_lab' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
