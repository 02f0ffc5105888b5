"""Every figure and table of the paper, and the book page that reproduces it (or why none does).

The one place this list lives: the status page renders it, and tests/test_paper_figures.py checks that
every page it names is in the book's table of contents and mentions the figure, and that every row
not fully reproduced says why. Figure numbers follow the paper (arXiv 2504.13837).

>>> frame().columns.tolist()
['figure', 'what', 'page', 'status', 'reason']
>>> frame().set_index("figure").loc["Fig. 4 right", "status"]
'missing'
"""
from __future__ import annotations

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


FIGURES: tuple[Figure, ...] = (
    Figure("Fig. 1 left", "the search tree that RL narrows (sketch)", NO_PAGE, "drawing",
           "an illustration, not a measurement; the narrowing page measures the mechanism it sketches"),
    Figure("Fig. 1 right, Table 3", "pass@k across GRPO training steps", "training_steps", "reproduced"),
    Figure("Fig. 2, 9–12", "base vs RL pass@k on each math benchmark", "base_vs_rl", "reproduced"),
    Figure("Fig. 3, 4 left, Table 5", "code: pass@k curves and solvable problem sets", "code_figures", "partial",
           "the page draws them from your code counts (HumanEval, MBPP-style, LiveCodeBench); the default book "
           "has none: there is no micro code task, and sampling real code models needs a GPU"),
    Figure("Fig. 4 right", "visual reasoning (MathVista, MathVision)", NO_PAGE, "missing",
           "needs a vision-language model and the benchmarks' images; the micro-world has no visual analog"),
    Figure("Fig. 5, 13", "histograms of per-problem accuracy", "histograms", "reproduced"),
    Figure("Table 4", "solvable problem ids and the subset relation", "coverage", "reproduced"),
    Figure("§3.1", "valid chains of thought behind lucky answers", "coverage", "reproduced"),
    Figure("Fig. 6", "perplexity of base, RL and teacher answers under the base, in both worlds", "perplexity",
           "reproduced"),
    Figure("Fig. 7", "base vs instruct (rejection-sampling fine-tuning) vs RL vs distilled coverage", "distillation",
           "reproduced"),
    Figure("Fig. 8, 14, Table 2", "six RL algorithms and the sampling-efficiency gap ΔSE", "algorithms",
           "reproduced"),
    Figure("Fig. 15", "KL term (0.001) and rollout count (32) ablations, over seeds", "remedies", "reproduced"),
    Figure("Fig. 16", "pass@k at sampling temperatures 0.6, 1.0 and 1.2", "narrowing", "reproduced"),
    Figure("Fig. 17", "output entropy, and RL at the entropy-matched temperature", "narrowing", "reproduced"),
    Figure("§2.3", "base vs RL at the paper's sampling settings (T = 0.6, top-p 0.95)", "narrowing",
           "reproduced"),
)


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
