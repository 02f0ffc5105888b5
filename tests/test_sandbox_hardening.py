"""Issue 25: nothing in the sandbox acts as host root, one sample cannot starve another, and the
oracle's guarantees hold whatever the candidate sends.

Hostile programs run under the cgroup guard (tests/cgroup_guard.py).
"""
from __future__ import annotations

import ctypes
import os
import platform
import threading
import time
import uuid
from pathlib import Path

import pytest

from boundary_lab.verify import sandbox
from boundary_lab.verify.sandbox import SANDBOX_UID, SECCOMP_DENIED, bwrap_path, run_tests_in_sandbox
from boundary_lab.verify.sandbox_cgroup import create_run_cgroup

try:
    from cgroup_guard import guard_available, run_guarded
except ImportError:  # tests collected as a package
    from tests.cgroup_guard import guard_available, run_guarded

pytestmark = [pytest.mark.sandbox,
              pytest.mark.skipif(not guard_available() or bwrap_path() is None,
                                 reason="needs root, writable cgroup v1 (pids, memory) and bubblewrap")]
x86_64 = pytest.mark.skipif(platform.machine() != "x86_64", reason="syscall numbers are x86_64's")
SYSCALLS = {"add_key": 248, "request_key": 249, "keyctl": 250, "perf_event_open": 298, "bpf": 321,
            "userfaultfd": 323}  # x86_64 numbers (asm/unistd_64.h)
EPERM = 1


def graded(program: str, test: str, entry_point: str | None = None, **limits) -> dict:
    r = run_guarded({"function": "run_tests_in_sandbox", "program": program, "test": test,
                     "entry_point": entry_point, "limits": {"timeout_s": 10.0} | limits})
    assert r["leftover_pids"] == 0, "processes survived the sandbox"
    return r


def test_every_sandbox_process_runs_as_the_sandbox_uid_on_the_host():
    """While a graded run sleeps, every process in its cgroup has host uid SANDBOX_UID (never 0)."""
    assert SANDBOX_UID != 0
    done: list = []
    thread = threading.Thread(target=lambda: done.append(run_tests_in_sandbox(
        "import time\ndef nap():\n    time.sleep(3)\n    return 1\n", "assert nap() == 1\n")))
    thread.start()
    seen: dict[str, set[int]] = {}
    end = time.monotonic() + 8
    while time.monotonic() < end and thread.is_alive():
        for procs in Path("/sys/fs/cgroup/pids").glob(f"boundary-lab-sbx-{os.getpid()}-*/cgroup.procs"):
            for pid in procs.read_text().split():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                    comm = Path(f"/proc/{pid}/comm").read_text().strip()
                except OSError:
                    continue
                uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
                seen.setdefault(comm, set()).update(int(x) for x in uid_line.split()[1:])  # real, eff, saved, fs
        time.sleep(0.05)
    thread.join()
    assert done and done[0].completed and done[0].host_uid == SANDBOX_UID and done[0].seccomp
    sandboxed = {comm: uids for comm, uids in seen.items() if comm.startswith(("python", "bwrap"))}
    assert sandboxed and all(uids == {SANDBOX_UID} for uids in sandboxed.values()), seen


