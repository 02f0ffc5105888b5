r"""Three math graders on the per-format case tables: boundary-lab, math-verify, the paper's grader.

- **boundary-lab**: ``grade_math`` (extraction + equivalence), as ``boundary-lab grade`` runs it.
- **math-verify**: ``math_verify.verify(parse(gold), parse(completion))`` with its default
  configuration, the plain loop the speed benchmark compares against. A gold answer without
  ``$`` is wrapped in ``$...$`` so that it parses as LaTeX.
- **the paper's grader**: the paper graded with the Qwen2.5-Math evaluation harness
  (``parser.extract_answer`` then ``grader.math_equal``, with its 1e-4 relative tolerance
  and percent rescaling). It is not on PyPI under its own name; evalscope 0.17.1 ships a port
  of it (``evalscope/metrics/math_parser.py``: ``extract_answer``, ``strip_answer_string``,
  ``math_equal``), which ``scripts/setup.sh`` installs without evalscope's dependencies. Its
  only difference from the paper's ``grader.py`` is that it parses LaTeX with
  ``latex2sympy2_extended`` (math-verify's parser) instead of the original ``latex2sympy2``.
  We load that one file, not the rest of evalscope.

Every check of the two other graders runs in a killable worker with a hard timeout (a
SIGALRM timeout works only in a main thread, and sympy can hang); a check past it counts as
"not equal".

>>> frame = grade_cases({"demo": [("[2,5)", r"So $x \in [2,5)$.", True)]}, graders=("boundary-lab",))
>>> frame[["kind", "expected", "boundary-lab"]].to_dict("records")
[{'kind': 'demo', 'expected': True, 'boundary-lab': True}]
"""
from __future__ import annotations

import ast
import functools
import importlib.util
import types
from pathlib import Path

import pandas as pd

from ..errors import InputError
from .math_cases import CASES, KIND_TITLES
from .math_extract import write_out_boxes

__all__ = ["GRADERS", "PUBLISHED_MATH_GROUPS", "agreement_figure", "agreement_table", "differences", "grade_cases",
           "math_verify_verdict", "paper_grader", "paper_verdict", "published_agreement", "published_cases",
           "unboxed_solutions"]

GRADERS = ("boundary-lab", "math-verify", "paper grader")
PAPER_GRADER_SOURCE = "evalscope==0.17.1: evalscope/metrics/math_parser.py (port of Qwen2.5-Math evaluation/grader.py)"


@functools.lru_cache(maxsize=1)
def paper_grader() -> types.ModuleType | None:
    """evalscope's port of the Qwen2.5-Math grader, loaded as one file; None when not installed."""
    spec = importlib.util.find_spec("evalscope")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "metrics" / "math_parser.py"
    if not path.exists():  # evalscope >= 1.0 delegates to math-verify instead
        return None
    file_spec = importlib.util.spec_from_file_location("boundary_lab_qwen_math_grader", path)
    module = importlib.util.module_from_spec(file_spec)
    try:
        file_spec.loader.exec_module(module)
    except ImportError:  # word2number or latex2sympy2_extended missing
        return None
    return module


def paper_verdict(gold: str, completion: str) -> bool:
    """The paper's pipeline: Qwen's ``extract_answer`` on the completion, ``strip_string`` on the gold,
    ``math_equal``."""
    grader = paper_grader()
    if grader is None:
        raise RuntimeError(f"the paper's grader is not installed ({PAPER_GRADER_SOURCE})")
    prediction = grader.extract_answer(completion)
    return bool(grader.math_equal(prediction, grader.strip_answer_string(gold)))


def math_verify_verdict(gold: str, completion: str) -> bool:
    """A plain math-verify call with its default configuration (its own timeouts off: we kill the worker)."""
    import logging

    from math_verify import parse, verify

    logging.getLogger("math_verify").setLevel(logging.ERROR)
    gold_text = gold if ("$" in gold or "\\boxed" in gold) else f"${gold}$"
    return bool(verify(parse(gold_text, parsing_timeout=None), parse(completion, parsing_timeout=None),
                       timeout_seconds=None))


