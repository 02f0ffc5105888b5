"""Issue 13: a pass can't be faked against the trusted oracle, and correct programs pass.

Every forged-pass attempt runs under the cgroup guard (tests/cgroup_guard.py)
through ``run_tests_in_sandbox``. Each one is first run *reference style*,
program and test in one interpreter as the reference HumanEval harness does
(inside the sandbox, in a child interpreter without guards): there it passes,
so the attack is real. Against the oracle it must fail.
"""
from __future__ import annotations

import gzip
import json
import math

import pytest

from boundary_lab.verify.sandbox import SandboxLimits, bwrap_path, run_tests_in_sandbox
from boundary_lab.verify.sandbox_wire import NotPlainData, WireError, dumps, from_wire, loads, to_wire

try:
    from cgroup_guard import guard_available, run_guarded
except ImportError:  # tests collected as a package
    from tests.cgroup_guard import guard_available, run_guarded

needs_guard = pytest.mark.skipif(not guard_available() or bwrap_path() is None,
                                 reason="needs root, writable cgroup v1 (pids, memory) and bubblewrap")
pytestmark = pytest.mark.sandbox

WRONG = "def double(x):\n    return 4 if x == 2 else x + 1\n"
AE = ("class AE:\n    def __eq__(self, other):\n        return True\n    __hash__ = None\n"
      "    def __mul__(self, other):\n        return self\n    __rmul__ = __mul__\n")
ABS_TEST = ("def check(candidate):\n    assert candidate(2) == 4\n    assert abs(candidate(5) - 10) < 1e-9\n\n"
            "check(double)\n")


def guarded_oracle(program: str, test: str, entry_point: str | None = "double", helpers: str = "",
                   **limits) -> dict:
    r = run_guarded({"function": "run_tests_in_sandbox", "program": program, "test": test, "helpers": helpers,
                     "entry_point": entry_point, "limits": {"timeout_s": 5.0} | limits})
    assert r["leftover_pids"] == 0, "processes survived the sandbox"
    return r


def passes_reference_style(program: str, test: str) -> bool:
    """Program then test in one fresh interpreter (no guards), inside the sandbox: did the test return?"""
    wrapper = ("import subprocess, sys\n"
               f"r = subprocess.run([sys.executable, '-I', '-S', '-c', {program + chr(10) + test!r}])\n"
               "sys.exit(r.returncode)\n")
    r = run_guarded({"program": wrapper, "timeout_s": 10.0, "lenient_exit": True})
    assert r["leftover_pids"] == 0
    return r["completed"]


