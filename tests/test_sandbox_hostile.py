"""Hostile code against the sandbox: every attack is a test, run under the cgroup guard.

Each program runs via ``run_guarded`` (tests/cgroup_guard.py): a child process in
a capped cgroup calls ``run_in_sandbox`` (a script) or, with a test,
``run_tests_in_sandbox`` (the test in the trusted oracle, calls crossing to the
program); the guard then checks that nothing the program started is still
alive. The attacks of issue 13 on the oracle are in tests/test_sandbox_oracle.py.
"""
from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

from boundary_lab.verify.sandbox import bwrap_path

try:
    from cgroup_guard import guard_available, run_guarded
except ImportError:  # tests collected as a package
    from tests.cgroup_guard import guard_available, run_guarded

pytestmark = [
    pytest.mark.sandbox,
    pytest.mark.skipif(not guard_available(), reason="needs root and writable cgroup v1 (pids, memory)"),
    pytest.mark.skipif(bwrap_path() is None, reason="needs bubblewrap (apt-get install bubblewrap)"),
]

TIMEOUT = 2.0
# A HumanEval-style test the hostile "solutions" below try to fake: double(x) must be 2*x.
DOUBLE_TEST = "def check(candidate):\n    assert candidate(2) == 4\n    assert candidate(5) == 10\n\ncheck(double)\n"
# Right on the first assert, wrong on the second: a trick must beat a real failing assert.
WRONG = "def double(x):\n    return 4 if x == 2 else x + 1\n"


def guarded(program: str, test: str | None = None, **kwargs) -> dict:
    """A script run (no test) or a graded run of ``double`` against ``test``, under the guard."""
    if test is None:
        result = run_guarded({"program": program, "timeout_s": TIMEOUT} | kwargs)
    else:
        limits = {"timeout_s": kwargs.pop("timeout_s", TIMEOUT)} | kwargs
        result = run_guarded({"function": "run_tests_in_sandbox", "program": program, "test": test,
                              "entry_point": "double", "limits": limits})
    assert result["leftover_pids"] == 0, "processes survived the sandbox"
    return result


def test_guarded_baseline_passes():
    """Control: the right answer passes under the same harness, so the fakes below can fail."""
    r = guarded("def double(x):\n    return 2 * x\n", DOUBLE_TEST)
    assert r["status"] == "passed" and r["isolation"] == "bwrap" and r["capped_by_cgroup"]


RESOURCE_BOMBS = {
    "infinite_loop": ("while True:\n    pass\n", {"timeout"}),
    "sleep": ("import time\ntime.sleep(600)\n", {"timeout"}),
    "fork_bomb": ("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n",
                  {"timeout", "failed"}),
    "memory_bomb": ("chunks = []\nwhile True:\n    chunks.append(bytearray(50 * 2**20))\n", {"failed"}),
    "memory_bomb_in_child": ("import subprocess, sys\nsubprocess.run([sys.executable, '-c', "
                             "'x = bytearray(8 * 2**30)'], check=True)\n", {"failed"}),
    "tmpfs_fill": ("i = 0\nwhile True:\n    with open(f'/tmp/f{i}', 'wb') as f:\n"
                   "        f.write(b'x' * (15 * 2**20))\n    i += 1\n", {"failed"}),
    # C-level recursion (repr of a deeply nested list) past a raised limit: overflows the C stack.
    "recursion_bomb": ("import sys\nsys.setrecursionlimit(10**8)\nx = []\nfor _ in range(2 * 10**5):\n"
                       "    x = [x]\nrepr(x)\n", {"failed"}),
    "thread_bomb": ("import threading, time\nwhile True:\n    threading.Thread(target=time.sleep, "
                    "args=(600,)).start()\n", {"failed", "timeout"}),
}


@pytest.mark.parametrize("name", sorted(RESOURCE_BOMBS))
def test_resource_bombs_are_contained(name):
    program, statuses = RESOURCE_BOMBS[name]
    # Bombs expected to *fail* get a generous limit, so a busy machine can't turn them into timeouts.
    timeout = TIMEOUT if "timeout" in statuses else 10 * TIMEOUT
    start = time.monotonic()
    r = guarded(program, memory_mb=512, timeout_s=timeout)
    assert r["status"] in statuses, r
    assert time.monotonic() - start < timeout + 15


