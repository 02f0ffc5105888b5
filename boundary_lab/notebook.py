"""Helpers that keep notebooks thin: parameter checking and computed text for the page (glue).

Every notebook has a ``parameters`` cell of typed assignments, for example
``n_samples: int = 256  # samples per problem``. Papermill injects overrides
as plain assignments right after it. The next cell calls
:func:`check_parameters`, which fails fast on unknown names and wrong types.

>>> ns = {"__annotations__": {"n": int}, "n": 4, "Union": typing.Union}  # imports are not parameters
>>> check_parameters(ns)
{'n': 4}
>>> ns["n"] = "four"
>>> check_parameters(ns)
Traceback (most recent call last):
...
boundary_lab.errors.InputError: parameter n: expected int, got 'four' (str)
"""
from __future__ import annotations

import ast
import json
import types
import typing
from pathlib import Path

from .errors import InputError
from .settings import type_name

# Names IPython and Papermill put in a kernel's namespace; never user parameters.
_KERNEL_NAMES = {"In", "Out", "get_ipython", "exit", "quit", "open"}


def matches_annotation(value, annotation) -> bool:
    """Whether a parameter value has the type its notebook annotation names (int is a float, bool is
    not an int; an annotation this does not know accepts anything)."""
    origin = typing.get_origin(annotation)
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if origin in (typing.Union, types.UnionType):
        return any(matches_annotation(value, arg) for arg in typing.get_args(annotation))
    if annotation is type(None):
        return value is None
    if origin in (list, tuple):
        return isinstance(value, (list, tuple))
    if origin is dict:
        return isinstance(value, dict)
    if isinstance(annotation, type):
        return isinstance(value, annotation)
    return True


def check_parameters(namespace: dict) -> dict:
    """Validate a notebook's parameters; return them as a dict.

    ``namespace`` is the notebook's ``globals()``. The declared parameters are
    the annotated names of the parameters cell; any other public, non-module
    name present at this point was injected by Papermill and is unknown.
    """
    annotations = namespace.get("__annotations__", {})
    unknown = sorted(
        name for name, value in namespace.items()
        if not name.startswith("_") and name not in annotations and name not in _KERNEL_NAMES
        and not isinstance(value, (types.ModuleType, types.FunctionType, type, typing._SpecialForm))
    )
    if unknown:
        raise InputError(f"unknown parameter(s) {unknown}; this notebook takes {sorted(annotations)}")
    params = {}
    for name, annotation in annotations.items():
        value = namespace.get(name)
        if isinstance(annotation, str):  # `from __future__ import annotations` style
            annotation = eval(annotation, dict(vars(typing)), {})  # noqa: S307 - our own cell's text
        if not matches_annotation(value, annotation):
            raise InputError(f"parameter {name}: expected {type_name(annotation)}, "
                             f"got {value!r} ({type(value).__name__})")
        params[name] = value
    return params


def declared_parameters(notebook_path: str | Path) -> dict[str, str]:
    """The ``name: type`` pairs of a notebook's ``parameters`` cell, read without running it.

    Used by the book runner to reject unknown parameters before Papermill starts.
    """
    path = Path(notebook_path)
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            tree = ast.parse("".join(cell["source"]))
            return {
                node.target.id: ast.unparse(node.annotation)
                for node in tree.body
                if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
            }
    raise InputError(f"{path}: no cell tagged 'parameters'")


class _Text:
    """Text whose plain and markdown displays are the text itself (no quotes), for myst-nb's glue."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return self.text


def glue_text(name: str, text: str) -> None:
    """Store a computed sentence for the page's markdown, where ``{glue:text}`name``` (inline) or a
    ``{glue:md}`` directive (lists, paragraphs) shows it; the code cell itself displays nothing.
    The one way computed text reaches a page's prose. Without myst-nb (a GPU host with no docs
    extra) nothing is glued, so notebooks run anywhere."""
    try:
        from myst_nb import glue
    except ImportError:
        return
    glue(name, _Text(text), display=False)