# (program, test) per route, grouped by the categories of issue 13.
FORGED = {
    # Builtins the harness looked up at run time, and a module-level def that shadows one.
    "builtins_abs_patched": ("import builtins\nbuiltins.abs = lambda x: 0\n" + WRONG, ABS_TEST),
    "builtins_exec_callable_id_dict_patched": (
        "import builtins\nbuiltins.exec = lambda *a, **k: None\nbuiltins.callable = lambda x: True\n"
        "builtins.id = lambda x: 0\nbuiltins.dict = lambda *a, **k: {}\nbuiltins.abs = lambda x: 0\n" + WRONG,
        ABS_TEST),
    "module_level_def_abs": ("def abs(x):\n    return 0\n" + WRONG, ABS_TEST),
    # ctypes: rewrite the small int 10 in the program's interpreter, so `6 == 10` holds there.
    "ctypes_rewrites_small_int": ("import ctypes\nctypes.c_uint32.from_address(id(10) + 24).value = 6\n" + WRONG,
                                  "def check(candidate):\n    assert candidate(2) == 4\n"
                                  "    assert candidate(5) == 10\n\ncheck(double)\n"),
    # Holes in a plain-data guard: Counter/defaultdict, generators, finalizers, planted arguments.
    "counter_subclass_equal_to_all": (
        "import collections\nclass C(collections.Counter):\n    def __eq__(self, other):\n        return True\n"
        "    def __sub__(self, other):\n        return 0\n    __hash__ = None\n"
        "def double(x):\n    return C()\n", ABS_TEST),
    "defaultdict_factory": (AE + "import collections\ndef double(x):\n    return collections.defaultdict(AE)\n",
                            "def check(candidate):\n    assert candidate(5)['value'] == 10\n\ncheck(double)\n"),
    "generator_changes_item_after_yield": (
        AE + "def double(x):\n    box = [0]\n    yield box\n    box[0] = AE()\n",
        "def check(candidate):\n    assert list(candidate(5)) == [[10]]\n\ncheck(double)\n"),
    "finalizer_patches_abs": (
        "class F:\n    def __del__(self):\n        import builtins\n        builtins.abs = lambda v: 0\n"
        "def double(x):\n    F()\n    return 4 if x == 2 else x + 1\n", ABS_TEST),
    "planted_argument": (
        AE + "def double(xs):\n    xs[:] = [AE() for _ in xs]\n    return [0] * len(xs)\n",
        "def check(candidate):\n    xs = [1, 2, 3]\n    r = candidate(xs)\n"
        "    assert r == [2 * x for x in xs]\n\ncheck(double)\n"),
    "caught_by_the_test": (AE + "def double(x):\n    return AE()\n",
                           "def check(candidate):\n    try:\n        r = candidate(5)\n    except Exception:\n"
                           "        r = 10\n    assert r == 10\n\ncheck(double)\n"),
    # Shared namespaces: patched stdlib modules, a fake module.
    "patched_math_isclose": ("import math\nmath.isclose = lambda *a, **k: True\n" + WRONG,
                             "import math\ndef check(candidate):\n    assert candidate(2) == 4\n"
                             "    assert math.isclose(candidate(5), 10)\n\ncheck(double)\n"),
    # MBPP style: the test uses `math` without importing it, relying on the program's import.
    "patched_math_the_test_does_not_import": ("import math\nmath.isclose = lambda *a, **k: True\n" + WRONG,
                                              "assert double(2) == 4\nassert math.isclose(double(5), 10)\n"),
    "patched_random_randint": ("import random\nrandom.randint = lambda a, b: 7\n"
                               "def double(x):\n    return 14 if x == 7 else 0\n",
                               "import random\ndef check(candidate):\n    for _ in range(20):\n"
                               "        x = random.randint(3, 1000)\n        assert candidate(x) == 2 * x\n"
                               "\ncheck(double)\n"),
    "fake_statistics_module": ("import sys, types\nfake = types.ModuleType('statistics')\n"
                               "fake.mean = lambda xs: 4\nsys.modules['statistics'] = fake\n"
                               "def double(x):\n    return 0\n",
                               "def check(candidate):\n    import statistics\n"
                               "    assert statistics.mean([candidate(1), candidate(3)]) == 4\n\ncheck(double)\n"),
    # Exceptions: a StopIteration from the candidate would end the test's map() early.
    "stop_iteration_ends_map": ("def double(x):\n    raise StopIteration\n",
                                "def check(candidate):\n    assert all(map(lambda x: candidate(x) == 2 * x, "
                                "range(1, 6)))\n\ncheck(double)\n"),
}


@needs_guard
@pytest.mark.parametrize("name", sorted(FORGED))
def test_forged_passes_fail(name):
    program, test = FORGED[name]
    assert passes_reference_style(program, test), "control: the attack should work in one interpreter"
    r = guarded_oracle(program, test)
    assert r["status"] == "failed" and not r["completed"], r


def _humaneval(task: str) -> dict:
    from boundary_lab.benchmarks.loaders import data_file
    from boundary_lab.errors import InputError
    try:
        path = data_file("code/humaneval/HumanEval.jsonl.gz")
    except InputError as exc:
        pytest.skip(str(exc))
    with gzip.open(path, "rt") as handle:
        return next(r for r in map(json.loads, handle) if r["task_id"] == task)


# Redefining a helper of the prompt that the test uses (HumanEval/32 `poly`, /38 `encode_cyclic`,
# /50 `encode_shift`): the oracle takes the helpers from the prompt, never from the completion.
HELPER_FORGERIES = {
    "HumanEval/32": "    return 0.0\n\n\ndef poly(xs, x):\n    return 0.0\n",
    "HumanEval/38": "    return s\n\n\ndef encode_cyclic(s):\n    return s\n",
    "HumanEval/50": "    return s\n\n\ndef encode_shift(s):\n    return s\n",
}


