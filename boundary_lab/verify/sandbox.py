"""Run untrusted Python in a sandbox; grade it with tests that run somewhere else.

Two entry points:

- :func:`run_tests_in_sandbox` grades a program with test code (HumanEval's
  ``check``, MBPP's asserts). The tests run in a trusted *oracle* process in a
  sandbox of its own (:mod:`.sandbox_oracle`); the program runs in another
  (:mod:`.sandbox_harness`, function-call mode). Each call of the function
  under test crosses between the two as plain serialized data
  (:mod:`.sandbox_wire`), and the oracle decides the verdict.
- :func:`run_in_sandbox` runs a program as a script (optionally on several
  stdin cases) and proves that it ran to the end.

Threat model
------------

The *completion* is hostile: assume it was written by a policy trained to
maximise this grader's reward. The benchmark's ``prompt``, ``test`` and
``entry_point`` are trusted (they decide the verdict; a hostile test can only
harm its own sandbox). The kernel, bubblewrap and this package are trusted.

Guaranteed by :func:`run_tests_in_sandbox`; each claim names the test that
backs it (``tests/test_sandbox_<file>.py::<test>``):

1. No code of the program runs in the oracle's process. The oracle reads the
   program's answers with the C JSON scanner and rebuilds them with
   :func:`.sandbox_wire.from_wire`, which makes only the oracle's own built-in
   types (a namedtuple class is made from the names sent). A result that is
   not plain data (an object of the program's class, e.g. one whose ``__eq__``
   is always True), an answer that is malformed or over 64 MiB, or a program
   that dies fails the run, even if the test code catches the exception the
   proxy raised (``oracle::test_forged_passes_fail``,
   ``oracle::test_channel_attacks_fail``). *Any* exception while rebuilding or
   checking an answer (its value, exception arguments, forwarded output,
   ``random`` state) is a malformed answer, and a failure
   (``hardening::test_malformed_answers_fail[nfkc_namedtuple]``: field names
   that NFKC-normalise to one identifier).
2. The program cannot reach the test's builtins, modules (``math``,
   ``random``, ``statistics``...), namespace, frames, the prompt's helpers
   (HumanEval/32's ``poly``) or the verdict: they live in another process (with
   bwrap: in other PID, IPC, network and mount namespaces), linked to the
   program only by one pipe each way, a shared cgroup budget and (under bwrap)
   a shared ``/tmp`` (``oracle::test_redefined_prompt_helpers_do_not_pass``).
   The helpers come from the prompt and run in the oracle; a module the test
   uses without importing it (relying on the program's ``import math``) is the
   oracle's own module of that name.
3. A pass is the oracle's ``P`` line, written only after the test code
   returned normally, on a pipe only the oracle holds. Exit codes, prints,
   lines forged on any file descriptor, ``sys.exit``, ``os._exit``, killing
   its own processes: none of them is a pass. Nor can the program write a
   verdict or a reason other than a failure: ``E`` (the tests could not run)
   is recorded only by the oracle itself, and whatever the program writes on
   its channel (a reason, a load message, a callback) is an answer, checked as
   one (``hardening::test_malformed_answers_fail[forged_E_reason]``,
   ``[forged_load_message]``, ``[forged_callback]``). An exception the program
   raises reaches the test as the built-in type it derives from, with its
   arguments where they are plain data (``KeyError('k').args == ('k',)``),
   except ``StopIteration`` and non-``Exception`` types (``SystemExit``),
   which arrive as a plain error.
4. Arguments are serialised before the channel lock is taken, and the lock is
   reentrant, so a generator argument that calls the program again cannot
   deadlock; iterators cross lazily both ways (an argument's items are pulled
   by the program, a returned generator's by the test), so infinite ones work;
   without a lazy hook draining stops at ``MAX_DRAIN`` items
   (``idioms::test_idiom_correct_passes_wrong_fails[generator_of_proxy_calls]``,
   ``[infinite_iterator_argument]``, ``[infinite_generator_result]``).
5. No sandboxed process is host root: when the launcher is root, bubblewrap
   itself runs as the unprivileged host uid ``SANDBOX_UID``
   (``hardening::test_every_sandbox_process_runs_as_the_sandbox_uid_on_the_host``),
   and a seccomp filter built by libseccomp refuses ``SECCOMP_DENIED`` (the
   keyring calls ``add_key``, ``request_key``, ``keyctl``; ``perf_event_open``,
   ``userfaultfd``, ``bpf``) with EPERM (``hardening::test_keyring_probe_fails``:
   issue 25's probe of a root-owned host keyring;
   ``hardening::test_seccomp_refuses``).
6. One sample cannot starve another: each run has its own cgroup with a CPU
   quota (``cpu_cores``) and a low weight (``cpu_weight``), which also ends the
   per-session autogroup escape from ``nice``; ``timeout_s`` counts the run's
   CPU seconds, not wall time, where the cgroup accounts them
   (``hardening::test_spinner_leaves_its_neighbour_its_normal_time``: 24
   ``setsid`` spinners beside a correct program;
   ``hardening::test_cpu_quota_and_accounting_of_a_run_cgroup``,
   ``hardening::test_cpu_time_counts_not_wall_time``).
7. The host is isolated from both sandboxes as below (``hostile::*``).

Shared with the test on purpose (MBPP, BigCodeBench and LiveCodeBench tests
rely on it; issue 25; each is a correct/wrong pair in
``idioms::test_idiom_correct_passes_wrong_fails``): what the candidate prints
during a call is written to the test's ``sys.stdout``/``sys.stderr`` when the
call returns (``redirect_stdout`` sees it); ``input()`` and ``sys.stdin``
reads during a call are served by the test's ``builtins.input`` and
``sys.stdin`` (``mock.patch`` works); once the test seeds ``random``
(``seed``/``setstate``), each call carries the test's ``random`` state to the
program and brings the advanced state back; both sandboxes see one ``/tmp``
(a file the test writes, the candidate reads, and the reverse); numpy
(``SANDBOX_PACKAGES``) is importable in both.

Not guaranteed:

- The oracle grades behaviour on the inputs the tests use. A program that
  returns the expected values, however it knows them (hard-coded answers, even
  answers written to the channel before they are asked), passes, as with any
  test-based grader.
- What the test does with exceptions is the test's business: a test that
  catches every ``Exception`` also catches the candidate's.
- The program's argument mutations are invisible to the test (it receives
  copies), and only plain data crosses: a test that passes a function or an
  object to the candidate is graded ``error``, one that expects an object of the
  program's class fails.
- The shared state above is as open as in one process: the program may read
  and change the files the test writes in ``/tmp``; a returned ``random`` state
  is adopted only if it continues the stream the test sent (at most 2**20
  32-bit words on; ``idioms::test_random_state_from_elsewhere_is_not_adopted``),
  so the program can still choose how far the test's later draws move, and
  sets ``gauss_next``. numpy's random state is not shared. Output reaches the
  test when the call returns, at most 1 MiB per stream per call, and output
  written to fd 1 directly is not forwarded; only ``read``, ``readline``,
  ``readlines`` and iteration of ``sys.stdin`` are served (not fd 0 or
  ``sys.stdin.buffer``); a process the candidate forks sees end-of-file.
- ``timeout_s`` counts the CPU seconds of the whole run (the oracle's
  included): a program that keeps several cores busy spends it faster than
  the wall clock; one that sleeps or deadlocks is stopped by the wall-clock
  backstop, ``wall_factor`` x ``timeout_s``. Where no cgroup accounts CPU
  time, ``timeout_s`` is wall-clock seconds as before.
- cgroup v2 is implemented but this project's machines run v1; the v2 path
  is untested here. Without libseccomp/pyseccomp the filter is missing and
  every result says so (``seccomp`` False); without root there is no cgroup
  and bwrap runs as the caller's uid.
- :func:`run_in_sandbox` (scripts, stdin/stdout cases) still proves
  completion *in process*: a keeper generator holds a secret token, guarded by
  an audit hook (no frames, ``gc`` walks, tracing, ``ctypes`` import or Python
  signal handlers). PEP 578 says audit hooks are no boundary, and issue 13
  showed ``_ctypes`` classes stay reachable through ``object.__subclasses__()``
  (the harness loads ctypes for ``prctl``). A program that defeats the guards
  can mark a run as finished; it cannot make the launcher accept a stdout it
  did not print (expected outputs never enter the sandbox; the launcher
  compares digests).
- In the ``"rlimit"`` fallback the two processes share uid 65534 and no
  namespaces: the oracle makes itself non-dumpable (no ``ptrace`` or
  ``/proc/PID/mem`` by the program), but the program can kill it (a fail,
  never a pass), and network and file system are not isolated.

Isolation (``isolation`` field of every result):

- ``"bwrap"`` (preferred): bubblewrap with ``--unshare-all`` (empty network
  namespace, own PID/IPC/UTS/user namespaces; ``--disable-userns`` where bwrap
  has it, so no nested ones), ``--die-with-parent``, ``--new-session``,
  ``--clearenv``, ``--seccomp`` with :func:`seccomp_filter`; uid/gid 65534
  inside, and on the host ``SANDBOX_UID``: a launcher running as root starts
  ``unshare --mount`` (a private mount namespace for this one command), binds
  the interpreter prefix and the packages' ``site-packages`` read-only under
  ``/mnt`` there (the prefix may sit below ``/root``, which that uid cannot
  search), then ``setpriv`` drops to ``SANDBOX_UID`` and execs bwrap, which
  maps the sandbox's 65534 to it. The file system is a fresh tmpfs with
  read-only binds of ``/usr`` and the interpreter prefix only (its
  ``site-packages`` hidden: the standard library, plus ``SANDBOX_PACKAGES``
  at ``SITE_IN_SANDBOX``), ``--dev`` and a ``/tmp`` work dir: a tmpfs for a
  script (``--size`` = the memory cap where bwrap has it), and for a graded
  run one fresh host directory on ``/dev/shm`` (tmpfs: its pages count against
  the run's memory cgroup) bound in both sandboxes. Nothing of ``/work``,
  ``/root`` or the caller's files is visible. No ``/proc`` is
  mounted (DESIGN measured ``--proc``; it would expose ``/proc/self/mem`` and
  bwrap's own PID 1), and bwrap is started with an empty environment anyway.
  ``subprocess``, ``multiprocessing`` and threads still work.
- ``"rlimit"`` (fallback where bwrap is missing; a :class:`RuntimeWarning` says
  so once): a scrubbed environment, a fresh session and process group, a
  private temp work dir, uid 65534 when root and the interpreter is readable by
  it. NOT protected then: network access, the host file system (whatever the
  uid may read or write), and, when it must keep the caller's uid, signals to
  the caller's other processes. So "auto" refuses to run as root where it
  cannot drop to uid 65534; ``isolation="rlimit"`` accepts that risk.

Limits (:class:`SandboxLimits`, all configurable, reported in every result's
``limits``, and ``limit_hit`` names the one that ended a run): a per-run cgroup
(:mod:`.sandbox_cgroup`, v1 or v2, shared by both sandboxes of a graded run,
``cgroup_version`` in every result) capping processes plus threads, memory
and CPU (a quota of ``cpu_cores`` and a weight of ``cpu_weight``) where
cgroups are writable, else ``RLIMIT_NPROC`` and ``RLIMIT_AS``; rlimits on CPU
time per process, file size and core dumps; ``timeout_s`` of the run's CPU time
(``cpu_s`` in every result), with a wall-clock backstop of ``wall_factor`` x
``timeout_s`` (where no cgroup accounts CPU time: ``timeout_s`` of wall clock),
after which every process is killed (the outer bwrap processes, then every
pid left in the cgroup); stdout/stderr kept up to
``max_output_bytes`` each, and a run that writes more than
``flood_output_bytes`` is killed as a flood.

>>> r = run_in_sandbox("print(sum(range(10)))", timeout_s=10)
>>> r.completed, r.stdout.strip()
(True, '45')
>>> run_in_sandbox("import os; os._exit(0)", timeout_s=10).completed
False
"""
from __future__ import annotations

