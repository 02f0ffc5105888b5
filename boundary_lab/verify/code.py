"""Grade model-written code against tests, in the sandbox of :mod:`.sandbox`.

Three test styles:

- HumanEval style (:func:`grade_code_records`): a record has ``prompt``,
  ``completion``, ``test`` and ``entry_point``; the program is
  ``prompt + completion``. ``test`` and ``check(<entry_point>)`` run in a
  separate trusted oracle (:func:`.sandbox.run_tests_in_sandbox`) with the
  prompt's own helpers (HumanEval/32's ``poly``...), never the program's;
  each call of the entry point crosses to the program's sandbox and back as
  plain data.
- assert style (:func:`run_assert_tests`, MBPP's ``test_list``): the assert
  lines run in the oracle after the setup code; the functions they name are
  the program's, called across the boundary.
- stdin/stdout style (:func:`run_stdio_tests`, LiveCodeBench/CodeContests
  "input -> expected output" cases): the program reads stdin and its stdout is
  compared line by line, ignoring trailing whitespace.

Status of a record (exactly one):

===========  ==============================================================
``passed``   the tests ran to the end: the oracle's verdict (stdin/stdout:
             every case's proven output matched)
``timeout``  not passed, and the wall-clock or CPU-time limit killed it
``error``    the tests never ran: the code does not compile (syntax error,
             null bytes), the tests cannot run (they pass the candidate
             something that is not plain data), or the sandbox could not run
``failed``   everything else: an assertion or other exception, ``sys.exit``,
             ``os._exit``, a crash, a memory cap, an output flood, a result
             that is not plain built-in data
===========  ==============================================================

``passed`` is True only for ``passed``. ``detail`` says why in one line, and
names the limit and its value when one ended the run (e.g. "memory cap of
1024 MiB hit"); ``limits`` in :class:`.sandbox.SandboxLimits` are all
configurable.

>>> rec = {"prompt": "def add(a, b):\\n", "completion": "    return a + b\\n",
...        "test": "def check(f):\\n    assert f(2, 3) == 5\\n", "entry_point": "add"}
>>> [(r["passed"], r["status"]) for r in grade_code_records([rec, {**rec, "completion": "    pass\\n"}])]
[(True, 'passed'), (False, 'failed')]
"""
from __future__ import annotations

import os
import signal
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict

from boundary_lab.errors import InputError
from boundary_lab.verify.sandbox import (
    SandboxLimits,
    SandboxResult,
    run_in_sandbox,
    run_tests_in_sandbox,
    stdout_digest,
)

HUMANEVAL_FIELDS = ("prompt", "completion", "test", "entry_point")
STATUSES = ("passed", "failed", "timeout", "error")


def status_of(result: SandboxResult) -> str:
    """Map a sandbox result to passed / timeout / error / failed (see module docstring)."""
    if result.completed:
        return "passed"
    cpu_killed = result.exit_code in (-signal.SIGXCPU, 128 + signal.SIGXCPU)
    if result.timed_out or cpu_killed:
        return "timeout"
    if not result.ready:
        return "error"
    return "failed"


def detail_of(result: SandboxResult) -> str:
    """One line on why a run got its status (the limit and its value if one ended it)."""
    if result.completed:
        return "tests passed"
    if result.limit_hit:
        limits = SandboxLimits(**result.limits) if result.limits else SandboxLimits()
        return f"{limits.describe(result.limit_hit)} hit"
    for text in (result.syntax_error, result.error, result.failure):
        if text:
            return text[:500]
    return "the program did not finish"


def _limits(limits: SandboxLimits | None, timeout_s: float | None, memory_mb: int | None) -> SandboxLimits:
    """``limits`` with the timeout and memory keywords applied; InputError on bad values."""
    if timeout_s is not None and not timeout_s > 0:
        raise InputError(f"timeout_s: must be > 0 seconds, got {timeout_s!r}")
    base = limits or SandboxLimits()
    try:
        return SandboxLimits(**{**asdict(base), **{k: v for k, v in
                                                   (("timeout_s", timeout_s), ("memory_mb", memory_mb))
                                                   if v is not None}})
    except ValueError as exc:
        raise InputError(str(exc)) from None