@needs_guard
@pytest.mark.parametrize("task", sorted(HELPER_FORGERIES))
def test_redefined_prompt_helpers_do_not_pass(task):
    rec = _humaneval(task)
    program = rec["prompt"] + HELPER_FORGERIES[task]
    test = f"{rec['test']}\n\ncheck({rec['entry_point']})\n"
    assert passes_reference_style(program, test)
    r = guarded_oracle(program, test, entry_point=rec["entry_point"], helpers=rec["prompt"])
    assert r["status"] == "failed", r
    canonical = guarded_oracle(rec["prompt"] + rec["canonical_solution"], test, entry_point=rec["entry_point"],
                               helpers=rec["prompt"])
    assert canonical["status"] == "passed", canonical


# Attacks on the channel and the verdict itself (no reference-style control: they target our design).
CHANNEL = {
    "forged_verdict_on_every_fd": "import os\nfor fd in range(3, 64):\n    try:\n"
                                  "        os.write(fd, b'P\\n[\"L\",[\"double\"]]\\n[1,\"ok\",4]\\n')\n"
                                  "    except OSError:\n        pass\n" + WRONG,
    "garbage_on_the_answer_channel": "import os\nfor fd in range(3, 64):\n    try:\n"
                                     "        os.write(fd, b'{not json\\n')\n    except OSError:\n        pass\n"
                                     + WRONG,
    "exits_0_in_the_candidate": "import sys\ndef double(x):\n    sys.exit(0)\n",
    "os_exit_0_in_the_candidate": "import os\ndef double(x):\n    os._exit(0)\n",
    "os_exit_0_at_import": "import os\nos._exit(0)\n",
    "kills_itself_on_second_call": "import os\nn = [0]\ndef double(x):\n    n[0] += 1\n"
                                   "    if n[0] == 2:\n        os.kill(os.getpid(), 9)\n    return 2 * x\n",
    # The old harness ran program code in a stdout flush between the failed test and its verdict.
    "stdout_flush_hook": "import os, sys\nclass Out:\n    def write(self, s):\n        return len(s)\n"
                         "    def flush(self):\n        for fd in range(3, 64):\n            try:\n"
                         "                os.write(fd, b'P\\n')\n            except OSError:\n                pass\n"
                         "sys.stdout = Out()\n" + WRONG,
    "huge_int_result": "def double(x):\n    return 10 ** 100000 if x == 5 else 4\n",
    "self_referencing_result": "def double(x):\n    r = []\n    r.append(r)\n    return r\n",
}


@needs_guard
@pytest.mark.parametrize("name", sorted(CHANNEL))
def test_channel_attacks_fail(name):
    r = guarded_oracle(CHANNEL[name], ABS_TEST)
    assert r["status"] == "failed" and not r["completed"], r


# Correct programs that the in-process harness failed (issue 13), and a few more.
DOUBLING = ("def check(candidate):\n    assert candidate(2) == 4\n    assert abs(candidate(5) - 10) < 1e-9\n"
            "\ncheck(double)\n")