def _run_in_workers(check: str, rows: list[tuple[str, str]], workers: int | None, timeout_s: float) -> list[bool]:
    from .math_pool import WorkerPool

    with WorkerPool(workers=workers, timeout_s=timeout_s, check=check) as pool:
        return [verdict for verdict, _status in pool.run(rows)]


def grade_cases(cases: dict[str, list[tuple[str, str, bool]]] | None = None,
                graders: tuple[str, ...] = GRADERS, workers: int | None = None,
                timeout_s: float = 10.0) -> pd.DataFrame:
    """One row per case: ``kind, gold, completion, expected, extracted`` and one verdict column per grader.

    A grader that is not installed gets an empty (NA) column.
    """
    from .math import grade_math

    cases = CASES if cases is None else cases
    rows = [(kind, gold, completion, expected) for kind, table in cases.items() for gold, completion, expected in table]
    frame = pd.DataFrame(rows, columns=["kind", "gold", "completion", "expected"])
    pairs = list(zip(frame["gold"], frame["completion"]))
    grades = grade_math(pairs, workers=workers, timeout_s=timeout_s)
    frame["extracted"] = [g.extracted for g in grades]
    if "boundary-lab" in graders:
        frame["boundary-lab"] = [g.correct for g in grades]
    if "math-verify" in graders:
        frame["math-verify"] = _run_in_workers(f"{__name__}:math_verify_verdict", pairs, workers, timeout_s)
    if "paper grader" in graders:
        if paper_grader() is None:
            frame["paper grader"] = pd.NA
        else:
            frame["paper grader"] = _run_in_workers(f"{__name__}:paper_verdict", pairs, workers, timeout_s)
    return frame


def unboxed_solutions(limit: int | None = None) -> dict[str, list[tuple[str, str, bool]]]:
    """Real LaTeX answers without a box: MATH500 reference solutions with every box written out.

    Each solution states its answer, so every row is expected to be graded correct.
    """
    from ..benchmarks import data_file, iter_jsonl

    if limit is not None and limit < 1:
        raise InputError(f"unboxed_solutions: limit must be at least 1, got {limit}")
    rows = [row for _, row in iter_jsonl(data_file("math/math500/test.jsonl"))][:limit]
    return {"MATH500 solutions, boxes written out": [(row["answer"], write_out_boxes(row["solution"]), True)
                                                    for row in rows]}


