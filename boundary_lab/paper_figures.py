"""Every figure and table of the paper, and the book page that reproduces it (or why none does).

The one place this list lives is ``paper_figures.csv`` beside this module (data, one row a figure group):
the status page renders it, and tests/test_paper_figures.py checks that
every page it names is in the book's table of contents and mentions the figure, and that every row
not fully reproduced says why. Figure numbers follow the paper (arXiv 2504.13837).

>>> frame().columns.tolist()
['figure', 'what', 'page', 'status', 'reason']
>>> frame().set_index("figure").loc["Fig. 4 right", "status"]
'missing'
"""
from __future__ import annotations

import csv
import io
from importlib import resources
from typing import NamedTuple

import pandas as pd

# What a row's status means. "reproduced": the page draws it on the micro-world (and on your counts);
# "partial": the page draws part of it, the reason says which part is not there; "missing": no page
# draws it, the reason says why; "drawing": the paper's panel is an illustration, not a measurement.
STATUSES = ("reproduced", "partial", "missing", "drawing")
NO_PAGE = "none"


class Figure(NamedTuple):
    figure: str  # the paper's figure or table numbers, as the page's own title cites them
    what: str  # what it measures
    page: str  # the notebook's name (book/executed/<page>), or "none"
    status: str  # one of STATUSES
    reason: str = ""  # why it is not reproduced in full ("" only when reproduced)


def _read() -> tuple[Figure, ...]:
    """The rows of ``paper_figures.csv`` (package data beside this module), in the paper's order."""
    text = resources.files("boundary_lab").joinpath("paper_figures.csv").read_text(encoding="utf-8")
    return tuple(Figure(**row) for row in csv.DictReader(io.StringIO(text)))


# One row per figure group, in boundary_lab/paper_figures.csv (data, not code): edit the row there.
FIGURES: tuple[Figure, ...] = _read()


def frame() -> pd.DataFrame:
    """The list as a table, one row per figure, in the paper's order."""
    return pd.DataFrame([f._asdict() for f in FIGURES])


def page_table() -> pd.DataFrame:
    """The list for the status page: page names become links to the executed pages ("none" stays text)."""
    out = frame()
    out["page"] = [name if name == NO_PAGE else f'<a href="{name}.html">{name.replace("_", " ")}</a>'
                   for name in out["page"]]
    return out


def summary_sentence(table: pd.DataFrame | None = None) -> str:
    """How many of the paper's figures the book reproduces, in one sentence.

    >>> summary_sentence(pd.DataFrame({"status": ["reproduced", "partial", "missing", "reproduced"]}))
    'Of the 4 figure groups of the paper, 2 are reproduced in full, 1 in part and 1 by no page.'
    """
    table = frame() if table is None else table
    count = table["status"].value_counts()
    text = (f"Of the {len(table)} figure groups of the paper, {count.get('reproduced', 0)} are reproduced in full, "
            f"{count.get('partial', 0)} in part and {count.get('missing', 0)} by no page")
    drawings = count.get("drawing", 0)
    return text + (f" ({drawings} {'is a drawing' if drawings == 1 else 'are drawings'})." if drawings else ".")
