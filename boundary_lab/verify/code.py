"""Grade model-written code against tests, in the sandbox of :mod:`.sandbox`.

Three test styles:

- HumanEval style (:func:`grade_code_records`): a record has ``prompt``,
  ``completion``, ``test`` and ``entry_point``; the program is
  ``prompt + completion``, then ``test`` and ``check(<entry_point>)`` run in
  its namespace (with a private copy of the builtins).
- assert style (:func:`run_assert_tests`, MBPP's ``test_list``): assert
  lines run after the program, with a private copy of the builtins.
- stdin/stdout style (:func:`run_stdio_tests`, LiveCodeBench/CodeContests
  "input -> expected output" cases): the program reads stdin and its stdout is
  compared line by line, ignoring trailing whitespace.

Status of a record (exactly one):

===========  ==============================================================
``passed``   the harness proved that the tests ran to the end (secret token)
``timeout``  not proved, and the wall-clock or CPU-time limit killed it
``error``    the tests never started: the code does not compile (syntax
             error, null bytes) or the sandbox itself could not run
``failed``   everything else: an assertion or other exception, ``sys.exit``,
             ``os._exit``, a crash, a memory cap, an output flood
===========  ==============================================================

``passed`` is True only for ``passed``.

>>> rec = {"prompt": "def add(a, b):\\n", "completion": "    return a + b\\n",
...        "test": "def check(f):\\n    assert f(2, 3) == 5\\n", "entry_point": "add"}
>>> [(r["passed"], r["status"]) for r in grade_code_records([rec, {**rec, "completion": "    pass\\n"}])]
[(True, 'passed'), (False, 'failed')]
"""
from __future__ import annotations

import os
import signal
from concurrent.futures import ThreadPoolExecutor

from boundary_lab.errors import InputError
from boundary_lab.verify.sandbox import SandboxResult, run_in_sandbox, stdout_digest

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


def _workers(workers: int | None, n_jobs: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if workers is not None and workers < 1:
        raise InputError(f"workers: must be >= 1, got {workers}")
    return max(1, min(workers or cores, n_jobs or 1))


def grade_code_records(
    records: list[dict],
    workers: int | None = None,
    timeout_s: float = 10.0,
    progress: bool = False,
    memory_mb: int = 1024,
    plain_results: bool = True,
) -> list[dict]:
    """Run every HumanEval-style record's tests in the sandbox, in parallel.

    Returns copies of the records, in order, with ``passed`` (bool), ``status``
    (passed|failed|timeout|error) and ``duration_s`` added. ``workers``
    defaults to the number of usable cores; each worker runs one sandbox.
    With ``plain_results`` (default) the entry point's results must be plain
    built-in data as the test sees them, so an object whose ``__eq__`` always
    returns True (a known reward hack) fails instead of passing every assert;
    no HumanEval problem expects anything else.
    """
    if not timeout_s > 0:
        raise InputError(f"timeout_s: must be > 0 seconds, got {timeout_s!r}")
    jobs = [(*humaneval_job(rec, f"record {i}"), rec.get("entry_point")) for i, rec in enumerate(records)]

    def grade(job: tuple[str, str, str]) -> SandboxResult:
        program, test, entry = job
        for _ in range(3):  # retry only failures of the sandbox itself (e.g. fork failed under load)
            result = run_in_sandbox(program, test=test, timeout_s=timeout_s, memory_mb=memory_mb,
                                    plain_results_of=entry if plain_results else None)
            if result.ready or result.syntax_error is not None or result.timed_out:
                break
        return result

    out: list[dict] = []
    with ThreadPoolExecutor(max_workers=_workers(workers, len(jobs))) as pool:
        results = pool.map(grade, jobs)
        if progress:
            from tqdm import tqdm  # plain text bars: no widget warnings in notebooks
            results = tqdm(results, total=len(jobs), desc="grading code", unit="problem")
        for record, result in zip(records, results):
            status = status_of(result)
            out.append({**record, "passed": status == "passed", "status": status,
                        "duration_s": round(result.duration_s, 4)})
    return out


def run_assert_tests(
    program: str,
    tests: list[str],
    setup: str = "",
    timeout_s: float = 10.0,
    memory_mb: int = 1024,
) -> dict:
    """MBPP style: run ``setup``, the program, then every assert line, in one sandbox.

    Returns ``passed``, ``status`` (as for records) and ``duration_s``.

    >>> run_assert_tests("def sq(x):\\n    return x * x\\n", ["assert sq(3) == 9", "assert sq(-2) == 4"])["status"]
    'passed'
    """
    if not tests or not all(isinstance(t, str) for t in tests):
        raise InputError(f"tests: need a non-empty list of assert strings, got {tests!r:.120}")
    result = run_in_sandbox(setup + "\n" + program, test="\n".join(tests) + "\n", timeout_s=timeout_s,
                            memory_mb=memory_mb)
    status = status_of(result)
    return {"passed": status == "passed", "status": status, "duration_s": round(result.duration_s, 4)}


def outputs_match(actual: str, expected: str) -> bool:
    """Line-by-line equality, ignoring trailing whitespace and trailing blank lines.

    >>> outputs_match("3 \\n4\\n\\n", "3\\n4")
    True
    """
    return stdout_digest(actual) == stdout_digest(expected)


def run_stdio_tests(
    program: str,
    cases: list[tuple[str, str]],
    timeout_s: float = 10.0,
    memory_mb: int = 1024,
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
    result = run_in_sandbox(program, cases=[stdin for stdin, _ in cases], timeout_s=timeout_s,
                            memory_mb=memory_mb, lenient_exit=True)
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
    return {"passed": status == "passed", "status": status, "duration_s": round(result.duration_s, 4),
            "cases_passed": n_passed}
