"""Issue 25: tests that share state with the candidate (MBPP, BigCodeBench, LiveCodeBench idioms).

The ten correct programs issue 25 found failing under the two-sandbox oracle,
each beside a wrong twin that must still fail (so the support is no blanket
pass). Every run is a graded run (``run_tests_in_sandbox``) under the cgroup
guard (tests/cgroup_guard.py).
"""
from __future__ import annotations

import pytest

from boundary_lab.verify.sandbox import bwrap_path

try:
    from cgroup_guard import guard_available, run_guarded
except ImportError:  # tests collected as a package
    from tests.cgroup_guard import guard_available, run_guarded

pytestmark = [pytest.mark.sandbox,
              pytest.mark.skipif(not guard_available() or bwrap_path() is None,
                                 reason="needs root, writable cgroup v1 (pids, memory) and bubblewrap")]


def graded(program: str, test: str, entry_point: str | None = None, **limits) -> dict:
    r = run_guarded({"function": "run_tests_in_sandbox", "program": program, "test": test,
                     "entry_point": entry_point, "limits": {"timeout_s": 10.0} | limits})
    assert r["leftover_pids"] == 0, "processes survived the sandbox"
    return r


STDOUT_TEST = ("import io\nfrom contextlib import redirect_stdout\nbuf = io.StringIO()\n"
               "with redirect_stdout(buf):\n    greet('Ann')\n"
               "assert buf.getvalue() == 'Hello, Ann!\\n', buf.getvalue()\n")
INPUT_TEST = ("from unittest import mock\nwith mock.patch('builtins.input', side_effect=['3', '4']):\n"
              "    assert add_two_inputs() == 7\n")
STDIN_TEST = ("import io, sys\nfrom unittest import mock\nwith mock.patch('sys.stdin', io.StringIO('5\\n6\\n')):\n"
              "    assert sum_stdin() == 11\n")
RANDOM_TEST = ("import random\nrandom.seed(42)\nexpected = [random.randint(1, 100) for _ in range(5)]\n"
               "random.seed(42)\nassert draw(5) == expected\nassert random.random() == (random.seed(42), "
               "[random.randint(1, 100) for _ in range(5)], random.random())[2]\n")
TEMPFILE_TEST = ("import os, tempfile\nd = tempfile.mkdtemp()\npath = os.path.join(d, 'data.txt')\n"
                 "with open(path, 'w') as f:\n    f.write('a\\nbb\\nccc\\n')\nassert count_lines(path) == 3\n"
                 "write_report(os.path.join(d, 'out.txt'))\nassert open(os.path.join(d, 'out.txt')).read() == 'ok'\n")
TEMPFILE_PROGRAM = ("def count_lines(path):\n    with open(path) as f:\n        return len(f.read().splitlines())\n"
                    "def write_report(path):\n    with open(path, 'w') as f:\n        f.write('ok')\n")
SQUARE_SUM = "def square(x):\n    return x * x\ndef sum_all(xs):\n    return sum(xs)\n"
SQUARE_TEST = "assert sum_all(square(x) for x in range(10)) == 285\nassert sum_all(iter([])) == 0\n"
TAKE_PROGRAM = "import itertools\ndef take(n, it):\n    return list(itertools.islice(it, n))\n"
TAKE_TEST = "import itertools\nassert take(5, itertools.count(3)) == [3, 4, 5, 6, 7]\n"
NATURALS = "def naturals():\n    n = 0\n    while True:\n        yield n\n        n += 1\n"
NATURALS_TEST = ("import itertools\nassert list(itertools.islice(naturals(), 4)) == [0, 1, 2, 3]\n"
                 "g = naturals()\nassert next(g) == 0 and next(g) == 1\n")
BIG_LIST_TEST = "xs = list(range(10**6))\nfor _ in range(30):\n    assert total(xs) == 499999500000\n"
KEYERROR_TEST = ("try:\n    lookup({}, 'k')\nexcept KeyError as e:\n    assert e.args == ('k',), e.args\n"
                 "    assert str(e) == \"'k'\"\nelse:\n    raise AssertionError('no KeyError')\n")
NUMPY_PROGRAM = "import numpy as np\ndef mean_of(xs):\n    return float(np.mean(np.array(xs)))\n"