@x86_64
def test_keyring_probe_fails():
    """Issue 25's attack: a sandbox process described, and added a key to, a keyring owned by host root,
    given its serial. Now every keyring syscall is refused (seccomp: EPERM) and the host key is untouched."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    name = f"boundary-lab-probe-{uuid.uuid4().hex[:8]}".encode()
    serial = libc.syscall(SYSCALLS["add_key"], b"keyring", name, None, 0, -3)  # in our session keyring
    if serial < 0:
        pytest.skip(f"this host refuses add_key (errno {ctypes.get_errno()}): no root keyring to probe")
    try:
        program = (
            "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nlibc.syscall.restype = ctypes.c_long\n"
            "def probe(serial):\n    out = {}\n    buf = ctypes.create_string_buffer(256)\n"
            "    r = libc.syscall(250, 6, serial, buf, 256)\n    out['describe'] = (r, ctypes.get_errno())\n"
            "    r = libc.syscall(248, b'user', b'planted', b'x', 1, serial)\n"
            "    out['add_to_root'] = (r, ctypes.get_errno())\n"
            "    r = libc.syscall(248, b'user', b'mine', b'x', 1, -3)\n    out['add_own'] = (r, ctypes.get_errno())\n"
            "    r = libc.syscall(250, 0, -3, 0, 0, 0)\n    out['own_keyring'] = (r, ctypes.get_errno())\n"
            "    return out\n")
        r = graded(program, f"print(probe({serial}))\n")
        assert r["status"] == "passed" and r["seccomp"], r["detail"]
        seen = eval(r["oracle_output"])  # the test printed a dict of plain tuples
        assert seen == {k: (-1, EPERM) for k in ("describe", "add_to_root", "add_own", "own_keyring")}, seen
        keys = Path("/proc/keys").read_text()
        assert "planted" not in keys and "mine" not in keys
    finally:
        libc.syscall(SYSCALLS["keyctl"], 21, serial, 0, 0, 0)  # KEYCTL_INVALIDATE


@x86_64
@pytest.mark.parametrize("syscall", SECCOMP_DENIED)
def test_seccomp_refuses(syscall):
    program = ("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nlibc.syscall.restype = ctypes.c_long\n"
               "def call(number):\n    r = libc.syscall(number, 0, 0, 0, 0, 0)\n    return r, ctypes.get_errno()\n")
    r = graded(program, f"print(call({SYSCALLS[syscall]}))\n")
    assert r["oracle_output"].strip() == f"(-1, {EPERM})", (r["oracle_output"], r["detail"])


def test_seccomp_filter_comes_from_libseccomp():
    bpf = sandbox.seccomp_filter()
    assert bpf is not None, "pyseccomp or libseccomp2 missing (scripts/setup.sh installs both)"
    assert len(bpf) % 8 == 0 and len(bpf) // 8 > len(SECCOMP_DENIED)  # sock_filter: 8 bytes per instruction


SPINNER = ("import os, time\ndef double(x):\n    for _ in range(24):\n        if os.fork() == 0:\n"
           "            os.setsid()\n            end = time.time() + 8.5\n            while time.time() < end:\n"
           "                pass\n            os._exit(0)\n    time.sleep(8.5)\n    return 2 * x\n")
WORKER = "def double(x):\n    s = 0\n    for i in range(6_000_000):\n        s += i & 1\n    return 2 * x + s - s\n"
DOUBLE_TEST = "def check(candidate):\n    assert candidate(2) == 4\n\ncheck(double)\n"


def test_spinner_leaves_its_neighbour_its_normal_time():
    """Issue 25's saboteur: 24 setsid spinners beside a correct program made it time out. With a CPU
    quota per run the neighbour passes, in about its time alone, and the spinners get one core."""
    alone = graded(WORKER, DOUBLE_TEST, "double")
    assert alone["status"] == "passed", alone["detail"]
    results: dict = {}
    spin = threading.Thread(target=lambda: results.update(spin=graded(SPINNER, DOUBLE_TEST, "double",
                                                                      timeout_s=20.0)))
    spin.start()
    time.sleep(1.5)  # the spinners are running
    results["beside"] = graded(WORKER, DOUBLE_TEST, "double")
    spin.join()
    beside, spinner = results["beside"], results["spin"]
    assert beside["status"] == "passed", beside["detail"]
    # Its own CPU time is what its limit counts; its wall time stays near its time alone.
    assert beside["cpu_s"] < 2 * alone["cpu_s"] + 0.5, (alone["cpu_s"], beside["cpu_s"])
    assert beside["duration_s"] < 3 * alone["duration_s"] + 2.0, (alone["duration_s"], beside["duration_s"])
    # The quota: 24 spinners for 8.5 s got about one core, not 24.
    assert spinner["cpu_s"] < 1.2 * spinner["duration_s"] + 0.5, (spinner["cpu_s"], spinner["duration_s"])


def test_cpu_quota_and_accounting_of_a_run_cgroup():
    """Four spinners in a cgroup with a quota of a twentieth of a core get no more, even with the
    highest weight (which without the quota takes most of the machine), and the cgroup accounts
    their CPU time."""
    import subprocess
    cg = create_run_cgroup(max_procs=32, memory_mb=256, cpu_cores=0.05, cpu_weight=10000)
    assert cg is not None and "cpu" in cg.controllers and cg.version in ("v1", "v2")
    try:
        start = time.monotonic()
        subprocess.run(["/bin/sh", "-c", 'for f in "$@"; do echo $$ > "$f"; done; '
                        'for i in 1 2 3 4; do timeout 2 sh -c "while :; do :; done" & done; wait', "sh",
                        *cg.procs_files], check=False)
        wall = time.monotonic() - start
        used = cg.cpu_seconds()
    finally:
        assert cg.remove()
    assert used is not None and 0.01 < used < 0.05 * wall + 0.1, (used, wall)


def test_cpu_time_counts_not_wall_time():
    """A correct program that needs ~1 CPU-s passes with a 2 s limit even when the wall clock runs 3x
    slower (a quota of a third of a core stands in for a loaded machine)."""
    r = graded(WORKER, DOUBLE_TEST, "double", timeout_s=4.0, cpu_cores=0.33, wall_factor=10.0)
    assert r["status"] == "passed" and r["duration_s"] > r["cpu_s"] * 2, (r["detail"], r["duration_s"], r["cpu_s"])
    slow = graded(WORKER.replace("6_000_000", "60_000_000"), DOUBLE_TEST, "double", timeout_s=1.0, wall_factor=30.0)
    assert slow["status"] == "timeout" and slow["limit_hit"] == "cpu", slow["detail"]


NFKC_TUPLE = ("class T(tuple):\n    _fields = ('\\ufb01', 'fi')\n"  # 'ﬁ' NFKC-normalises to 'fi'
              "def double(x):\n    return T((1, 2))\n")
CATCH_ALL = ("def check(candidate):\n    try:\n        candidate(2)\n    except BaseException:\n        pass\n\n"
             "check(double)\n")
FORGED_E = ("import os, sys\ndef double(x):\n"
            "    os.write(int(sys.argv[3]), b'[1,\"bad\",\"E:the tests could not run\"]\\n')\n"
            "    return 5\n")
FORGED_LOAD = ("import os, sys\nos.write(int(sys.argv[3]), "
               "b'[\"L\",[\"double\"],[\"nt\",\"x\",[\"\\\\ufb01\",\"fi\"],1,2]]\\n')\n"
               "def double(x):\n    return 2 * x\n")


@pytest.mark.parametrize("program,test", [
    (NFKC_TUPLE, CATCH_ALL),  # from_wire raised SyntaxError, which the test caught: a pass
    (FORGED_E, DOUBLE_TEST),  # the program's own "E:" reason made a wrong answer an "error"
    (FORGED_LOAD, DOUBLE_TEST),  # a fake load message crashed the oracle (then retried 3 times)
    ("import os, sys\ndef double(x):\n    os.write(int(sys.argv[3]), b'[\"cb\",\"next\",99]\\n')\n    return 2 * x\n",
     DOUBLE_TEST),  # a callback for an iterator the test never passed
], ids=["nfkc_namedtuple", "forged_E_reason", "forged_load_message", "forged_callback"])
def test_malformed_answers_fail(program, test):
    r = graded(program, test, "double")
    assert r["status"] == "failed" and r["error"] is None, (r["status"], r["detail"], r["error"])


def test_unsendable_exception_args_still_raise_the_type():
    """Exception args that are not plain data fall back to the message; the type still crosses."""
    r = graded("def double(x):\n    raise KeyError(object())\n",
               "try:\n    double(1)\nexcept KeyError:\n    pass\n", "double")
    assert r["status"] == "passed", r["detail"]


def test_iterator_draining_is_capped(monkeypatch):
    """Without a lazy hook an iterator is drained, at most MAX_DRAIN items (itertools.count() used
    to run into the memory cap); with one it crosses as a handle."""
    import itertools

    from boundary_lab.verify import sandbox_wire
    monkeypatch.setattr(sandbox_wire, "MAX_DRAIN", 100)
    assert sandbox_wire.to_wire(iter(range(100))) == ["it", *range(100)]
    with pytest.raises(sandbox_wire.NotPlainData, match="more than 100 items"):
        sandbox_wire.to_wire(iter(range(101)))  # finite: without the cap this test fails, not hangs
    assert sandbox_wire.to_wire(itertools.count(), lazy=lambda it: 1) == ["lz", 1]
    with pytest.raises(sandbox_wire.WireError):  # the trusted side never decodes a handle it did not ask for
        sandbox_wire.from_wire(["lz", 1])
    with pytest.raises(sandbox_wire.WireError):  # nor marshal data
        sandbox_wire.from_wire(sandbox_wire.marshalled([1, 2]))


def test_from_wire_turns_every_rebuild_error_into_a_wire_error():
    """Issue 25: field names that NFKC-normalise to one identifier made namedtuple raise SyntaxError."""
    from boundary_lab.verify.sandbox_wire import WireError, from_wire
    with pytest.raises(WireError):
        from_wire(["nt", "T", ["\ufb01", "fi"], 1, 2])