def agreement_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per kind: number of cases and, per grader, how many verdicts match the expected one."""
    graders = [g for g in GRADERS if g in frame.columns]
    out = []
    for kind, group in frame.groupby("kind", sort=False):
        row = {"kind": KIND_TITLES.get(kind, kind), "cases": len(group)}
        for grader in graders:
            verdicts = group[grader]
            row[grader] = pd.NA if verdicts.isna().all() else int((verdicts == group["expected"]).sum())
        out.append(row)
    total = {"kind": "all", "cases": len(frame)}
    for grader in graders:
        verdicts = frame[grader]
        total[grader] = pd.NA if verdicts.isna().all() else int((verdicts == frame["expected"]).sum())
    return pd.DataFrame(out + [total]).set_index("kind")


def differences(frame: pd.DataFrame, grader: str) -> pd.DataFrame:
    """The cases where ``grader`` disagrees with the expected verdict (false positive or negative)."""
    wrong = frame[frame[grader].notna() & (frame[grader] != frame["expected"])]
    kind = wrong["expected"].map({True: "false negative", False: "false positive"})
    return wrong.assign(error=kind)[["kind", "gold", "completion", "expected", "error"]]


def agreement_figure(table: pd.DataFrame):
    """Horizontal bars: per kind, the share of cases each grader decides as expected."""
    import matplotlib.pyplot as plt

    graders = [g for g in GRADERS if g in table.columns and table[g].notna().any()]
    kinds = table.drop(index="all", errors="ignore")
    share = kinds[graders].astype(float).div(kinds["cases"], axis=0)
    fig, ax = plt.subplots(figsize=(9.0, 1.2 + 0.45 * len(kinds)))
    height = 0.8 / max(1, len(graders))
    for i, grader in enumerate(graders):
        ax.barh([y + i * height for y in range(len(kinds))], share[grader], height=height, label=grader)
    ax.set_yticks([y + height * (len(graders) - 1) / 2 for y in range(len(kinds))], list(kinds.index))
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of cases graded as expected")
    ax.legend(fontsize=9, ncol=len(graders), loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    fig.tight_layout()
    return fig


# math-verify's own test groups that hold real model outputs (its sdist's tests/): 149 rows in 0.9.0.
# The other groups test notations (number formats, percent, LaTeX commands) one at a time.
PUBLISHED_MATH_GROUPS = ("test_simple_fraction_notation", "test_complex_math_expressions",
                         "test_math_extraction_edge_cases", "test_math_extraction_additional_cases",
                         "test_latex_notation_math", "test_relations_math", "test_open_thoughts")


def published_cases(tests_dir, groups: tuple[str, ...] | None = PUBLISHED_MATH_GROUPS) -> pd.DataFrame:
    """math-verify's published test rows, read from its sdist's ``tests/`` directory (not shipped here).

    One row per parametrized case whose first three values are literal (gold, prediction,
    expected): ``group`` (the test function), ``gold``, ``completion``, ``expected``.
    ``groups=None`` keeps every test function. The files are parsed, never imported or run.
    """
    rows = []
    files = sorted(Path(tests_dir).glob("test_*.py"))
    if not files:
        raise InputError(f"{tests_dir}: no test_*.py files (math-verify's sdist tests/ directory)")
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if not isinstance(node, ast.FunctionDef) or (groups is not None and node.name not in groups):
                continue
            for deco in node.decorator_list:
                if not (isinstance(deco, ast.Call) and getattr(deco.func, "attr", "") == "parametrize"
                        and len(deco.args) >= 2 and isinstance(deco.args[0], ast.Constant)):
                    continue
                names = [n.strip() for n in str(deco.args[0].value).split(",")]
                if names[:2] != ["gold", "pred"] or not isinstance(deco.args[1], (ast.List, ast.Tuple)):
                    continue
                for case in deco.args[1].elts:
                    try:
                        values = ast.literal_eval(case)
                    except ValueError:  # computed at run time (f-strings of math.sqrt): skipped
                        continue
                    rows.append({"group": node.name, "gold": values[0], "completion": values[1],
                                 "expected": bool(values[2])})
    return pd.DataFrame(rows, columns=["group", "gold", "completion", "expected"])


def published_agreement(tests_dir, groups: tuple[str, ...] | None = PUBLISHED_MATH_GROUPS,
                        workers: int | None = None, timeout_s: float = 60.0) -> dict:
    """How often boundary-lab decides math-verify's published rows as math-verify itself does.

    Returns ``rows``, ``agree_with_math_verify``, ``agree_with_expected`` and ``math_verify_expected``
    (rows where math-verify's default call gives the row's own expected verdict), the checks past
    ``timeout_s`` on either side (``timeouts``: they count as "not equal", so a loaded machine
    needs a long timeout) and the ``disagreements`` (group, gold, completion, ours, math-verify, expected).
    """
    from .math import grade_math
    from .math_pool import WorkerPool

    cases = published_cases(tests_dir, groups)
    pairs = list(zip(cases["gold"], cases["completion"]))
    report: dict = {}
    ours = [g.correct for g in grade_math(pairs, workers=workers, timeout_s=timeout_s, report=report)]
    with WorkerPool(workers=workers, timeout_s=timeout_s, check=f"{__name__}:math_verify_verdict") as pool:
        outcomes = pool.run(pairs)
    cases = cases.assign(ours=ours, math_verify=[verdict for verdict, _ in outcomes])
    differ = cases[cases["ours"] != cases["math_verify"]]
    return {"rows": len(cases), "timeouts": {"boundary-lab": len(report["timeouts"]),
                                             "math-verify": sum(status != "ok" for _, status in outcomes)},
            "agree_with_math_verify": int((cases["ours"] == cases["math_verify"]).sum()),
            "agree_with_expected": int((cases["ours"] == cases["expected"]).sum()),
            "math_verify_expected": int((cases["math_verify"] == cases["expected"]).sum()),
            "disagreements": differ[["group", "gold", "completion", "ours", "math_verify", "expected"]]
            .to_dict("records")}
