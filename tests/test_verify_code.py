"""verify.code: HumanEval and stdin/stdout grading through the real sandbox."""
from __future__ import annotations

import gzip
import json
import os
import warnings
from pathlib import Path

import pytest

from boundary_lab.benchmarks import data_file
from boundary_lab.errors import InputError
from boundary_lab.verify.code import (
    grade_code_records,
    outputs_match,
    run_assert_tests,
    run_stdio_tests,
    status_of,
)
from boundary_lab.verify.sandbox import SandboxLimits, SandboxResult, bwrap_path, bwrap_problem, run_in_sandbox

try:
    from cgroup_guard import guard_available, run_guarded
except ImportError:  # tests collected as a package
    from tests.cgroup_guard import guard_available, run_guarded

pytestmark = pytest.mark.sandbox

HUMANEVAL = data_file("code/humaneval/HumanEval.jsonl.gz")  # shipped package data
ADD = {"task_id": "t/add", "prompt": "def add(a, b):\n", "completion": "    return a + b\n",
       "test": "def check(f):\n    assert f(2, 3) == 5\n    assert f(-1, 1) == 0\n", "entry_point": "add"}


def humaneval() -> list[dict]:
    if not HUMANEVAL.exists():
        pytest.skip(f"HumanEval data not found at {HUMANEVAL}")
    with gzip.open(HUMANEVAL, "rt") as handle:
        return [json.loads(line) for line in handle]


@pytest.mark.slow
def test_all_humaneval_canonical_solutions_pass():
    records = [{**r, "completion": r["canonical_solution"]} for r in humaneval()]
    graded = grade_code_records(records, timeout_s=20)
    assert len(graded) == 164
    assert [g["task_id"] for g in graded] == [r["task_id"] for r in records]  # order kept
    failed = [(g["task_id"], g["status"]) for g in graded if not g["passed"]]
    assert not failed


WRONG_COMPLETIONS = ["    return None\n", "    pass\n", ""]


@pytest.mark.slow
def test_trivially_wrong_completions_fail_on_all_humaneval():
    # One wrong completion per problem, cycling through the three kinds.
    records = [{**r, "completion": WRONG_COMPLETIONS[i % 3]} for i, r in enumerate(humaneval())]
    graded = grade_code_records(records, timeout_s=20)
    assert [g["task_id"] for g in graded if g["passed"]] == []
    assert {g["status"] for g in graded} <= {"failed", "error"}


STATUS_CASES = [
    ("correct", "    return a + b\n", "passed"),
    ("wrong", "    return a - b\n", "failed"),
    ("raises", "    raise ValueError('no')\n", "failed"),
    ("syntax_error", "    return a +\n", "error"),
    ("null_byte", "    return a\x00\n", "error"),
    ("sys_exit", "    import sys; sys.exit(0)\n", "failed"),
    ("loops", "    while True: pass\n", "timeout"),
]


@pytest.mark.parametrize("name,completion,status", STATUS_CASES, ids=[c[0] for c in STATUS_CASES])
def test_status_of_each_outcome(name, completion, status):
    [graded] = grade_code_records([{**ADD, "completion": completion}], timeout_s=1.5)
    assert graded["status"] == status
    assert graded["passed"] is (status == "passed")
    assert isinstance(graded["duration_s"], float) and graded["duration_s"] > 0


def test_always_equal_results_fail():
    hack = {**ADD, "completion": "    class E:\n        def __eq__(self, other):\n            return True\n"
                                 "    return E()\n"}
    [graded] = grade_code_records([hack])
    assert graded["status"] == "failed" and graded["detail"] == "add returned a 'E', not plain built-in data"


@pytest.mark.parametrize("completion,detail", [
    ("    return a + b\n", "tests passed"),
    ("    return a - b\n", "AssertionError at test line 2: "),
    ("    return a +\n", "SyntaxError: invalid syntax (<program>, line 2)"),
    ("    while True: pass\n", "CPU-time limit of 1.5 s hit"),  # CPU time counts (issue 25)
    ("    return undefined\n", "NameError at test line 2: name 'undefined' is not defined"),
])
def test_detail_says_why(completion, detail):
    # A generous wall backstop: on a loaded machine the spinner must reach its CPU limit first.
    [graded] = grade_code_records([{**ADD, "completion": completion}], timeout_s=1.5,
                                  limits=SandboxLimits(wall_factor=20.0))
    assert graded["detail"] == detail


