"""Audit the verifiers on real, labelled data: can pass@k at k = 1024 trust each verdict?

- ``gsm8k_labelled``: 5,276 real GPT-3 solutions to GSM8K test with OpenAI's
  correctness labels (the grade-school-math repository's example solutions).
- ``math_agreement``: our math grader against those labels, with the disagreements.
- ``self_consistency``: every gold answer of a math benchmark against its own
  reference solution (a grader that fails this has false negatives on the
  benchmark's own formats).
- ``code_audit``: HumanEval canonical solutions, trivially wrong completions
  and fake-pass attempts through the sandbox.

>>> import pandas as pd
>>> confusion(pd.Series([True, False, True]), pd.Series([True, True, True])).to_dict()
{'true positive': 2, 'false positive': 0, 'false negative': 1, 'true negative': 0}
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .benchmarks import data_file, iter_jsonl, load_benchmark
from .errors import InputError
from .verify.code import grade_code_records
from .verify.math import grade_math

GSM8K_SOLVERS = ("6b_finetuning", "6b_verification", "175b_finetuning", "175b_verification")


def gsm8k_labelled(path: str | Path | None = None, strip_final_line: bool = False) -> pd.DataFrame:
    """Labelled GPT-3 GSM8K solutions as a frame: ``problem, solver, gold, completion, label``.

    With ``strip_final_line`` the trailing ``A: N`` line is removed, so the
    grader must fall back to reading the reasoning itself.
    """
    path = Path(path) if path else data_file("math/gsm8k/example_model_solutions.jsonl")
    if not path.exists():
        raise InputError(f"{path}: labelled GSM8K solutions not found")
    rows = []
    for i, record in iter_jsonl(path):
        gold = record["ground_truth"].rsplit("A:", 1)[1].strip()
        for solver in GSM8K_SOLVERS:
            text = record[solver]["solution"]
            if strip_final_line:
                text = re.sub(r"\nA:.*$", "", text.rstrip())
            rows.append({"problem": i, "solver": solver, "gold": gold, "completion": text,
                         "label": bool(record[solver]["is_correct"])})
    return pd.DataFrame(rows)


def confusion(verdicts: pd.Series, labels: pd.Series) -> pd.Series:
    """Counts of (verdict, label) agreement, with 'positive' meaning graded correct."""
    v, lab = verdicts.astype(bool).to_numpy(), labels.astype(bool).to_numpy()
    return pd.Series({"true positive": int((v & lab).sum()), "false positive": int((v & ~lab).sum()),
                      "false negative": int((~v & lab).sum()), "true negative": int((~v & ~lab).sum())})


def math_agreement(frame: pd.DataFrame, workers: int | None = None, timeout_s: float = 5.0) -> pd.DataFrame:
    """Grade ``frame`` (``gold``, ``completion``, ``label``) and add ``extracted``, ``verdict``, ``agrees``."""
    grades = grade_math(list(zip(frame["gold"], frame["completion"])), workers=workers, timeout_s=timeout_s)
    return frame.assign(extracted=[g.extracted for g in grades], verdict=[g.correct for g in grades],
                        agrees=lambda d: d["verdict"] == d["label"])


def self_consistency(benchmarks=("math500", "minerva", "olympiadbench", "aime24", "amc23", "gsm8k"),
                     workers: int | None = None, timeout_s: float = 5.0) -> pd.DataFrame:
    """Each benchmark's gold answer graded against ``\\boxed{gold}``: every row should be correct."""
    rows = []
    for name in benchmarks:
        problems = load_benchmark(name)
        grades = grade_math([(p["answer"], f"The answer is \\boxed{{{p['answer']}}}") for p in problems],
                            workers=workers, timeout_s=timeout_s)
        wrong = [p["problem_id"] for p, g in zip(problems, grades) if not g.correct]
        rows.append({"benchmark": name, "problems": len(problems), "gold accepted": len(problems) - len(wrong),
                     "rejected ids": " ".join(wrong[:10])})
    return pd.DataFrame(rows)


def code_audit(workers: int | None = None, timeout_s: float = 10.0, limit: int | None = None) -> pd.DataFrame:
    """HumanEval through the sandbox: canonical solutions, wrong completions, fake passes.

    Returns one row per (kind, status) with counts; every canonical solution should
    pass and nothing else should (tests/test_sandbox_cli.py checks it). ``limit``: only
    the first ``limit`` problems (default: all 164).
    """
    problems = load_benchmark("humaneval")[:limit]
    fakes = {
        "canonical": lambda p: p["answer"],  # the registry maps canonical_solution to answer
        "returns None": lambda p: "    return None\n",
        "exits 0 before the tests": lambda p: "    import sys; sys.exit(0)\n",
        "os._exit(0) at import": lambda p: "    pass\nimport os\nos._exit(0)\n",
        "infinite loop": lambda p: "    while True:\n        pass\n",
    }
    records = []
    for kind, make in fakes.items():
        # every problem for the two honest kinds; 8 for the attacks, 2 for the loop (each burns the timeout)
        subset = problems if kind in ("canonical", "returns None") else problems[:2 if kind == "infinite loop" else 8]
        records += [{"kind": kind, "prompt": p["prompt"], "completion": make(p), "test": p["test"],
                     "entry_point": p["entry_point"]} for p in subset]
    graded = pd.DataFrame(grade_code_records(records, workers=workers, timeout_s=timeout_s))
    table = graded.groupby(["kind", "status"], sort=False).agg(samples=("passed", "size"),
                                                                mean_seconds=("duration_s", "mean"))
    return table.reset_index()