def test_output_flood_is_cut_short():
    cap = 1 << 16
    start = time.monotonic()
    r = guarded("import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n", max_output_bytes=cap,
                flood_output_bytes=16 * cap)
    assert r["status"] == "failed" and r["output_truncated"]
    assert len(r["stdout"]) <= cap
    assert time.monotonic() - start < TIMEOUT + 10


KILLERS = {
    "kill_parent": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n",
    "kill_pid_1": "import os, signal\nos.kill(1, signal.SIGKILL)\n",
    "kill_minus_one": "import os, signal\nos.kill(-1, signal.SIGKILL)\n",
    "shell_kill_minus_one": "import subprocess\nsubprocess.run(['/bin/sh', '-c', 'kill -9 -1'])\n",
    "kill_process_group": "import os, signal\nos.killpg(0, signal.SIGKILL)\n",
}


@pytest.mark.parametrize("name", sorted(KILLERS))
def test_killing_parents_neither_harms_host_nor_passes(name):
    sentinel = threading.Event()  # this test process (and thread) must survive
    r = guarded(KILLERS[name] + WRONG, DOUBLE_TEST)
    assert r["status"] in {"failed", "timeout"}, r
    assert not sentinel.is_set() and os.getpid() > 0


@pytest.mark.parametrize("keeps_pipes", [False, True], ids=["closes_fds", "keeps_pipes"])
def test_detached_grandchildren_are_killed(keeps_pipes):
    close_fds = "" if keeps_pipes else (
        "        for fd in range(0, 1024):\n"
        "            try:\n                os.close(fd)\n            except OSError:\n                pass\n")
    program = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n" + close_fds +
        "        time.sleep(600)\n"
        "    os._exit(0)\n"
        "os.wait()\n"
        "def double(x):\n    return 2 * x\n"
    )
    start = time.monotonic()
    r = guarded(program, DOUBLE_TEST, timeout_s=20)
    assert r["status"] == "passed"  # the main program finished; its daemon must still be gone
    assert time.monotonic() - start < 10  # a daemon holding stdout open does not stall the run
    # guarded() asserted leftover_pids == 0: the double-forked, setsid'd sleeper is dead


def test_host_environment_is_invisible():
    secret = "boundary-lab-secret-" + os.urandom(8).hex()
    program = (
        "import os, subprocess\n"
        "print(dict(os.environ))\n"
        "for pid in ('1', 'self'):\n"
        "    r = subprocess.run(['/bin/cat', f'/proc/{pid}/environ'], capture_output=True)\n"
        "    print(r.stdout, r.stderr)\n"
    )
    r = run_guarded({"program": program, "timeout_s": TIMEOUT}, env={"BL_HOST_SECRET": secret})
    assert r["leftover_pids"] == 0 and r["status"] == "passed"
    assert "HOME" in r["stdout"]  # the program did print its environment
    assert secret not in r["stdout"] + r["stderr"]


def test_files_outside_the_sandbox_are_untouched():
    """Host paths are either absent (the sandbox /tmp is a private tmpfs) or read-only."""
    escape = Path(f"/tmp/bl-escape-{os.getpid()}")
    with tempfile.TemporaryDirectory(prefix="bl-canary-") as host_dir:
        canary = Path(host_dir) / "canary.txt"
        canary.write_text("alive")
        program = (
            "import os, shutil\n"
            f"for t in [{str(canary)!r}, {host_dir!r}, '/work', '/usr/bin/env', '/usr/lib', '/etc/passwd']:\n"
            "    for attempt in (lambda: open(t, 'a').write('pwned'), lambda: os.remove(t),\n"
            "                    lambda: shutil.rmtree(t), lambda: open(os.path.join(t, 'new'), 'w').write('x')):\n"
            "        try:\n            attempt()\n            print('SUCCEEDED', t)\n"
            "        except Exception as e:\n            print('refused', t, type(e).__name__)\n"
            "print(os.listdir('/'))\n"
            f"open({str(escape)!r}, 'w').write('x')\n"
        )
        r = guarded(program)
        assert r["status"] == "passed", r
        assert "'work'" not in r["stdout"] and "'etc'" not in r["stdout"]
        assert "SUCCEEDED /usr" not in r["stdout"]
        assert canary.read_text() == "alive"
        assert sorted(os.listdir(host_dir)) == ["canary.txt"]
    assert not escape.exists()