def _graded(result: SandboxResult) -> dict:
    status = status_of(result)
    return {"passed": status == "passed", "status": status, "detail": detail_of(result),
            "duration_s": round(result.duration_s, 4)}


def humaneval_job(record: dict, where: str = "record") -> tuple[str, str]:
    """(program, test code) of a HumanEval-style record; InputError on bad fields."""
    for field in HUMANEVAL_FIELDS:
        if field not in record:
            raise InputError(f"{where}: missing field {field!r} (have {sorted(record)})")
        if not isinstance(record[field], str):
            raise InputError(f"{where}: field {field!r} must be a string, got {record[field]!r:.80}")
    entry = record["entry_point"]
    if not entry.isidentifier():
        raise InputError(f"{where}: field 'entry_point' is not a Python identifier: {entry!r:.80}")
    program = record["prompt"] + record["completion"]
    test = f"{record['test']}\n\ncheck({entry})\n"
    return program, test


def prompt_helpers(prompt: str) -> str:
    """The part of a (trusted) prompt that the oracle runs: the prompt itself if it compiles,
    else with ``pass`` as the body of its last, unfinished ``def``, else its longest run of
    complete top-level statements.

    >>> prompt_helpers("import math\\ndef f(x):\\n")
    'import math\\ndef f(x):\\n    pass\\n'
    """
    def compiles(text: str) -> bool:
        try:
            compile(text, "<helpers>", "exec")
            return True
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False

    if compiles(prompt):
        return prompt
    lines = prompt.rstrip().splitlines()
    defs = [line for line in lines if line.lstrip().startswith(("def ", "async def "))]
    if defs:
        indent = defs[-1][: len(defs[-1]) - len(defs[-1].lstrip())] + "    "
        patched = prompt.rstrip() + "\n" + indent + "pass\n"
        if compiles(patched):
            return patched
    for end in range(len(lines) - 1, 0, -1):
        if lines[end][:1] not in ("", " ", "\t", "#", ")", "]", "}"):
            head = "\n".join(lines[:end]) + "\n"
            if compiles(head):
                return head
    return ""