import functools
import hashlib
import marshal
import os
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from boundary_lab.verify.sandbox_cgroup import RunCgroup, create_run_cgroup
from boundary_lab.verify.sandbox_wire import dumps

_HERE = Path(__file__).parent
WIRE_SOURCE = (_HERE / "sandbox_wire.py").read_text()
HARNESS_SOURCE = WIRE_SOURCE + (_HERE / "sandbox_harness.py").read_text()
ORACLE_SOURCE = WIRE_SOURCE + (_HERE / "sandbox_oracle.py").read_text()
# Each sandboxed interpreter starts with this bootstrap, which reads the marshalled code of the
# harness (or oracle) from the fd given last on its command line: compiling ~25 kB of source
# in every sandbox cost ~3 ms of CPU per process.
_BOOTSTRAP = ("import marshal, os, sys\nsys.path.append('/opt/boundary-lab-site')\n"
              "fd = int(sys.argv.pop())\nchunks = []\n"
              "while chunk := os.read(fd, 1 << 16):\n    chunks.append(chunk)\nos.close(fd)\n"
              "del fd, chunk\nexec(marshal.loads(b''.join(chunks)))\n")
NOBODY = 65534
# The host uid that bubblewrap (and so every sandboxed process) runs as when the launcher is root:
# a dedicated unprivileged uid, so no sandbox uid is host uid 0 (issue 25: as root, bwrap mapped the
# sandbox's 65534 to host root, which the kernel's keyrings honoured). No Debian account uses it
# (system uids < 1000, users from 1000, nobody 65534); BOUNDARY_LAB_SANDBOX_UID overrides it.
SANDBOX_UID = int(os.environ.get("BOUNDARY_LAB_SANDBOX_UID", "61234"))
# Where the packages of SANDBOX_PACKAGES appear inside the sandbox (on sys.path; read-only).
SITE_IN_SANDBOX = "/opt/boundary-lab-site"
# Packages (from the caller's environment) a sandboxed program may import besides the standard
# library: numpy, a dependency of MBPP/BigCodeBench-style solutions (issue 25).
SANDBOX_PACKAGES = ("numpy",)
# Syscalls the seccomp filter refuses with EPERM: the kernel keyrings (issue 25's host-keyring probe)
# and the usual kernel attack surface of container runtimes (Docker's default profile refuses them too).
SECCOMP_DENIED = ("add_key", "request_key", "keyctl", "perf_event_open", "userfaultfd", "bpf")
_REPORT_CAP = 1 << 16
_MESSAGE_CAP = 64 << 20  # the largest single answer (one serialized result) the oracle reads
_warned_fallback = False