def test_network_is_unreachable():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    port = server.getsockname()[1]
    accepted = []

    def serve():
        end = time.monotonic() + TIMEOUT + 20
        while time.monotonic() < end and not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                pass

    stop = threading.Event()
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    program = (
        "import socket\n"
        "for host in ('127.0.0.1', 'localhost', '1.1.1.1'):\n"
        "    try:\n"
        f"        socket.create_connection((host, {port}), timeout=1)\n"
        "        print('CONNECTED', host)\n"
        "    except OSError as e:\n"
        "        print('refused', host, type(e).__name__)\n"
    )
    try:
        r = guarded(program)
    finally:
        stop.set()
        thread.join()
        server.close()
    assert r["status"] == "passed" and "refused 127.0.0.1" in r["stdout"]
    assert "CONNECTED" not in r["stdout"] and not accepted


FAKE_PASSES = {
    "sys_exit_0": "import sys\nsys.exit(0)\n",
    "os_exit_0": "import os\nos._exit(0)\n",
    "atexit_exit_0": "import atexit, os\natexit.register(lambda: os._exit(0))\n",
    "raise_system_exit_in_candidate": "def double(x):\n    raise SystemExit(0)\n",
    "redefined_check": "def check(candidate):\n    pass\nimport builtins\nbuiltins.check = check\n",
    "printed_passed": "print('passed')\nprint('P' + '0' * 64)\n",
    "forged_report_lines": ("import os\nfor fd in range(3, 64):\n    try:\n"
                            "        os.write(fd, b'R\\nP' + b'a' * 64 + b' done\\n')\n"
                            "    except OSError:\n        pass\n"),
    "patched_builtins": ("import builtins\nbuiltins.abs = lambda x: 0\n"
                         "builtins.AssertionError = type('E', (Exception,), {})\n"),
    "kill_parent_then_exit": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nos._exit(0)\n",
    "frame_walk": "import sys\nf = sys._getframe()\nwhile f.f_back:\n    f = f.f_back\n",
    "traceback_frame_walk": ("def double(x):\n    try:\n        raise KeyError\n    except KeyError as e:\n"
                             "        e.__traceback__.tb_frame.f_back.f_builtins['abs'] = lambda v: 0\n"
                             "    return 4 if x == 2 else x + 1\n"),
    "generator_frame_walk": ("def double(x):\n    def g():\n        yield gen.gi_frame.f_back\n"
                             "    gen = g()\n    next(gen).f_back.f_builtins['abs'] = lambda v: 0\n"
                             "    return 4 if x == 2 else x + 1\n"),
    "gc_scan": "import gc\nfound = [o for o in gc.get_objects() if type(o).__name__ == 'generator']\n",
    "settrace": "import sys\nsys.settrace(lambda *a: None)\n",
    "ctypes": "import ctypes\n",
    "ctypes_by_lying_name": ("class Name(str):\n    def split(self, *a):\n        return ['harmless']\n"
                             "__import__(Name('_ctypes'))\n"),
    "proc_self_mem": "open('/proc/self/mem', 'rb')\n",
    "signal_frame_resumes_keeper": (
        "import os, signal\n"
        "def steal(sig, frame):\n"
        "    while frame is not None:\n"
        "        for value in list(frame.f_locals.values()):\n"
        "            if type(value).__name__ == 'generator':\n"
        "                print('FOUND', value.__name__)\n"
        "                try:\n                    value.send(None)\n"
        "                except BaseException:\n                    pass\n"
        "        frame = frame.f_back\n"
        "signal.signal(signal.SIGUSR1, steal)\n"
        "def double(x):\n    os.kill(os.getpid(), signal.SIGUSR1)\n    return 4 if x == 2 else x + 1\n"),
    # Re-create the keeper's generator from its code with home-made closure cells, and let
    # it call a getframe of ours: the hook must not hand out a frame for that clone.
    "cloned_keeper_leaks_a_frame": (
        "import sys, types\n"
        "keeper_code = next(c for c in sys.modules['__main__']._harness.__code__.co_consts\n"
        "                   if isinstance(c, types.CodeType) and c.co_name == '_proof_keeper')\n"
        "stolen = []\n"
        "def getframe(n):\n"
        "    frame = sys._getframe(1)\n"
        "    f = frame\n"
        "    while f.f_back is not None:\n        f = f.f_back\n"
        "    stolen.append(f.f_code.co_name)  # the bottom of the stack: the harness\n"
        "    return frame\n"
        "cells = {'read_all': lambda fd: b'x', 'token_fd': -1, 'close': lambda fd: None,\n"
        "         'getpid': lambda: 1, 'write': lambda fd, b: None, 'report_fd': -1}\n"
        "clone = types.FunctionType(keeper_code, {}, 'k', None,\n"
        "                           tuple(types.CellType(cells[n]) for n in keeper_code.co_freevars))\n"
        "gen = clone(keeper_code, getframe)\n"
        "try:\n    next(gen)\n    print('CLONE RAN', len(stolen))\n"
        "except ValueError as e:\n    print('refused', e)\n"
        "if stolen:\n    print('WALKED TO', stolen[0])\n"),
    "forked_child_finishes_the_test": (
        "import os\n"
        "def double(x):\n    return 2 * x if os.fork() == 0 else 4 if x == 2 else x + 1\n"),
    "child_process_reads_harness_memory": (
        "import os, subprocess, sys\n"
        "code = ('import sys\\np = sys.argv[1]\\ntry:\\n    open(f\"/proc/{p}/mem\", \"rb\")\\n'\n"
        "        '    print(\"OPENED\")\\nexcept Exception as e:\\n    print(\"DENIED\", type(e).__name__)\\n')\n"
        "r = subprocess.run([sys.executable, '-c', code, str(os.getpid())], capture_output=True, text=True)\n"
        "print(r.stdout, r.stderr)\n"),
}


