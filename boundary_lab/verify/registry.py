"""Verifiers by kind, one registry row each: ``math``, ``code``, ``micro``.

A benchmark names its verifier kind (``BenchmarkSpec.verifier``). The sampler grades each
chunk with the row's ``grade_samples`` and ``boundary-lab grade`` validates and grades a
JSONL file with the row's record functions; neither dispatches on the kind's name, and an
unknown kind is an error, never a fallback. Adding a kind is adding a row to
:data:`VERIFIERS` (docs/design.md, "Add a verifier"; tests/test_verifier_registry.py does it
with a throwaway row).

>>> sorted(VERIFIERS)
['code', 'math', 'micro']
>>> verifier("math").grade_samples([{"answer": "4"}], ["so the answer is $\\\\boxed{4}$"], "qwen-boxed")
[{'extracted': '4', 'correct': True}]
>>> [k for k, v in VERIFIERS.items() if v.record_fields], verifier("code").verdict
(['math', 'code'], 'passed')
>>> verifier("maths")
Traceback (most recent call last):
...
boundary_lab.errors.InputError: verifier: unknown kind 'maths'; known: code, math, micro
"""
from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ..errors import InputError
from ..micro.task import Problem, check
from .code import grade_code_records
from .math import grade_math
from .math_extract import extract_gold


@dataclass(frozen=True)
class VerifierSpec:
    """One verifier kind, as a registry row."""

    kind: str = field(metadata={"help": "the name benchmarks and --kind use"})
    title: str = field(metadata={"help": "what it checks, in a few words"})
    # (problems, completions, template) -> one dict per completion with at least `extracted` and `correct`;
    # problems[i] is the benchmark problem of completions[i].
    grade_samples: Callable[[Sequence[Mapping], Sequence[str], str], list[dict]] = field(
        metadata={"help": "grades sampled completions of benchmark problems"})
    # `boundary-lab grade --kind KIND`: the fields a record needs (name -> accepted types); empty: not offered.
    record_fields: Mapping[str, tuple[type, ...]] = field(
        default_factory=dict, metadata={"help": "fields a JSONL record needs for boundary-lab grade"})
    check_record: Callable[[dict], str | None] = field(
        default=lambda record: None, metadata={"help": "why a record with those fields is still invalid, or None"})
    # (records, workers, timeout_s, progress) -> (graded copies, [(record index, note), ...])
    grade_records: Callable[..., tuple[list[dict], list[tuple[int, str]]]] | None = field(
        default=None, metadata={"help": "grades JSONL records (copies with the verdict fields added)"})
    verdict: str = field(default="correct", metadata={"help": "the boolean field a graded record's verdict is in"})
    default_timeout_s: float = field(default=5.0, metadata={"help": "seconds per check unless --timeout says"})


def verifier(kind: str) -> VerifierSpec:
    """The row of ``kind``; an unknown kind is an InputError naming the known ones."""
    if kind not in VERIFIERS:
        raise InputError(f"verifier: unknown kind {kind!r}; known: {', '.join(sorted(VERIFIERS))}")
    return VERIFIERS[kind]


# ---------------------------------------------------------------- math

def _math_samples(problems: Sequence[Mapping], completions: Sequence[str], template: str) -> list[dict]:
    grades = grade_math([(p["answer"], text) for p, text in zip(problems, completions)])
    return [{"extracted": g.extracted, "correct": bool(g.correct)} for g in grades]


def _math_record(record: dict) -> str | None:
    if isinstance(record["answer"], list):
        try:
            extract_gold(record["answer"])
        except TypeError as err:
            return f"field 'answer': {err}"
    return None


def _math_records(records: list[dict], workers: int | None, timeout_s: float,
                  progress: bool) -> tuple[list[dict], list[tuple[int, str]]]:
    report: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # reported per record below instead
        grades = grade_math(records, workers=workers, timeout_s=timeout_s, progress=progress, report=report)
    out = [{**rec, "extracted": g.extracted, "correct": bool(g.correct)} for rec, g in zip(records, grades)]
    timed_out = set(report.get("timeouts", []))
    notes = [(i, f"symbolic check timed out after {timeout_s:g}s, graded wrong (extracted={g.extracted[:60]!r})")
             for i, (rec, g) in enumerate(zip(records, grades))
             if (extract_gold(rec["answer"]), g.extracted) in timed_out]
    return out, notes