@dataclass(frozen=True)
class SandboxLimits:
    """Limits of one sandboxed run, all configurable; every result reports them (``limits``).

    Generous on purpose: model solutions are often sloppy (debug prints, thread
    or process pools), and a limit that a correct program hits is a wrong grade.
    """

    timeout_s: float = field(default=10.0, metadata={"help": (
        "wall-clock seconds for the whole run (per case in stdin/stdout mode); the reference "
        "HumanEval harness uses 3 s per problem, we allow more for busy machines")})
    memory_mb: int = field(default=1024, metadata={"help": (
        "memory cap (cgroup memory.limit_in_bytes, else RLIMIT_AS) and the size of the private /tmp")})
    max_procs: int = field(default=512, metadata={"help": (
        "processes plus threads (cgroup pids.max, else RLIMIT_NPROC); issue 13 asks for >= 256")})
    max_output_bytes: int = field(default=1 << 20, metadata={"help": (
        "bytes of stdout and of stderr kept in the result; more is read and dropped")})
    flood_output_bytes: int = field(default=128 << 20, metadata={"help": (
        "a run that writes more than this to stdout or stderr is killed as a flood; issue 13 asks "
        "for >= 64 MiB (a correct program printed 20 MB of debug output)")})
    max_file_bytes: int = field(default=16 << 20, metadata={
        "help": "largest file the program may write (RLIMIT_FSIZE)"})
    cpu_cores: float = field(default=1.0, metadata={"help": (
        "CPU cores one run may use at once, whatever it forks (cgroup cpu quota); issue 25: 24 setsid "
        "spinners made a correct neighbour time out")})
    cpu_weight: int = field(default=50, metadata={"help": (
        "CPU weight of a whole run against other tasks (cgroup v2 cpu.weight, default 100 per cgroup; v1 "
        "cpu.shares = weight x 1024 / 100): 50 = half an ordinary task, so the grader wins 2:1; issue 25 asks "
        "for a low weight. 12 (1/8) starved runs on a loaded machine (a 1 s spinner got 0.07 CPU-s)")})
    wall_factor: float = field(default=2.0, metadata={"help": (
        "where the cgroup accounts CPU time, timeout_s is CPU seconds of the whole run and the wall-clock "
        "backstop (for sleeps and deadlocks) is wall_factor x timeout_s; issue 25: a busy neighbour must not "
        "make a correct program time out")})

    def __post_init__(self):
        for name in ("timeout_s", "memory_mb", "max_procs", "max_output_bytes", "flood_output_bytes",
                     "max_file_bytes", "cpu_cores", "cpu_weight", "wall_factor"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"SandboxLimits.{name}: must be a positive number, got {value!r}")

    def describe(self, which: str) -> str:
        """The limit ``which`` (a ``limit_hit`` value) in words, with its value."""
        return {"timeout": f"wall-clock limit of {self.timeout_s:g} s",
                "wall": f"wall-clock backstop of {self.timeout_s * self.wall_factor:g} s",
                "cpu": f"CPU-time limit of {self.timeout_s:g} s",
                "memory": f"memory cap of {self.memory_mb} MiB",
                "processes": f"limit of {self.max_procs} processes and threads",
                "output": f"output flood (more than {self.flood_output_bytes >> 20} MiB)"}.get(which, which)


@dataclass
class SandboxResult:
    """What one sandboxed run did.

    ``completed``: for a graded run (:func:`run_tests_in_sandbox`) the oracle's
    verdict that the test code returned; for a script, the in-process proof
    that the program returned normally (its secret token). In cases mode,
    ``case_digests`` are the proven digests of the cases that finished, in
    order. ``ready`` means the code compiled and was about to run (and, graded,
    the tests could run); ``syntax_error`` holds the compile error otherwise,
    ``error`` a failure of the sandbox or of the tests themselves. ``failure``
    is a one-line account of why a run failed (for a script, written by a
    harness that untrusted code shares, so a hint only). ``limit_hit`` names
    the limit that ended the run ("timeout", "wall", "cpu", "memory",
    "processes", "output"), ``limits`` the :class:`SandboxLimits` in force, and
    ``oracle_output`` what the test code printed. ``host_uid`` is the host uid
    the sandboxed processes ran as (never 0 with bwrap), ``seccomp`` whether the
    seccomp filter was loaded, ``cgroup_version`` "v1" or "v2" (None: no
    cgroup) and ``cpu_s`` the CPU seconds the run's cgroup accounted.
    """

    completed: bool
    ready: bool
    timed_out: bool
    exit_code: int | None
    duration_s: float
    stdout: str
    stderr: str
    output_truncated: bool
    isolation: str
    capped_by_cgroup: bool
    memory_capped: bool = False
    case_digests: list[str] = field(default_factory=list)
    syntax_error: str | None = None
    failure: str | None = None
    error: str | None = None
    limit_hit: str | None = None
    limits: dict = field(default_factory=dict)
    oracle_output: str = ""
    host_uid: int | None = None
    seccomp: bool = False
    cgroup_version: str | None = None
    cpu_s: float | None = None


