"""Verifiers: ``math`` (answer extraction and equivalence) and ``code`` (sandboxed tests).

Names load lazily so ``import boundary_lab.verify`` stays cheap:

>>> from boundary_lab import verify
>>> verify.is_equivalent("27.0", "27")
True
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "extract_answer": "math", "is_equivalent": "math", "grade_math": "math", "MathGrade": "math",
    "normalize_answer": "math_extract", "grade_code_records": "code",
}


# Submodules reachable as attributes (bl.verify.math_agreement), imported on first use.
_SUBMODULES = {"math", "math_extract", "math_equiv", "math_cases", "math_agreement", "code"}


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _EXPORTS:
        module = importlib.import_module(f"{__name__}.{_EXPORTS[name]}")
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_EXPORTS))