LEGIT = {
    "traceback_format_exc": ("import traceback\ndef double(x):\n    try:\n        1 / 0\n"
                             "    except ZeroDivisionError:\n        text = traceback.format_exc()\n"
                             "        assert 'ZeroDivisionError' in text\n    traceback.print_stack()\n"
                             "    return 2 * x\n", DOUBLING),
    "logging_exception": ("import logging\ndef double(x):\n    try:\n        {}['k']\n    except KeyError:\n"
                          "        logging.exception('debug')\n    return 2 * x\n", DOUBLING),
    "doctest_self_test": ("def double(x):\n    '''\n    >>> double(3)\n    6\n    '''\n    return 2 * x\n"
                          "import doctest\nassert doctest.testmod().attempted == 1\n"
                          "if __name__ == '__main__':\n    doctest.testmod()\n", DOUBLING),
    "namedtuple_result": ("import collections\nP = collections.namedtuple('P', 'doubled given')\n"
                          "def double(x):\n    return P(2 * x, x)\n",
                          "def check(candidate):\n    assert candidate(2) == (4, 2)\n"
                          "    assert candidate(5).doubled == 10\n\ncheck(double)\n"),
    "dict_keys_result": ("def double(x):\n    return {2 * x: 1, x: 0}.keys()\n",
                         "def check(candidate):\n    assert candidate(2) == {4, 2}\n"
                         "    assert list(candidate(5)) == [10, 5]\n\ncheck(double)\n"),
    "debug_output_20_mb": ("import sys\ndef double(x):\n    for _ in range(10000):\n"
                           "        print('x' * 1000)\n    return 2 * x\n", DOUBLING),
    "eighty_live_threads": ("import threading\ndef double(x):\n    go = threading.Event()\n"
                            "    threads = [threading.Thread(target=go.wait) for _ in range(80)]\n"
                            "    for t in threads:\n        t.start()\n"
                            "    assert threading.active_count() >= 81\n    go.set()\n"
                            "    for t in threads:\n        t.join()\n    return 2 * x\n", DOUBLING),
    "multiprocessing_pool": ("from multiprocessing import Pool\ndef twice(v):\n    return 2 * v\n"
                             "def double(x):\n    with Pool(2) as pool:\n        return pool.apply(twice, (x,))\n",
                             DOUBLING),
    "frames_gc_settrace": ("import gc, sys\ndef double(x):\n    assert sys._getframe().f_code.co_name == 'double'\n"
                           "    gc.collect()\n    sys.settrace(None)\n    return 2 * x\n", DOUBLING),
    "raises_what_the_test_expects": ("def double(x):\n    if x < 0:\n        raise ValueError('negative')\n"
                                     "    return 2 * x\n",
                                     "def check(candidate):\n    assert candidate(2) == 4\n    try:\n"
                                     "        candidate(-1)\n    except ValueError as e:\n"
                                     "        assert 'negative' in str(e)\n    else:\n"
                                     "        raise AssertionError\n\ncheck(double)\n"),
    "main_block_reads_stdin": ("def double(x):\n    return 2 * x\nif __name__ == '__main__':\n"
                               "    print(double(int(input())))\n", DOUBLING),
    "generator_result": ("def double(x):\n    yield 2 * x\n",
                         "def check(candidate):\n    assert list(candidate(5)) == [10]\n\ncheck(double)\n"),
    "test_calls_from_threads": ("def double(x):\n    return 2 * x\n",
                                "from concurrent.futures import ThreadPoolExecutor\n"
                                "def check(candidate):\n    with ThreadPoolExecutor(8) as pool:\n"
                                "        assert list(pool.map(candidate, range(200))) == [2 * x for x in range(200)]\n"
                                "\ncheck(double)\n"),
    "float_nan_and_big_int": ("def double(x):\n    return [2 * x, float('nan'), 2 ** 3000]\n",
                              "import math\ndef check(candidate):\n    r = candidate(5)\n"
                              "    assert r[0] == 10 and math.isnan(r[1]) and r[2] == 2 ** 3000\n\ncheck(double)\n"),
}


@pytest.mark.parametrize("name", sorted(LEGIT))
def test_correct_programs_pass(name):
    program, test = LEGIT[name]
    r = run_tests_in_sandbox(program, test, entry_point="double", limits=SandboxLimits(timeout_s=20))
    assert r.completed, (r.failure, r.error, r.stderr[-2000:])
    if name == "debug_output_20_mb":
        assert r.output_truncated and len(r.stdout) == SandboxLimits().max_output_bytes


def test_assert_style_calls_the_programs_functions():
    """MBPP style: the asserts name the program's functions; setup is trusted and wins; a module
    the asserts use without importing it is the oracle's own."""
    program = "import math\nimport os.path\ndef sq(x):\n    return x * x\ndef K():\n    return 0\n"
    test = ("assert sq(3) == 9\nassert K == 7\nassert math.isclose(sq(0.1), 0.01)\n"
            "assert os.path.join('a', 'b') == 'a/b'\n")
    r = run_tests_in_sandbox(program, test, helpers="K = 7\n")
    assert r.completed, r.failure


def test_a_test_passing_a_function_is_an_error_not_a_verdict():
    """Only plain data crosses: a test that hands the candidate a callable cannot be graded."""
    r = run_tests_in_sandbox("def apply(f, x):\n    return f(x)\n", "assert apply(abs, -2) == 2\n")
    assert not r.completed and not r.ready and "cannot cross the boundary" in r.error