def stdout_digest(text: str) -> str:
    """sha256 of stdout normalised as the harness does: trailing whitespace per line
    and trailing blank lines ignored.

    >>> stdout_digest("3 \\n4\\n\\n") == stdout_digest("3\\n4")
    True
    """
    normalised = "\n".join(line.rstrip() for line in text.rstrip().splitlines())
    return hashlib.sha256(normalised.encode()).hexdigest()


def bwrap_path() -> str | None:
    """Path of the ``bwrap`` executable, or None."""
    return shutil.which("bwrap")


@functools.lru_cache(maxsize=None)
def bwrap_problem(bwrap: str) -> str | None:
    """Why this bwrap cannot start our sandbox here (e.g. no user namespaces), or None if it can."""
    try:
        cmd, kwargs = _command(bwrap, None, None, (), 64, script="pass")
        probe = subprocess.run(cmd, capture_output=True, timeout=30, stdin=subprocess.DEVNULL, **kwargs)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if probe.returncode != 0:
        return probe.stderr.decode("utf-8", "replace").strip()[-500:] or f"exit code {probe.returncode}"
    return None


def _interpreter() -> tuple[str, str]:
    """(base prefix, executable) of a plain CPython without the venv's packages."""
    prefix = sys.base_prefix
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    for candidate in (Path(prefix) / "bin" / version, Path(prefix) / "bin" / "python3"):
        if candidate.exists():
            return prefix, str(candidate)
    return prefix, os.path.realpath(sys.executable)


@functools.lru_cache(maxsize=None)
def _bwrap_options(bwrap: str) -> frozenset[str]:
    """Long options this bwrap knows (0.8 added --disable-userns and --size)."""
    try:
        text = subprocess.run([bwrap, "--help"], capture_output=True, text=True, timeout=10, env={}).stdout
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(word for word in text.split() if word.startswith("--"))


def _as_sandbox_user() -> bool:
    """Whether bwrap must drop to SANDBOX_UID (the launcher is root)."""
    return os.geteuid() == 0


@functools.lru_cache(maxsize=None)
def _package_dirs() -> tuple[tuple[str, str], ...]:
    """(host directory, name under SITE_IN_SANDBOX) of each of SANDBOX_PACKAGES and of its wheel's
    ``<name>.libs`` (vendored shared libraries), all in one site-packages directory."""
    import importlib.util
    found = []
    for name in SANDBOX_PACKAGES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None or not spec.submodule_search_locations:
            continue
        path = Path(list(spec.submodule_search_locations)[0]).resolve()
        found.append((str(path), name))
        if (path.parent / f"{name}.libs").is_dir():
            found.append((str(path.parent / f"{name}.libs"), f"{name}.libs"))
    if len({str(Path(d).parent) for d, _ in found}) > 1:  # one bind of their site-packages serves all
        found = [pair for pair in found if Path(pair[0]).parent == Path(found[0][0]).parent]
    return tuple(found)


@functools.lru_cache(maxsize=None)
def seccomp_filter() -> bytes | None:
    """The BPF program that refuses SECCOMP_DENIED with EPERM, built and exported by libseccomp
    (through pyseccomp's ctypes binding); None where libseccomp or pyseccomp is missing.

    >>> bpf = seccomp_filter()
    >>> bpf is None or (len(bpf) % 8 == 0 and len(bpf) > 8 * len(SECCOMP_DENIED))
    True
    """
    try:
        import pyseccomp
    except (ImportError, OSError, RuntimeError):
        return None
    import errno
    rules = pyseccomp.SyscallFilter(pyseccomp.ALLOW)
    for name in SECCOMP_DENIED:
        rules.add_rule(pyseccomp.ERRNO(errno.EPERM), name)
    with tempfile.TemporaryFile() as handle:
        rules.export_bpf(handle)
        handle.seek(0)
        return handle.read()


def _bwrap_command(bwrap: str, tmp_mb: int = 1024, shared_tmp: str | None = None,
                   seccomp_fd: int | None = None) -> list[str]:
    """bwrap's command line; when root, the interpreter prefix and the packages are bound from
    ``/mnt/0`` and ``/mnt/1``, which :func:`_command` mounts in a private mount namespace (the
    prefix may sit below a directory SANDBOX_UID cannot search, e.g. ``/root/.pyenv``)."""
    prefix, python = _interpreter()
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    options = _bwrap_options(bwrap)
    cmd = [bwrap, "--unshare-all", "--unshare-user", "--die-with-parent", "--new-session", "--clearenv",
           "--uid", str(NOBODY), "--gid", str(NOBODY), "--hostname", "sandbox"]
    if "--disable-userns" in options:  # no nested user namespaces (and the capabilities they grant)
        cmd += ["--disable-userns"]
    cmd += ["--ro-bind", "/usr", "/usr"]
    for link in ("bin", "lib", "lib64", "sbin"):  # merged-/usr symlinks, or plain binds
        path = Path("/") / link
        if path.is_symlink():
            cmd += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            cmd += ["--ro-bind", str(path), str(path)]
    dropped = _as_sandbox_user()
    if not prefix.startswith("/usr/"):
        cmd += ["--ro-bind", "/mnt/0" if dropped else prefix, prefix]
    site = Path(prefix) / "lib" / version / "site-packages"
    if site.is_dir():
        cmd += ["--tmpfs", str(site)]
    for path, name in _package_dirs():
        source = f"/mnt/1/{Path(path).name}" if dropped else path
        cmd += ["--ro-bind", source, f"{SITE_IN_SANDBOX}/{name}"]
    # No --proc: a /proc would show /proc/self/mem and the host environment of bwrap's PID 1.
    cmd += ["--dev", "/dev"]
    if seccomp_fd is not None:
        cmd += ["--seccomp", str(seccomp_fd)]
    if shared_tmp:  # the graded run's /tmp, one directory shared by the program and the oracle
        cmd += ["--bind", shared_tmp, "/tmp"]
    else:
        if "--size" in options:  # bounds /tmp even where no memory cgroup does
            cmd += ["--size", str(tmp_mb << 20)]
        cmd += ["--tmpfs", "/tmp"]
    cmd += ["--chdir", "/tmp",
            "--setenv", "HOME", "/tmp", "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
            "--setenv", "LANG", "C.UTF-8", "--", python]
    return cmd


def _may_run_as_nobody(python: str) -> bool:
    """Whether uid 65534 can execute the interpreter (every parent dir searchable)."""
    path = Path(python).resolve()
    for parent in [*reversed(path.parents)]:
        if not os.stat(parent).st_mode & 0o001:
            return False
    return bool(os.stat(path).st_mode & 0o005 == 0o005)


def _kill_tree(proc: subprocess.Popen, cgroup: RunCgroup | None) -> None:
    for kill in (lambda: os.killpg(proc.pid, signal.SIGKILL), proc.kill):
        try:
            kill()
        except (ProcessLookupError, PermissionError, OSError):
            pass
    if cgroup is not None:
        cgroup.kill_all()