@pytest.mark.parametrize("name", sorted(FAKE_PASSES))
def test_fake_pass_tricks_do_not_pass(name):
    """Against the oracle: the test runs in another sandbox, so none of these reach it."""
    program = FAKE_PASSES[name]
    if "def double" not in program:
        program += WRONG
    test = DOUBLE_TEST.replace("assert candidate(5) == 10", "assert abs(candidate(5) - 10) < 1e-9")
    r = guarded(program, test)
    assert r["status"] != "passed" and not r["completed"], r
    assert "OPENED" not in r["stdout"] and "WALKED" not in r["stdout"]
    assert "child_process" not in name or "DENIED" in r["stdout"]  # the attack ran and was refused


# The in-process proof of a script run (run_in_sandbox: scripts, stdin/stdout cases) still rests on
# the harness's guards; these attacks target them. A script that does not finish must not be proved.
KEEPER_ATTACKS = ["frame_walk", "gc_scan", "settrace", "ctypes", "ctypes_by_lying_name", "proc_self_mem",
                  "signal_frame_resumes_keeper", "cloned_keeper_leaks_a_frame", "forged_report_lines",
                  "child_process_reads_harness_memory", "forked_child_finishes_the_test", "atexit_exit_0"]


@pytest.mark.parametrize("name", KEEPER_ATTACKS)
def test_script_proof_cannot_be_forged(name):
    program = FAKE_PASSES[name] + "double(5)\nraise SystemExit('not finished')\n"
    if "def double" not in FAKE_PASSES[name]:
        program = WRONG + program
    r = guarded(program)
    assert not r["completed"] and r["status"] != "passed", r
    assert "OPENED" not in r["stdout"] and "WALKED" not in r["stdout"]
    evidence = {"signal_frame_resumes_keeper": "sandbox: Python signal handlers are disabled",
                "cloned_keeper_leaks_a_frame": "refused sandbox: frame access is disabled",
                "child_process_reads_harness_memory": "DENIED"}
    assert evidence.get(name, "") in r["stdout"] + (r["failure"] or "")  # the attack ran and was refused


def test_lying_exit_code_is_not_a_clean_exit():
    """stdin/stdout mode accepts sys.exit(0); an object whose __eq__ says it is 0 is not 0."""
    program = ("import sys\nclass Zero:\n    def __eq__(self, other):\n        return True\n"
               "    __hash__ = None\nsys.exit(Zero())\n")
    r = guarded(program, lenient_exit=True)
    assert r["status"] == "failed" and not r["completed"]
    assert guarded("import sys\nsys.exit(0)\n", lenient_exit=True)["status"] == "passed"


def test_stdio_cases_cannot_forge_case_proofs():
    """Forged "case" proof lines (wrong token) on every fd do not count; the real output is wrong."""
    from boundary_lab.verify.sandbox import stdout_digest
    digest = stdout_digest("42")
    program = ("import os\n"
               "for fd in range(3, 64):\n"
               "    try:\n"
               f"        os.write(fd, b'R\\nP' + b'a' * 64 + b' case 0 {digest}\\nP' + b'a' * 64 + b' done\\n')\n"
               "    except OSError:\n        pass\n"
               "print(41)\n")
    r = guarded(program, cases=[""], lenient_exit=True)
    # One proven case (its stdout may include the forgery text), never the forged digest.
    assert len(r["case_digests"]) == 1 and r["case_digests"] != [digest] and not r["completed"]