# ---------------------------------------------------------------- code

def code_of(text: str) -> str:
    """The code of a completion: the first fenced block's body, or the text up to a closing fence.

    >>> code_of("```python\\nx = 1\\n```\\nprose"), code_of("    return 1\\n```"), code_of("x = 2")
    ('x = 1\\n', '    return 1\\n', 'x = 2')
    """
    if "```" in text:
        head, _, rest = text.partition("```")
        if head.strip() == "" or rest.startswith(("python", "py\n")):
            body = rest.split("\n", 1)[1] if rest.startswith(("python", "py")) else rest
            return body.split("```", 1)[0]
        return head  # prefilled "```python": the code ends at the closing fence
    return text


def _code_samples(problems: Sequence[Mapping], completions: Sequence[str], template: str) -> list[dict]:
    # A raw template continues the function header; chat templates write the whole program.
    records = [{"prompt": p.get("prompt", "") if template == "raw" else "", "completion": code_of(text),
                "test": p["test"], "entry_point": p["entry_point"]} for p, text in zip(problems, completions)]
    return [{"extracted": graded["completion"], "correct": bool(graded["passed"])}
            for graded in grade_code_records(records)]


def _code_record(record: dict) -> str | None:
    if not record["entry_point"].isidentifier():
        return f"field 'entry_point' is not a Python identifier: {record['entry_point'][:60]!r}"
    return None


def _code_records(records: list[dict], workers: int | None, timeout_s: float,
                  progress: bool) -> tuple[list[dict], list[tuple[int, str]]]:
    results = grade_code_records(records, workers=workers, timeout_s=timeout_s, progress=progress)
    return [{**rec, "passed": bool(res["passed"]), "status": res["status"], "detail": res["detail"],
             "duration_s": res["duration_s"]} for rec, res in zip(records, results)], []


# ---------------------------------------------------------------- micro

def micro_problem(problem: Mapping) -> Problem:
    """The micro-world :class:`~boundary_lab.micro.task.Problem` a micro-tier benchmark row describes."""
    kwargs = {f.name: problem[f.name] for f in dataclasses.fields(Problem) if f.name in problem}
    kwargs["steps"] = tuple((str(op), int(a)) for op, a in problem["steps"])
    return Problem(**kwargs)


def micro_answer(text: str) -> str | None:
    """The token after the last ``A`` of a micro trace (what the checker reads as the answer).

    >>> micro_answer("S 3 +4 7 A 7"), micro_answer("S 3 A"), micro_answer("no answer")
    ('7', None, None)
    """
    toks = text.split()
    if "A" not in toks:
        return None
    idx = len(toks) - 1 - toks[::-1].index("A")
    return toks[idx + 1] if idx + 1 < len(toks) else None


def _micro_samples(problems: Sequence[Mapping], completions: Sequence[str], template: str) -> list[dict]:
    # whole chain (correct) and the answer alone (answer_correct), and the strategy the trace used
    out = []
    for problem, text in zip(problems, completions):
        verdict = check(micro_problem(problem), text)
        out.append({"extracted": micro_answer(text), "correct": bool(verdict.correct),
                    "answer_correct": bool(verdict.answer_correct), "strategy": verdict.strategy})
    return out


VERIFIERS: dict[str, VerifierSpec] = {
    row.kind: row
    for row in (
        VerifierSpec("math", "final answer: extraction and equivalence (verify.math)", _math_samples,
                     record_fields={"completion": (str,), "answer": (str, int, float, list)},
                     check_record=_math_record, grade_records=_math_records, default_timeout_s=5.0),
        VerifierSpec("code", "program against its tests in the sandbox (verify.code)", _code_samples,
                     record_fields={"prompt": (str,), "completion": (str,), "test": (str,), "entry_point": (str,)},
                     check_record=_code_record, grade_records=_code_records, verdict="passed",
                     default_timeout_s=10.0),
        # The micro-world's checker (micro.task.check): `correct` is the whole chain, as on the micro pages.
        VerifierSpec("micro", "micro-world trace: every step and the answer (micro.task)", _micro_samples),
    )
}