def test_records_are_copied_and_keep_their_fields():
    record = {**ADD, "extra": 7}
    [graded] = grade_code_records([record], workers=1)
    assert "passed" not in record and graded["extra"] == 7 and graded["passed"] is True


BAD_RECORDS = [
    ({k: v for k, v in ADD.items() if k != "test"}, "record 0: missing field 'test'"),
    ({**ADD, "completion": None}, "record 0: field 'completion' must be a string"),
    ({**ADD, "entry_point": "add; import os"}, "record 0: field 'entry_point' is not a Python identifier"),
]


@pytest.mark.parametrize("record,message", BAD_RECORDS)
def test_bad_records_raise_input_error(record, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        grade_code_records([record])


@pytest.mark.parametrize("kwargs,message", [({"timeout_s": 0}, "timeout_s"), ({"workers": 0}, "workers")])
def test_bad_settings_raise_input_error(kwargs, message):
    with pytest.raises(InputError, match=message):
        grade_code_records([ADD], **kwargs)


def test_status_mapping_of_raw_results():
    base = dict(completed=False, ready=True, timed_out=False, exit_code=1, duration_s=0.1, stdout="", stderr="",
                output_truncated=False, isolation="bwrap", capped_by_cgroup=True)
    assert status_of(SandboxResult(**{**base, "completed": True, "exit_code": 0})) == "passed"
    assert status_of(SandboxResult(**{**base, "timed_out": True})) == "timeout"
    assert status_of(SandboxResult(**{**base, "exit_code": -24})) == "timeout"  # SIGXCPU: CPU limit
    assert status_of(SandboxResult(**{**base, "exit_code": 128 + 24})) == "timeout"  # as bwrap reports it
    assert status_of(SandboxResult(**{**base, "ready": False})) == "error"
    assert status_of(SandboxResult(**base)) == "failed"


STDIO_CASES = [
    ("input", "a, b = map(int, input().split())\nprint(a + b)\n", [("1 2\n", "3\n"), ("5 5", "10")], "passed", 2),
    ("open_0", "print(sum(map(int, open(0).read().split())))\n", [("1 2 3\n", "6")], "passed", 1),
    ("stdin_read", "import sys\nprint(sys.stdin.read().upper(), end='')\n", [("ab\ncd\n", "AB\nCD")], "passed", 1),
    ("exit_0_ok", "print(1)\nexit(0)\n", [("", "1")], "passed", 1),
    ("exit_1", "print(1)\nexit(1)\n", [("", "1")], "failed", 0),
    ("wrong_second", "n = int(input())\nprint(3 if n == 1 else 0)\n", [("1", "3"), ("2", "6")], "failed", 1),
    ("os_exit", "import os\nprint(3, flush=True)\nos._exit(0)\n", [("", "3")], "failed", 0),
    ("timeout", "while True: pass\n", [("", "")], "timeout", 0),
    ("syntax", "print(\n", [("", "")], "error", 0),
    # timeout_s (1.5 s) is per case: three 0.6 s cases pass although they take 1.8 s together
    ("per_case_clock", "import time\ntime.sleep(0.6)\nprint(input())\n", [("a", "a"), ("b", "b"), ("c", "c")],
     "passed", 3),
    ("loops_on_second", "n = int(input())\nwhile n == 2:\n    pass\nprint(n)\n", [("1", "1"), ("2", "2")],
     "timeout", 1),
    ("fresh_namespace_per_case", "try:\n    seen += 1\nexcept NameError:\n    seen = 0\nprint(seen)\n",
     [("", "0"), ("", "0")], "passed", 2),
    ("sigpipe_idiom", "import signal\nsignal.signal(signal.SIGPIPE, signal.SIG_DFL)\nprint(1)\n", [("", "1")],
     "passed", 1),
    ("stdout_replaced", "import sys, io\nsys.stdout = io.StringIO()\nprint(1)\n", [("", "1")], "failed", 0),
]


@pytest.mark.parametrize("name,program,cases,status,n_passed", STDIO_CASES, ids=[c[0] for c in STDIO_CASES])
def test_stdio_runner(name, program, cases, status, n_passed):
    result = run_stdio_tests(program, cases, timeout_s=1.5)
    assert (result["status"], result["cases_passed"]) == (status, n_passed)
    assert result["passed"] is (status == "passed")


@pytest.mark.parametrize("actual,expected,same", [
    ("1\n2\n", "1\n2", True), ("1 \n2\t\n\n", "1\n2\n", True), ("1\n2\n", "1\n3\n", False), ("", "0", False),
    ("1\n\n2", "1\n2", False),
])
def test_outputs_match(actual, expected, same):
    assert outputs_match(actual, expected) is same


ASSERT_CASES = [
    ("passes", "def sq(x):\n    return x * x\n", ["assert sq(3) == 9", "assert sq(0) == 0"], "", "passed"),
    ("second_fails", "def sq(x):\n    return 9\n", ["assert sq(3) == 9", "assert sq(0) == 0"], "", "failed"),
    ("uses_setup", "def f():\n    return K\n", ["assert f() == 7"], "K = 7", "passed"),
    ("patched_builtins", "import builtins\nbuiltins.len = lambda x: 3\ndef f():\n    return [1]\n",
     ["assert len(f()) == 3"], "", "failed"),
    ("syntax", "def f(:\n", ["assert f()"], "", "error"),
]


@pytest.mark.parametrize("name,program,tests,setup,status", ASSERT_CASES, ids=[c[0] for c in ASSERT_CASES])
def test_assert_runner(name, program, tests, setup, status):
    result = run_assert_tests(program, tests, setup=setup, timeout_s=5)
    assert result["status"] == status and result["passed"] is (status == "passed")


def test_assert_runner_needs_tests():
    with pytest.raises(InputError, match="tests"):
        run_assert_tests("x = 1", [])


def test_stdio_runner_needs_cases():
    with pytest.raises(InputError, match="cases"):
        run_stdio_tests("print(1)", [])


def test_no_sandbox_cgroups_left_behind():
    grade_code_records([ADD, {**ADD, "completion": "    import os; os.fork(); os.fork(); return a + b\n"}])
    mine = f"boundary-lab-sbx-{os.getpid()}-"
    left = [p for c in ("pids", "memory") for p in Path("/sys/fs/cgroup", c).rglob(mine + "*")]
    assert left == []


@pytest.mark.skipif(os.geteuid() != 0, reason="the refusal concerns root")
def test_auto_mode_without_bwrap_never_runs_unconfined_as_root(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")  # bwrap no longer found
    assert bwrap_path() is None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            result = run_in_sandbox("import os; print(os.geteuid())", timeout_s=5)
    except RuntimeError as exc:
        assert "refusing to run untrusted code as root without bwrap" in str(exc)
    else:  # the interpreter is readable by uid 65534: it ran there, not as root
        assert result.isolation == "rlimit" and result.stdout.strip() == "65534"


def test_unusable_bwrap_is_diagnosed(monkeypatch):
    assert bwrap_problem("/nonexistent/bwrap")  # cannot start: a reason, not None
    if bwrap_path():
        assert bwrap_problem(bwrap_path()) is None
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(RuntimeError, match="isolation='bwrap' requested but unusable"):
        run_in_sandbox("pass", isolation="bwrap")
    with pytest.raises(ValueError, match="isolation"):
        run_in_sandbox("pass", isolation="docker")


def test_isolation_is_reported():
    [graded] = grade_code_records([ADD])
    result = run_in_sandbox("print(1)")
    assert graded["passed"] and result.isolation == ("bwrap" if bwrap_path() else "rlimit")


@pytest.mark.skipif(not guard_available(), reason="needs root and writable cgroup v1 (pids, memory)")
@pytest.mark.parametrize("program,status", [
    ("print('hi')\n", "passed"),
    ("import os\nos._exit(0)\n", "failed"),
    ("while True:\n    pass\n", "timeout"),
    ("x = bytearray(4 * 2**30)\n", "failed"),
])
def test_rlimit_fallback_mode(program, status):
    r = run_guarded({"program": program, "timeout_s": 1.5, "isolation": "rlimit", "memory_mb": 512})
    assert r["isolation"] == "rlimit" and r["status"] == status and r["leftover_pids"] == 0