def _sandbox_mode(isolation: str) -> tuple[str, str | None]:
    """("bwrap" | "rlimit", bwrap path or None) for an ``isolation`` request (see :func:`run_in_sandbox`)."""
    global _warned_fallback
    if isolation not in ("auto", "bwrap", "rlimit"):
        raise ValueError(f"isolation: expected 'auto', 'bwrap' or 'rlimit', got {isolation!r}")
    bwrap = bwrap_path() if isolation in ("auto", "bwrap") else None
    problem = bwrap_problem(bwrap) if bwrap else "bwrap not found (install bubblewrap)"
    if isolation == "bwrap" and problem:
        raise RuntimeError(f"isolation='bwrap' requested but unusable: {problem}")
    mode = "rlimit" if problem else "bwrap"
    if mode == "rlimit" and isolation == "auto" and not _warned_fallback:
        _warned_fallback = True
        warnings.warn(f"{problem}: code runs with rlimits only, without network or file-system "
                      "isolation", RuntimeWarning, stacklevel=3)
    if (mode == "rlimit" and isolation == "auto" and os.geteuid() == 0
            and not _may_run_as_nobody(_interpreter()[1])):
        # Without a PID namespace or a dropped uid, `os.kill(-1, 9)` would kill the whole host.
        raise RuntimeError("refusing to run untrusted code as root without bwrap: install bubblewrap, "
                           "or pass isolation='rlimit' to accept that risk")
    return mode, (bwrap if mode == "bwrap" else None)


def _cpu_accounted(cgroup: RunCgroup | None) -> bool:
    """Whether the run's CPU time is accounted (then timeout_s counts CPU seconds)."""
    return cgroup is not None and cgroup.cpu_seconds() is not None


def _limits_of(limits: SandboxLimits | None, **overrides) -> SandboxLimits:
    base = limits or SandboxLimits()
    given = {k: v for k, v in overrides.items() if v is not None}
    return replace(base, **given) if given else base


def _limit_hit(limits: SandboxLimits, timed_out: bool, flooded: bool, exit_code: int | None,
               cgroup: RunCgroup | None, cpu_hit: bool = False) -> str | None:
    """Which limit ended the run, if one did (the first that applies)."""
    if flooded:
        return "output"
    if cgroup is not None and cgroup.oom_killed():
        return "memory"
    if cpu_hit or exit_code in (-signal.SIGXCPU, 128 + signal.SIGXCPU):
        return "cpu"
    if timed_out:
        return "wall" if _cpu_accounted(cgroup) else "timeout"
    if cgroup is not None and cgroup.pids_limited():
        return "processes"
    return None


def run_in_sandbox(
    program: str,
    *,
    stdin: str | None = None,
    cases: list[str] | None = None,
    timeout_s: float | None = None,
    memory_mb: int | None = None,
    max_procs: int | None = None,
    max_output_bytes: int | None = None,
    flood_output_bytes: int | None = None,
    max_file_bytes: int | None = None,
    lenient_exit: bool = False,
    isolation: str = "auto",
    limits: SandboxLimits | None = None,
) -> SandboxResult:
    """Run ``program`` as a script in a sandbox and prove that it ran to the end.

    For grading a function against tests use :func:`run_tests_in_sandbox`,
    which keeps the tests out of the program's interpreter.

    ``stdin`` is the program's standard input (else empty). With ``cases`` (a
    list of stdin strings) the program runs once per case, in one sandbox, each
    in a fresh namespace, and ``case_digests`` holds the proven sha256 digests
    of each finished case's normalised stdout (see :func:`stdout_digest`).
    ``timeout_s`` is then per case. ``lenient_exit`` counts
    ``sys.exit(0)``/``exit()`` as finishing normally (stdin/stdout programs
    do that); ``os._exit`` never counts. Limits come from ``limits``
    (:class:`SandboxLimits`, defaults if None), each overridden by the keyword
    of the same name. ``isolation`` is "auto" (bwrap if available, else
    "rlimit" with a warning; "auto" refuses to run as root when it could not
    drop to uid 65534), "bwrap" or "rlimit".
    """
    lim = _limits_of(limits, timeout_s=timeout_s, memory_mb=memory_mb, max_procs=max_procs,
                     max_output_bytes=max_output_bytes, flood_output_bytes=flood_output_bytes,
                     max_file_bytes=max_file_bytes)
    mode, bwrap = _sandbox_mode(isolation)
    token = secrets.token_hex(32).encode()
    cgroup = create_run_cgroup(max_procs=lim.max_procs, memory_mb=lim.memory_mb, cpu_cores=lim.cpu_cores,
                               cpu_weight=lim.cpu_weight)
    runs = max(1, len(cases or ()))
    job = {"program": program, "stdin": stdin, "cases": cases, "memory_mb": lim.memory_mb,
           "memory_rlimit": cgroup is None, "max_file_bytes": lim.max_file_bytes,
           "cpu_s": int(lim.timeout_s * runs) + 1, "lenient_exit": lenient_exit,
           "max_procs_rlimit": None if cgroup else lim.max_procs}
    ctrl_r, ctrl_w = os.pipe()
    token_r, token_w = os.pipe()
    report_r, report_w = os.pipe()
    code_r = _code_pipe(HARNESS_SOURCE, "<sandbox-harness>")
    workdir = None if mode == "bwrap" else tempfile.mkdtemp(prefix="boundary-lab-sbx-")
    seccomp_r = _data_pipe(seccomp_filter()) if mode == "bwrap" else None
    cmd, popen_kwargs = _command(bwrap, workdir, cgroup, (ctrl_r, token_r, report_w, code_r), lim.memory_mb,
                                 seccomp_fd=seccomp_r)
    extra_fds = (seccomp_r,) if seccomp_r is not None else ()

    start = time.monotonic()
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                pass_fds=(ctrl_r, token_r, report_w, code_r, *extra_fds), start_new_session=True,
                                **popen_kwargs)
    except OSError as exc:
        _close(ctrl_r, ctrl_w, token_r, token_w, report_r, report_w, code_r, *extra_fds)
        _cleanup(cgroup, workdir)
        return _not_started(mode, cgroup, lim, exc)
    _close(ctrl_r, token_r, report_w, code_r, *extra_fds)
    os.write(token_w, token)
    os.close(token_w)
    writer = threading.Thread(target=_write_and_close, args=(ctrl_w, marshal.dumps(job)), daemon=True)
    writer.start()

    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    # In cases mode every proven case restarts the clock: timeout_s is per case. Where the cgroup
    # accounts CPU time, timeout_s is CPU seconds and the wall clock a backstop wall_factor times longer.
    accounted = _cpu_accounted(cgroup)
    wall = lim.timeout_s * (lim.wall_factor if accounted else 1.0)
    renew = (b"P" + token + b" case ", wall, start + wall * runs) if cases else None
    caps = {out_fd: lim.max_output_bytes, err_fd: lim.max_output_bytes, report_r: _REPORT_CAP}
    captured, timed_out, flooded, cpu_hit = _collect([proc], caps, report_r, start + wall, lim.flood_output_bytes,
                                                     renew, cpu_budget=(cgroup, lim.timeout_s * runs) if accounted
                                                     else None)
    _kill_tree(proc, cgroup)
    exit_code = proc.wait()
    proc.stdout.close()
    proc.stderr.close()
    duration = time.monotonic() - start
    writer.join(timeout=1.0)
    limit_hit = _limit_hit(lim, timed_out, flooded, exit_code, cgroup, cpu_hit)
    cpu_s = cgroup.cpu_seconds() if cgroup is not None else None
    _cleanup(cgroup, workdir)

    report = captured[report_r][0].decode("utf-8", "replace").splitlines()
    first = report[0] if report else ""
    completed, case_digests = _proofs(report, token) if not flooded else (False, [])
    failure = next((line[1:] for line in report[1:] if line.startswith("X")), None)
    stdout, stdout_cut = captured[out_fd]
    stderr, stderr_cut = captured[err_fd]
    error = None
    if not first:
        error = (f"sandbox did not start the program (exit code {exit_code}): "
                 + stderr[-500:].decode("utf-8", "replace"))
    return SandboxResult(
        completed=completed, case_digests=case_digests, ready=first == "R", timed_out=timed_out, exit_code=exit_code,
        duration_s=duration, stdout=stdout.decode("utf-8", "replace"), stderr=stderr.decode("utf-8", "replace"),
        output_truncated=stdout_cut or stderr_cut, isolation=mode, capped_by_cgroup=cgroup is not None,
        memory_capped=limit_hit == "memory", syntax_error=first[1:] if first.startswith("S") else None,
        failure=failure, error=None if timed_out or first else error, limit_hit=limit_hit,
        limits=asdict(lim), **_hardening(mode, cgroup, seccomp_r is not None, cpu_s))