def _workers(workers: int | None, n_jobs: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if workers is not None and workers < 1:
        raise InputError(f"workers: must be >= 1, got {workers}")
    return max(1, min(workers or cores, n_jobs or 1))


def grade_code_records(
    records: list[dict],
    workers: int | None = None,
    timeout_s: float | None = None,
    progress: bool = False,
    memory_mb: int | None = None,
    limits: SandboxLimits | None = None,
) -> list[dict]:
    """Run every HumanEval-style record's tests in the sandbox, in parallel.

    Returns copies of the records, in order, with ``passed`` (bool), ``status``
    (passed|failed|timeout|error), ``detail`` and ``duration_s`` added.
    ``workers`` defaults to the number of usable cores; each worker runs one
    record at a time (two sandboxes: the program's and the oracle's). Limits
    are ``limits`` (defaults: :class:`.sandbox.SandboxLimits`) with
    ``timeout_s`` and ``memory_mb`` applied. The entry point's results reach
    the tests as plain built-in data only, so an object whose ``__eq__``
    always returns True (a known reward hack) fails.
    """
    lim = _limits(limits, timeout_s, memory_mb)
    jobs = [(*humaneval_job(rec, f"record {i}"), prompt_helpers(rec["prompt"]), rec["entry_point"])
            for i, rec in enumerate(records)]

    def grade(job: tuple[str, str, str, str]) -> SandboxResult:
        program, test, prompt, entry = job
        for _ in range(3):  # retry only failures of the sandbox itself (e.g. fork failed under load)
            result = run_tests_in_sandbox(program, test, helpers=prompt, entry_point=entry, limits=lim)
            if not (result.error or "").startswith(("could not start sandbox", "the oracle gave no verdict")):
                break
        return result

    out: list[dict] = []
    with ThreadPoolExecutor(max_workers=_workers(workers, len(jobs))) as pool:
        results = pool.map(grade, jobs)
        if progress:
            from tqdm import tqdm  # plain text bars: no widget warnings in notebooks
            results = tqdm(results, total=len(jobs), desc="grading code", unit="problem")
        for record, result in zip(records, results):
            out.append({**record, **_graded(result)})
    return out


def run_assert_tests(
    program: str,
    tests: list[str],
    setup: str = "",
    timeout_s: float | None = None,
    memory_mb: int | None = None,
    limits: SandboxLimits | None = None,
) -> dict:
    """MBPP style: the assert lines run in the oracle after ``setup``; the program after ``setup``
    in its own sandbox.

    The functions the asserts call are the program's (each call crosses the
    boundary), unless ``setup`` defines them. Returns ``passed``, ``status``,
    ``detail`` (as for records) and ``duration_s``.

    >>> run_assert_tests("def sq(x):\\n    return x * x\\n", ["assert sq(3) == 9", "assert sq(-2) == 4"])["status"]
    'passed'
    """
    if not tests or not all(isinstance(t, str) for t in tests):
        raise InputError(f"tests: need a non-empty list of assert strings, got {tests!r:.120}")
    result = run_tests_in_sandbox(setup + "\n" + program, "\n".join(tests) + "\n", helpers=setup,
                                  limits=_limits(limits, timeout_s, memory_mb))
    return _graded(result)


def outputs_match(actual: str, expected: str) -> bool:
    """Line-by-line equality, ignoring trailing whitespace and trailing blank lines.

    >>> outputs_match("3 \\n4\\n\\n", "3\\n4")
    True
    """
    return stdout_digest(actual) == stdout_digest(expected)


def run_stdio_tests(
    program: str,
    cases: list[tuple[str, str]],
    timeout_s: float | None = None,
    memory_mb: int | None = None,
    limits: SandboxLimits | None = None,
) -> dict:
    """Run ``program`` on every (stdin, expected stdout) case, in one sandbox.

    Each case runs in a fresh namespace with its own stdin; ``timeout_s`` is per
    case. A case passes when the run finished normally (``sys.exit(0)``
    allowed) and its stdout matches (:func:`outputs_match`); the expected
    outputs never enter the sandbox, only proven digests of the actual outputs
    leave it. Returns ``passed``, ``status`` (as for records; a wrong output is
    ``failed``), ``duration_s`` and ``cases_passed`` (leading cases that passed).

    >>> run_stdio_tests("print(int(input()) * 2)", [("2\\n", "4\\n"), ("5", "10")])["status"]
    'passed'
    """
    if not cases:
        raise InputError("cases: need at least one (stdin, expected) pair, got none")
    for i, case in enumerate(cases):
        if not (isinstance(case, (tuple, list)) and len(case) == 2 and all(isinstance(x, str) for x in case)):
            raise InputError(f"cases[{i}]: need a (stdin, expected) pair of strings, got {case!r:.120}")
    result = run_in_sandbox(program, cases=[stdin for stdin, _ in cases], lenient_exit=True,
                            limits=_limits(limits, timeout_s, memory_mb))
    n_passed = 0
    for digest, (_, expected) in zip(result.case_digests, cases):
        if digest != stdout_digest(expected):
            break
        n_passed += 1
    if n_passed == len(cases):
        status = "passed"
    elif n_passed < len(result.case_digests):
        status = "failed"  # finished, but printed the wrong answer
    else:
        status = status_of(result)  # case n_passed did not finish
    detail = "all cases passed" if status == "passed" else (
        f"case {n_passed} printed a wrong answer" if status == "failed" and n_passed < len(result.case_digests)
        else detail_of(result))
    return {"passed": status == "passed", "status": status, "detail": detail,
            "duration_s": round(result.duration_s, 4), "cases_passed": n_passed}