# (name, correct program, wrong twin, test): each correct program failed before issue 25.
IDIOMS = [
    ("stdout_redirect", "def greet(name):\n    print(f'Hello, {name}!')\n",
     "def greet(name):\n    print(f'Hi, {name}!')\n", STDOUT_TEST),
    ("patched_input", "def add_two_inputs():\n    return int(input('a? ')) + int(input())\n",
     "def add_two_inputs():\n    return int(input()) * int(input())\n", INPUT_TEST),
    ("patched_stdin", "import sys\ndef sum_stdin():\n    return sum(int(line) for line in sys.stdin)\n",
     "import sys\ndef sum_stdin():\n    return int(sys.stdin.readline())\n", STDIN_TEST),
    ("seeded_random", "import random\ndef draw(n):\n    return [random.randint(1, 100) for _ in range(n)]\n",
     "import random\ndef draw(n):\n    random.seed(7)\n    return [random.randint(1, 100) for _ in range(n)]\n",
     RANDOM_TEST),
    ("shared_tempfile", TEMPFILE_PROGRAM, TEMPFILE_PROGRAM.replace("f.write('ok')", "f.write('no')"), TEMPFILE_TEST),
    ("generator_of_proxy_calls", SQUARE_SUM, SQUARE_SUM.replace("x * x", "x + x"), SQUARE_TEST),
    ("infinite_iterator_argument", TAKE_PROGRAM, TAKE_PROGRAM.replace("islice(it, n)", "islice(it, n + 1)"),
     TAKE_TEST),
    ("infinite_generator_result", NATURALS, NATURALS.replace("n += 1", "n += 2"), NATURALS_TEST),
    ("big_list_30_times", "def total(xs):\n    return sum(xs)\n", "def total(xs):\n    return sum(xs[1:-1])\n",
     BIG_LIST_TEST.replace("range(30)", "range(3)")),  # all 30: test_big_list_crossings_are_fast
    ("keyerror_args", "def lookup(d, k):\n    return d[k]\n", "def lookup(d, k):\n    raise KeyError(repr(k))\n",
     KEYERROR_TEST),
    ("numpy_inside", NUMPY_PROGRAM, NUMPY_PROGRAM.replace("np.mean", "np.median"),
     "assert mean_of([1, 2, 3, 10]) == 4.0\n"),
]


@pytest.mark.parametrize("name,correct,wrong,test", IDIOMS, ids=[i[0] for i in IDIOMS])
def test_idiom_correct_passes_wrong_fails(name, correct, wrong, test):
    r = graded(correct, test)
    assert r["status"] == "passed", (r["detail"], r["oracle_output"][-500:], r["stderr"][-500:])
    w = graded(wrong, test)
    assert w["status"] == "failed", (w["status"], w["detail"])


def test_big_list_crossings_are_fast():
    """30 crossings of a 10^6-item list took ~0.8 s each (issue 25); now well under the 10 s CPU limit.
    A generous wall backstop: on a loaded machine the run's low CPU weight, not its work, sets the wall time."""
    r = graded("def total(xs):\n    return sum(xs)\n", BIG_LIST_TEST, wall_factor=10.0)
    assert r["status"] == "passed" and r["cpu_s"] < 8.0, (r["detail"], r["cpu_s"])


def test_candidate_output_reaches_the_oracle_in_order():
    """What the candidate prints during a call appears in the test's stdout, between the test's prints."""
    r = graded("def shout(x):\n    print('candidate', x)\n    return x\n",
               "print('before')\nshout(1)\nprint('after')\n")
    assert r["status"] == "passed" and r["oracle_output"] == "before\ncandidate 1\nafter\n", r["oracle_output"]


def test_unseeded_random_is_not_shared():
    """Until the test seeds ``random``, the program's draws do not move the test's stream (the oracle's
    own random, as before issue 25)."""
    r = graded("import random\ndef burn(n):\n    for _ in range(n):\n        random.random()\n",
               "import random\nstate = random.getstate()\nburn(1000)\nassert random.getstate() == state\n")
    assert r["status"] == "passed", r["detail"]


def test_random_state_from_elsewhere_is_not_adopted():
    """A program that reseeds ``random`` cannot choose the test's later draws: a state that does not
    continue the stream the oracle sent is ignored."""
    r = graded("import random\ndef pick():\n    random.seed(12345)\n    return 0\n",
               "import random\nrandom.seed(1)\nfirst = (pick(), random.random())[1]\n"
               "random.seed(1)\nassert first == random.random()\n")
    assert r["status"] == "passed", r["detail"]


def test_input_without_a_patch_is_end_of_file():
    r = graded("def ask():\n    try:\n        return input()\n    except EOFError:\n        return 'eof'\n",
               "assert ask() == 'eof'\n")
    assert r["status"] == "passed", r["detail"]