def run_tests_in_sandbox(
    program: str,
    test: str,
    *,
    helpers: str = "",
    entry_point: str | None = None,
    limits: SandboxLimits | None = None,
    isolation: str = "auto",
) -> SandboxResult:
    """Grade ``program`` with ``test``: the test runs in a trusted oracle, the program elsewhere.

    Two sandboxes per run (the same isolation, one cgroup): the program's
    (:mod:`.sandbox_harness` in function-call mode) and the oracle's
    (:mod:`.sandbox_oracle`), linked only by two pipes that carry plain data
    (:mod:`.sandbox_wire`). The oracle runs ``helpers`` (trusted code such as
    HumanEval's prompt, which defines helpers like ``poly``) and then ``test``;
    ``entry_point``, and every other name the test uses that the program
    defines and neither ``helpers`` nor the builtins do, is a proxy whose calls
    go to the program. ``completed`` is the oracle's verdict: the test code
    returned. See the module docstring for what is guaranteed.

    >>> r = run_tests_in_sandbox("def add(a, b):\\n    return a + b\\n", "assert add(2, 3) == 5\\n")
    >>> r.completed, r.isolation in ("bwrap", "rlimit")
    (True, True)
    """
    lim = limits or SandboxLimits()
    mode, bwrap = _sandbox_mode(isolation)
    cgroup = create_run_cgroup(max_procs=lim.max_procs, memory_mb=lim.memory_mb, cpu_cores=lim.cpu_cores,
                               cpu_weight=lim.cpu_weight)
    accounted = _cpu_accounted(cgroup)
    cpu_s = int(lim.timeout_s) + 1
    program_job = {"serve": True, "program": program, "memory_mb": lim.memory_mb, "memory_rlimit": cgroup is None,
                   "max_file_bytes": lim.max_file_bytes, "cpu_s": cpu_s,
                   "max_procs_rlimit": None if cgroup else lim.max_procs}
    oracle_job = {"helpers": helpers, "test": test, "entry_point": entry_point, "cpu_s": cpu_s,
                  "max_message_bytes": _MESSAGE_CAP, "nondumpable": mode == "rlimit"}
    pipes = {name: os.pipe() for name in ("pctrl", "calls", "answers", "octrl", "report", "oout")}
    for name in ("calls", "answers"):  # big arguments cross in a few pipe-fulls, not one per 64 KiB
        _widen_pipe(pipes[name][1])
    (pctrl_r, pctrl_w), (calls_r, calls_w), (answers_r, answers_w) = pipes["pctrl"], pipes["calls"], pipes["answers"]
    (octrl_r, octrl_w), (report_r, report_w), (oout_r, oout_w) = pipes["octrl"], pipes["report"], pipes["oout"]
    # One /tmp for both sandboxes (a test writes a file, the program reads it): a shared host
    # directory under bwrap, the shared work dir in the rlimit fallback.
    workdir = None if mode == "bwrap" else tempfile.mkdtemp(prefix="boundary-lab-sbx-")
    shared = _shared_tmp(lim.memory_mb) if mode == "bwrap" else None
    filter_bpf = seccomp_filter() if mode == "bwrap" else None
    seccomp_fds = (_data_pipe(filter_bpf), _data_pipe(filter_bpf)) if filter_bpf else (None, None)
    program_fds = (pctrl_r, calls_r, answers_w, _code_pipe(HARNESS_SOURCE, "<sandbox-harness>"))
    oracle_fds = (octrl_r, answers_r, calls_w, report_w, _code_pipe(ORACLE_SOURCE, "<sandbox-oracle>"))
    cmd, kwargs = _command(bwrap, workdir, cgroup, program_fds, lim.memory_mb, shared, seccomp_fds[0])
    ocmd, okwargs = _command(bwrap, workdir, cgroup, oracle_fds, lim.memory_mb, shared, seccomp_fds[1])
    extra = [fd for fd in seccomp_fds if fd is not None]

    start = time.monotonic()
    procs: list[subprocess.Popen] = []
    try:
        procs.append(subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, pass_fds=program_fds + tuple(extra[:1]),
                                      start_new_session=True, **kwargs))
        procs.append(subprocess.Popen(ocmd, stdin=subprocess.DEVNULL, stdout=oout_w, stderr=oout_w,
                                      pass_fds=oracle_fds + tuple(extra[1:]), start_new_session=True, **okwargs))
    except OSError as exc:
        for proc in procs:
            _kill_tree(proc, None)
            proc.wait()
            proc.stdout.close()
            proc.stderr.close()
        _close(*(fd for pair in pipes.values() for fd in pair), program_fds[-1], oracle_fds[-1], *extra)
        _cleanup(cgroup, workdir, shared)
        return _not_started(mode, cgroup, lim, exc)
    _close(*program_fds, *oracle_fds, oout_w, *extra)
    writers = [threading.Thread(target=_write_and_close, args=(pctrl_w, marshal.dumps(program_job)), daemon=True),
               threading.Thread(target=_write_and_close, args=(octrl_w, dumps(oracle_job).encode()), daemon=True)]
    for writer in writers:
        writer.start()

    proc, oracle = procs
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    caps = {out_fd: lim.max_output_bytes, err_fd: lim.max_output_bytes, oout_r: lim.max_output_bytes,
            report_r: _REPORT_CAP}
    wall = lim.timeout_s * (lim.wall_factor if accounted else 1.0)
    captured, timed_out, flooded, cpu_hit = _collect(
        procs, caps, report_r, start + wall, lim.flood_output_bytes, stop_at_report_eof=True,
        cpu_budget=(cgroup, lim.timeout_s) if accounted else None)
    exit_code = proc.poll()  # before the kill: a program killed for CPU time says so here
    for p in procs:
        _kill_tree(p, cgroup)
    exit_code = exit_code if exit_code is not None else proc.wait()
    oracle.wait()
    proc.stdout.close()
    proc.stderr.close()
    os.close(oout_r)
    duration = time.monotonic() - start
    for writer in writers:
        writer.join(timeout=1.0)
    limit_hit = _limit_hit(lim, timed_out, flooded, exit_code, cgroup, cpu_hit)
    run_cpu_s = cgroup.cpu_seconds() if cgroup is not None else None
    _cleanup(cgroup, workdir, shared)

    verdict = captured[report_r][0].decode("utf-8", "replace").partition("\n")[0]
    kind, text = verdict[:1], verdict[1:]
    completed = kind == "P" and not flooded and not timed_out
    stdout, stdout_cut = captured[out_fd]
    stderr, stderr_cut = captured[err_fd]
    oracle_out = captured[oout_r][0].decode("utf-8", "replace")
    error = None
    if kind == "E":
        error = text
    elif not kind and limit_hit is None:
        error = f"the oracle gave no verdict (exit code {oracle.returncode}): {oracle_out[-500:]}"
    failure = text if kind == "F" else (f"{lim.describe(limit_hit)} hit" if limit_hit else None)
    return SandboxResult(
        completed=completed, ready=kind in ("P", "F") or (not kind and error is None), timed_out=timed_out,
        exit_code=exit_code, duration_s=duration, stdout=stdout.decode("utf-8", "replace"),
        stderr=stderr.decode("utf-8", "replace"), output_truncated=stdout_cut or stderr_cut, isolation=mode,
        capped_by_cgroup=cgroup is not None, memory_capped=limit_hit == "memory",
        syntax_error=text if kind == "S" else None, failure=failure, error=error, limit_hit=limit_hit,
        limits=asdict(lim), oracle_output=oracle_out, **_hardening(mode, cgroup, bool(extra), run_cpu_s))