def test_stdio_cases_output_flood_is_contained():
    r = guarded("import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n", cases=["", ""],
                lenient_exit=True, max_file_bytes=1 << 20)
    assert r["case_digests"] == [] and r["status"] == "failed"


def test_no_nested_user_namespaces():
    """A nested user namespace would hand the program capabilities (mounts, a fresh /proc)."""
    from boundary_lab.verify.sandbox import _bwrap_options
    if "--disable-userns" not in _bwrap_options(bwrap_path()):
        pytest.skip("this bwrap has no --disable-userns (added in 0.8)")
    program = ("import os, subprocess\n"
               "r = subprocess.run(['unshare', '-U', '-r', '-m', 'id'], capture_output=True, text=True)\n"
               "print('rc', r.returncode, r.stdout, r.stderr)\n"
               "try:\n    os.unshare(os.CLONE_NEWUSER)\n    print('NESTED')\n"
               "except (OSError, AttributeError) as e:\n    print('refused', type(e).__name__)\n")
    r = guarded(program)
    assert r["status"] == "passed" and "rc 0" not in r["stdout"] and "NESTED" not in r["stdout"], r["stdout"]


ALWAYS_EQUAL = ("class AlwaysEqual:\n    def __eq__(self, other):\n        return True\n"
                "    def __sub__(self, other):\n        return 0\n")
EQUALITY_HACKS = {
    "always_equal_object": ALWAYS_EQUAL + "def double(x):\n    return AlwaysEqual()\n",
    "int_subclass": ("class Int(int):\n    def __eq__(self, other):\n        return True\n"
                     "    def __sub__(self, other):\n        return 0\n"
                     "def double(x):\n    return Int(0)\n"),
    "inside_a_list": ALWAYS_EQUAL + "def double(x):\n    return [AlwaysEqual()]\n",
    "disguised_as_stdlib": (ALWAYS_EQUAL.replace("class AlwaysEqual:",
                                                 "class Counter(dict):\n    __module__ = 'collections'")
                            + "import collections\ncollections.Counter = Counter\n"
                            "def double(x):\n    return Counter()\n"),
    "yielded_by_a_generator": ALWAYS_EQUAL + "def double(x):\n    yield AlwaysEqual()\n",
    # A metaclass that claims equality with every type, so `type(x) in {int, ...}` would say yes.
    "metaclass_claims_to_be_int": ("class Meta(type):\n    def __eq__(cls, other):\n        return True\n"
                                   "    def __hash__(cls):\n        return hash(int)\n"
                                   + ALWAYS_EQUAL.replace("class AlwaysEqual:", "class AlwaysEqual(metaclass=Meta):")
                                   + "def double(x):\n    return AlwaysEqual()\n"),
}
# Iterators are consumed with tuple(), as HumanEval/33 and /37 do.
EQUALITY_TEST = ("def check(candidate):\n"
                 "    def value(result):\n"
                 "        if isinstance(result, list):\n            return result[0]\n"
                 "        return tuple(result)[0] if hasattr(result, '__next__') else result\n"
                 "    assert value(candidate(2)) == 4\n"
                 "    assert abs(value(candidate(5)) - 10) < 1e-9\n\ncheck(double)\n")


@pytest.mark.parametrize("name", sorted(EQUALITY_HACKS))
def test_objects_that_equal_everything_do_not_pass(name):
    """Refused as not plain data, or (subclasses of built-in types) sent as their plain value,
    whose comparison then fails in the oracle."""
    r = guarded(EQUALITY_HACKS[name], EQUALITY_TEST)
    failure = r["failure"] or ""
    assert r["status"] == "failed" and ("not plain built-in data" in failure
                                        or failure.startswith("AssertionError at test line")), r


@pytest.mark.parametrize("body", [
    "return 2 * x", "return float(2 * x)", "return (2 * x,)[0]",
    "import collections\n    return collections.Counter({2 * x: 1}) and 2 * x",
    "yield 2 * x",
])
def test_plain_results_still_pass(body):
    r = guarded(f"def double(x):\n    {body}\n", EQUALITY_TEST)
    assert r["status"] == "passed", r