@needs_guard
@pytest.mark.parametrize("limit,program,expect", [
    ({"memory_mb": 256}, "x = bytearray(2 * 2**30)\n" + WRONG, "memory cap of 256 MiB hit"),
    ({"flood_output_bytes": 1 << 20}, "import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n",
     "output flood (more than 1 MiB) hit"),
    ({"max_procs": 32}, "import threading, time\nfor _ in range(64):\n"
                        "    threading.Thread(target=time.sleep, args=(5,), daemon=True).start()\n" + WRONG,
     "limit of 32 processes and threads hit"),
    # CPU time is what counts (issue 25); a generous wall backstop so a loaded machine can't hit it first
    ({"timeout_s": 1.0, "wall_factor": 30.0}, "while True:\n    pass\n", "CPU-time limit of 1 s hit"),
    ({"timeout_s": 1.0}, "import time\ntime.sleep(60)\n", "wall-clock backstop of 2 s hit"),
])
def test_limits_are_reported(limit, program, expect):
    r = guarded_oracle(program, ABS_TEST, **limit)
    assert r["status"] in ("failed", "timeout") and r["detail"] == expect, r
    assert r["limits"] == {**vars(SandboxLimits()), "timeout_s": 5.0, **limit}


def test_default_limits_are_generous():
    lim = SandboxLimits()
    assert lim.max_procs >= 256 and lim.flood_output_bytes >= 64 << 20
    with pytest.raises(ValueError, match="max_procs"):
        SandboxLimits(max_procs=0)


WIRE_VALUES = [None, True, 0, -5, 2 ** 2000, 1.5, float("inf"), -0.0, "é\ud800", b"\x00\xff", bytearray(b"ab"),
               (1, (2,)), [[], {}], {1, "a"}, frozenset({(1, 2)}), {"k": [1], (1, 2): None}, 3 + 4j, range(1, 9, 2)]


@pytest.mark.parametrize("value", WIRE_VALUES, ids=[type(v).__name__ for v in WIRE_VALUES])
def test_wire_round_trip(value):
    back = from_wire(loads(dumps(to_wire(value))))
    assert back == value and type(back) is type(value)
    if isinstance(value, float):
        assert math.copysign(1, back) == math.copysign(1, value)


def test_wire_views_counters_and_namedtuples():
    import collections
    P = collections.namedtuple("P", "a b")
    for value in [{"a": 1}.keys(), {"a": 1}.values(), {"a": 1}.items(), collections.Counter("aab"),
                  collections.OrderedDict(a=1), collections.deque([1]), P(1, 2), iter([1, 2])]:
        back = from_wire(loads(dumps(to_wire(value))))
        assert type(back).__name__ == type(value).__name__
    assert from_wire(to_wire(P(1, 2))).b == 2


@pytest.mark.parametrize("bad", ['{"l": 1}', '["nope"]', '["d", 1]', '["s", ["l"]]', '["i", 5]', '[1',
                                 "9" * 5000, '["l",' * 3000 + '1' + ']' * 3000, '["nt", "P", ["a"], 1, 2]',
                                 '["c", "1", 2]', '[]', '["dec", 5]',
                                 '["nt", "P", [' + ",".join(f'"f{i}"' for i in range(1001)) + ']]',
                                 '["fr", 1, 0]', '["di", ["t", 1]]'])
def test_wire_rejects_what_it_does_not_write(bad):
    with pytest.raises(WireError):
        from_wire(loads(bad))


def test_wire_refuses_other_objects():
    class Mine:
        pass
    for value in [Mine(), [Mine()], {1: Mine()}, print, type]:
        with pytest.raises(NotPlainData):
            to_wire(value)


@needs_guard
@pytest.mark.parametrize("program,status", [
    ("def double(x):\n    return 2 * x\n", "passed"),
    (AE + "def double(x):\n    return AE()\n", "failed"),
    ("import builtins\nbuiltins.abs = lambda x: 0\n" + WRONG, "failed"),
])
def test_rlimit_fallback_grades_the_same(program, status):
    """Without bwrap the oracle is still a separate (non-dumpable) process. Benign-to-the-host
    programs only: in this mode a root `kill -1` would reach the host (the documented risk)."""
    r = run_guarded({"function": "run_tests_in_sandbox", "program": program, "test": ABS_TEST,
                     "entry_point": "double", "isolation": "rlimit", "limits": {"timeout_s": 5.0}})
    assert r["leftover_pids"] == 0 and r["isolation"] == "rlimit"
    assert r["status"] == status, r