def _hardening(mode: str, cgroup: RunCgroup | None, seccomp: bool, cpu_s: float | None) -> dict:
    return {"host_uid": _host_uid(mode), "seccomp": seccomp,
            "cgroup_version": cgroup.version if cgroup is not None else None,
            "cpu_s": None if cpu_s is None else round(cpu_s, 4)}


def _close(*fds: int) -> None:
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def _cleanup(cgroup: RunCgroup | None, workdir: str | None, shared: str | None = None) -> None:
    if cgroup is not None and not cgroup.remove():
        warnings.warn(f"sandbox cgroup {cgroup.dirs} could not be emptied", RuntimeWarning, stacklevel=3)
    for path in (workdir, shared):
        if path:
            shutil.rmtree(path, ignore_errors=True)


def _not_started(mode: str, cgroup: RunCgroup | None, lim: SandboxLimits, exc: OSError) -> SandboxResult:
    return SandboxResult(completed=False, ready=False, timed_out=False, exit_code=None, duration_s=0.0,
                         stdout="", stderr="", output_truncated=False, isolation=mode,
                         capped_by_cgroup=cgroup is not None, error=f"could not start sandbox: {exc}",
                         limits=asdict(lim))


@functools.lru_cache(maxsize=None)
def _marshalled(source: str, name: str) -> bytes:
    return marshal.dumps(compile(source, name, "exec"))


def _code_pipe(source: str, name: str) -> int:
    """The read end of a pipe holding the marshalled code of ``source`` (written and closed)."""
    return _data_pipe(_marshalled(source, name))


# Run as root: join the run's cgroups, mount (in a private mount namespace of this command only) a
# tmpfs on /mnt with read-only binds of the interpreter prefix (/mnt/0) and of the packages'
# site-packages (/mnt/1), then drop to SANDBOX_UID and start bwrap, which binds them from there.
_ROOT_WRAPPER = (
    'for f in "$@"; do [ "$f" = -- ] && break; echo $$ > "$f" || exit 125; shift; done; shift; '
    'mount -t tmpfs -o size=64k,mode=755 boundary-lab-sbx /mnt && mkdir /mnt/0 /mnt/1 '
    '&& mount --bind -o ro "$1" /mnt/0 && { [ -z "$2" ] || mount --bind -o ro "$2" /mnt/1; } || exit 125; '
    'shift 2; exec "$@"')


def _command(bwrap: str | None, workdir: str | None, cgroup: RunCgroup | None,
             fds: tuple[int, ...], tmp_mb: int, shared_tmp: str | None = None, seccomp_fd: int | None = None,
             script: str | None = None) -> tuple[list[str], dict]:
    """The command line and Popen settings that start the bootstrap in a sandbox; the last of
    ``fds`` is the code pipe (:func:`_code_pipe`). ``script`` runs instead of the bootstrap (the probe)."""
    tail = ["-I", "-S", "-B", "-c", script] if script else ["-I", "-S", "-B", "-c", _BOOTSTRAP, *map(str, fds)]
    procs = cgroup.procs_files if cgroup is not None else []
    if bwrap:
        kwargs = {"env": {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}}
        cmd = _bwrap_command(bwrap, tmp_mb, shared_tmp, seccomp_fd) + tail
        if _as_sandbox_user():
            packages = _package_dirs()
            site = str(Path(packages[0][0]).parent) if packages else ""
            setpriv = ["setpriv", "--reuid", str(SANDBOX_UID), "--regid", str(SANDBOX_UID), "--clear-groups",
                       "--inh-caps=-all", "--"]
            return (["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", _ROOT_WRAPPER, "sh",
                     *procs, "--", _interpreter()[0], site, *setpriv, *cmd], kwargs)
    else:
        cmd = [_interpreter()[1], *tail]
        kwargs = {"cwd": workdir, "env": {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": workdir}}
        if os.geteuid() == 0 and _may_run_as_nobody(cmd[0]):
            os.chown(workdir, NOBODY, NOBODY)
            kwargs.update(user=NOBODY, group=NOBODY, extra_groups=[])
    if cgroup is not None:  # join the cgroups before anything else runs, so nothing escapes them
        cmd = ["/bin/sh", "-c", 'for f in "$@"; do [ "$f" = -- ] && break; echo $$ > "$f" || exit 125; '
               'shift; done; shift; exec "$@"', "sh", *procs, "--", *cmd]
    return cmd, kwargs


def _widen_pipe(fd: int) -> None:
    """Grow a pipe to 1 MiB (or the system's pipe-max-size): a 10^6-item list (6.7 MB on the wire)
    took ~1.3 s per crossing on a loaded machine in 64 KiB pieces, each a wake-up of the other side."""
    try:
        limit = int(Path("/proc/sys/fs/pipe-max-size").read_text())
    except (OSError, ValueError):
        limit = 1 << 20
    try:
        import fcntl
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, min(1 << 20, limit))
    except (OSError, AttributeError):
        pass  # over the user's pipe-user-pages limit: the default size still works


def _host_uid(mode: str) -> int:
    """The host uid the sandboxed processes run as."""
    if os.geteuid() != 0:
        return os.geteuid()
    if mode == "bwrap":
        return SANDBOX_UID
    return NOBODY if _may_run_as_nobody(_interpreter()[1]) else 0


def _data_pipe(data: bytes | None) -> int | None:
    """The read end of a pipe holding ``data`` (written and closed), or None for None."""
    if data is None:
        return None
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)  # a pipe may hold less than 64 KiB (pipe-user-pages-soft)
    try:
        written = os.write(write_fd, data)
    except BlockingIOError:
        written = 0
    os.set_blocking(write_fd, True)
    if written == len(data):  # it fitted: no writer thread needed
        os.close(write_fd)
    else:
        threading.Thread(target=_write_and_close, args=(write_fd, data[written:]), daemon=True).start()
    return read_fd


def _shared_tmp(memory_mb: int) -> str:
    """A fresh directory for a graded run's shared /tmp: on /dev/shm where it is writable and has room
    for the memory cap (tmpfs, so the pages the sandbox writes count against its memory cgroup; Docker's
    default /dev/shm holds 64 MiB only), else in the default temp dir; owned by the sandbox's uid."""
    base = None
    try:
        room = os.statvfs("/dev/shm")
        if os.access("/dev/shm", os.W_OK) and room.f_bavail * room.f_frsize >= memory_mb << 20:
            base = "/dev/shm"
    except OSError:
        pass
    path = tempfile.mkdtemp(prefix="boundary-lab-sbx-tmp-", dir=base)
    if _as_sandbox_user():
        os.chown(path, SANDBOX_UID, SANDBOX_UID)
    return path


def _proofs(report: list[str], token: bytes) -> tuple[bool, list[str]]:
    """(completed, proven case digests in order) from the report lines carrying the token."""
    prefix = "P" + token.decode() + " "
    proven = [line[len(prefix):] for line in report if line.startswith(prefix)]
    digests = []
    for i, claim in enumerate(c for c in proven if c.startswith("case ")):
        _, index, digest = claim.split(" ")
        if index != str(i):
            break
        digests.append(digest)
    return "done" in proven, digests


def _write_and_close(fd: int, data: bytes) -> None:
    try:
        with open(fd, "wb", closefd=True) as handle:
            handle.write(data)
    except OSError:  # the child died before reading everything
        pass


def _collect(procs: list[subprocess.Popen], caps: dict[int, int], report_fd: int, deadline: float,
             flood: int, renew: tuple[bytes, float, float] | None = None, stop_at_report_eof: bool = False,
             cpu_budget: tuple[RunCgroup, float] | None = None):
    """Read the pipes in ``caps`` (fd -> bytes kept) until EOF, the deadline, or a flood.

    A flood is more than ``flood`` bytes on any pipe but the report pipe.
    ``renew`` = (proof prefix, seconds, hard deadline): each new report line
    with that (secret) prefix moves the deadline to now + seconds, up to the
    hard deadline. With ``stop_at_report_eof`` reading ends when the report
    pipe closes (the oracle has its verdict). ``cpu_budget`` = (cgroup, seconds):
    reading stops (timed out) once the run's cgroup has used that much CPU.

    Returns ({fd: (bytes kept, truncated)}, timed_out, flooded, cpu_hit). After every
    process exits, detached children may hold the pipes open: reading then
    stops after a short grace period.
    """
    kept = {fd: bytearray() for fd in caps}
    seen = dict.fromkeys(caps, 0)
    sel = selectors.DefaultSelector()
    for fd in caps:
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ)
    timed_out = flooded = cpu_hit = False
    exited_at = None
    proofs_seen = 0
    try:
        while sel.get_map():
            now = time.monotonic()
            if now >= deadline:
                timed_out = exited_at is None
                break
            if cpu_budget is not None and exited_at is None and (cpu_budget[0].cpu_seconds() or 0) > cpu_budget[1]:
                timed_out = cpu_hit = True
                break
            if exited_at is None and all(p.poll() is not None for p in procs):
                exited_at = now
            if exited_at is not None and now - exited_at > 0.5:
                break
            for key, _ in sel.select(timeout=min(0.05, max(deadline - now, 0.001))):
                fd = key.fd
                try:
                    chunk = os.read(fd, 1 << 16)
                except BlockingIOError:
                    continue
                if not chunk:
                    sel.unregister(fd)
                    continue
                seen[fd] += len(chunk)
                room = caps[fd] - len(kept[fd])
                if room > 0:
                    kept[fd] += chunk[:room]
                if renew and fd == report_fd:
                    proofs = kept[fd].count(renew[0])
                    if proofs > proofs_seen:
                        proofs_seen = proofs
                        deadline = min(time.monotonic() + renew[1], renew[2])
                if fd != report_fd and seen[fd] > flood:
                    flooded = True
            if flooded or (stop_at_report_eof and report_fd not in sel.get_map()):
                break
    finally:
        sel.close()
        os.close(report_fd)
    return {fd: (bytes(kept[fd]), seen[fd] > caps[fd]) for fd in caps}, timed_out, flooded, cpu_hit
