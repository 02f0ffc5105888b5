"""Run untrusted Python in a sandbox and prove that it ran to the end.

Isolation (``isolation`` field of every result):

- ``"bwrap"`` (preferred): bubblewrap with ``--unshare-all`` (empty network
  namespace, own PID/IPC/UTS/user namespaces; ``--disable-userns`` where bwrap
  has it, so no nested ones), ``--die-with-parent``, ``--new-session``,
  ``--clearenv``; uid/gid 65534; the file system is a fresh tmpfs with
  read-only binds of ``/usr`` and the interpreter prefix only (its
  ``site-packages`` hidden: the standard library only), ``--dev`` and a tmpfs
  ``/tmp`` work dir (``--size`` = the memory cap where bwrap has it). Nothing
  of ``/work``, ``/root`` or the caller's files is visible. No ``/proc`` is
  mounted (DESIGN measured ``--proc``; it would expose ``/proc/self/mem`` and
  bwrap's own PID 1), and bwrap is started with an empty environment anyway.
  ``subprocess``, ``multiprocessing`` and threads still work.
- ``"rlimit"`` (fallback where bwrap is missing; a :class:`RuntimeWarning` says
  so once): a scrubbed environment, a fresh session and process group, a
  private temp work dir, uid 65534 when root and the interpreter is readable by
  it. NOT protected then: network access, the host file system (whatever the
  uid may read or write), and, when it must keep the caller's uid, signals to
  the caller's other processes; as root also the proof (a spawned root process
  may read the harness's memory). So "auto" refuses to run as root where it
  cannot drop to uid 65534; ``isolation="rlimit"`` accepts that risk.

Caps, in both modes: a per-run cgroup (:mod:`.sandbox_cgroup`) capping
processes and memory where cgroups are writable, else ``RLIMIT_NPROC``;
rlimits on address space, CPU time, file size and core dumps (set by the
harness); a wall-clock timeout after which the whole tree is killed (the outer
bwrap process, then every pid left in the cgroup; the PID namespace dies with
its init); stdout/stderr read in chunks and kept up to ``max_output_bytes``
(the run is killed once it writes 16x that).

Proof of completion: the program never sees the token that proves success. A
fresh random token goes to the harness (:mod:`.sandbox_harness`) on its own
pipe and is read by a suspended generator before any untrusted code runs. The
program runs in a test thread (never the main thread); the generator writes the
token to a separate report pipe only when resumed by that thread's bottom frame
after the program (and test code) returned normally, in the original process.
The token is not in the program text, argv, environment or any file; an audit
hook refuses the in-process routes to it and to the test's frames (frame
access, gc walks, tracing, ctypes, ``/proc``), Python signal handlers (which
receive a frame) can't be installed, and the harness is non-dumpable so
spawned processes can't read its memory. A pass can't be faked by exit codes,
prints, ``sys.exit``, ``os._exit``, ``atexit``, a redefined ``check``,
monkeypatched builtins (test code gets a private copy), a forked child that
finishes the test, killing the parent, or (with ``plain_results_of``) results
of the program's own classes, such as an object whose ``__eq__`` always
returns True. The price: code that inspects frames
(``sys._getframe``, a traceback's ``tb_frame``, so ``traceback.print_exc()``),
walks ``gc``, uses ``ctypes`` or installs a Python signal handler gets an
exception, much like the "reliability guard" of other code benchmarks (stdlib
users such as ``namedtuple``, ``enum``, ``typing`` and ``logging`` tolerate
it; ``signal.signal(SIGPIPE, SIG_DFL)`` is accepted and ignored).

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
from dataclasses import dataclass, field
from pathlib import Path

from boundary_lab.verify.sandbox_cgroup import RunCgroup, create_run_cgroup

HARNESS_SOURCE = (Path(__file__).with_name("sandbox_harness.py")).read_text()
NOBODY = 65534
_FLOOD_FACTOR = 16  # kill a run that writes this many times max_output_bytes
_REPORT_CAP = 1 << 16
_warned_fallback = False


@dataclass
class SandboxResult:
    """What one sandboxed run did.

    ``completed`` is the positive proof: the harness wrote this run's secret token
    after the program (and test) returned normally. In cases mode,
    ``case_digests`` are the proven digests of the cases that finished, in
    order. ``ready`` means the harness compiled the code and was about to run
    it; ``syntax_error`` holds the compile error otherwise. ``failure`` is the harness's one-line account of an
    exception (untrusted code can write to the same pipe, so it is a hint only).
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
        probe = subprocess.run(_bwrap_command(bwrap) + ["-I", "-S", "-c", "pass"], capture_output=True,
                               timeout=30, env={}, stdin=subprocess.DEVNULL)
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


def _bwrap_command(bwrap: str, tmp_mb: int = 1024) -> list[str]:
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
    if not prefix.startswith("/usr/"):
        cmd += ["--ro-bind", prefix, prefix]
    site = Path(prefix) / "lib" / version / "site-packages"
    if site.is_dir():
        cmd += ["--tmpfs", str(site)]
    # No --proc: a /proc would show /proc/self/mem and the host environment of bwrap's PID 1.
    cmd += ["--dev", "/dev"]
    if "--size" in options:  # bounds /tmp even where no memory cgroup does
        cmd += ["--size", str(tmp_mb << 20)]
    cmd += ["--tmpfs", "/tmp", "--chdir", "/tmp",
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


def run_in_sandbox(
    program: str,
    *,
    test: str | None = None,
    stdin: str | None = None,
    cases: list[str] | None = None,
    timeout_s: float = 10.0,
    memory_mb: int = 1024,
    max_procs: int = 64,
    max_output_bytes: int = 1 << 20,
    max_file_bytes: int = 16 << 20,
    lenient_exit: bool = False,
    plain_results_of: str | None = None,
    isolation: str = "auto",
) -> SandboxResult:
    """Run ``program`` (then ``test`` in the same namespace) in a sandbox.

    ``stdin`` is the program's standard input (else empty). With ``cases`` (a
    list of stdin strings) the program runs once per case, in one sandbox, each
    in a fresh namespace, and ``case_digests`` holds the proven sha256 digests
    of each finished case's normalised stdout (see :func:`stdout_digest`).
    ``timeout_s`` is then per case. ``lenient_exit`` counts
    ``sys.exit(0)``/``exit()`` as finishing normally (stdin/stdout programs
    do that); ``os._exit`` never counts. ``plain_results_of`` names
    the program's function whose results, as seen by ``test``, must be plain
    built-in data (no objects of the program's own classes, such as one whose
    ``__eq__`` always says True). ``isolation`` is "auto"
    (bwrap if available, else "rlimit" with a warning; "auto" refuses to run
    as root when it could not drop to uid 65534), "bwrap" or "rlimit".
    """
    global _warned_fallback
    if isolation not in ("auto", "bwrap", "rlimit"):
        raise ValueError(f"isolation: expected 'auto', 'bwrap' or 'rlimit', got {isolation!r}")
    bwrap = bwrap_path() if isolation in ("auto", "bwrap") else None
    problem = bwrap_problem(bwrap) if bwrap else "bwrap not found (install bubblewrap)"
    if isolation == "bwrap" and problem:
        raise RuntimeError(f"isolation='bwrap' requested but unusable: {problem}")
    mode = "rlimit" if problem else "bwrap"
    bwrap = bwrap if mode == "bwrap" else None
    if mode == "rlimit" and isolation == "auto" and not _warned_fallback:
        _warned_fallback = True
        warnings.warn(f"{problem}: code runs with rlimits only, without network or file-system "
                      "isolation", RuntimeWarning, stacklevel=2)

    as_root_unconfined = (mode == "rlimit" and os.geteuid() == 0
                          and not _may_run_as_nobody(_interpreter()[1]))
    if as_root_unconfined and isolation == "auto":
        # Without a PID namespace or a dropped uid, `os.kill(-1, 9)` would kill the whole host.
        raise RuntimeError("refusing to run untrusted code as root without bwrap: install bubblewrap, "
                           "or pass isolation='rlimit' to accept that risk")

    token = secrets.token_hex(32).encode()
    cgroup = create_run_cgroup(max_procs=max_procs, memory_mb=memory_mb)
    runs = max(1, len(cases or ()))
    job = {"program": program, "test": test, "stdin": stdin, "cases": cases, "memory_mb": memory_mb,
           "max_file_bytes": max_file_bytes, "cpu_s": int(timeout_s * runs) + 1,
           "lenient_exit": lenient_exit, "plain_results_of": plain_results_of,
           "max_procs_rlimit": None if cgroup else max_procs}
    ctrl_r, ctrl_w = os.pipe()
    token_r, token_w = os.pipe()
    report_r, report_w = os.pipe()
    workdir = None if mode == "bwrap" else tempfile.mkdtemp(prefix="boundary-lab-sbx-")
    cmd, popen_kwargs = _command(bwrap, workdir, cgroup, (ctrl_r, token_r, report_w), memory_mb)

    start = time.monotonic()
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                pass_fds=(ctrl_r, token_r, report_w), start_new_session=True, **popen_kwargs)
    except OSError as exc:
        for fd in (ctrl_r, ctrl_w, token_r, token_w, report_r, report_w):
            os.close(fd)
        if cgroup:
            cgroup.remove()
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        return SandboxResult(completed=False, ready=False, timed_out=False, exit_code=None, duration_s=0.0,
                             stdout="", stderr="", output_truncated=False, isolation=mode,
                             capped_by_cgroup=cgroup is not None, error=f"could not start sandbox: {exc}")
    for fd in (ctrl_r, token_r, report_w):
        os.close(fd)
    os.write(token_w, token)
    os.close(token_w)
    writer = threading.Thread(target=_write_and_close, args=(ctrl_w, marshal.dumps(job)), daemon=True)
    writer.start()

    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    # In cases mode every proven case restarts the clock: timeout_s is per case.
    renew = (b"P" + token + b" case ", timeout_s, start + timeout_s * runs) if cases else None
    captured, timed_out, flooded = _collect(proc, report_r, start + timeout_s, max_output_bytes, renew)
    _kill_tree(proc, cgroup)
    exit_code = proc.wait()
    proc.stdout.close()
    proc.stderr.close()
    duration = time.monotonic() - start
    writer.join(timeout=1.0)
    memory_capped = bool(cgroup and cgroup.oom_killed())
    if cgroup is not None and not cgroup.remove():
        warnings.warn(f"sandbox cgroup {cgroup.dirs} could not be emptied", RuntimeWarning, stacklevel=2)
    if workdir:
        shutil.rmtree(workdir, ignore_errors=True)

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
        memory_capped=memory_capped, syntax_error=first[1:] if first.startswith("S") else None,
        failure=failure, error=None if timed_out or first else error)


def _command(bwrap: str | None, workdir: str | None, cgroup: RunCgroup | None,
             fds: tuple[int, int, int], tmp_mb: int) -> tuple[list[str], dict]:
    """The command line and Popen settings that start the harness in the sandbox."""
    if bwrap:
        cmd, kwargs = _bwrap_command(bwrap, tmp_mb), {"env": {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}}
    else:
        cmd = [_interpreter()[1]]
        kwargs = {"cwd": workdir, "env": {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": workdir}}
        if os.geteuid() == 0 and _may_run_as_nobody(cmd[0]):
            os.chown(workdir, NOBODY, NOBODY)
            kwargs.update(user=NOBODY, group=NOBODY, extra_groups=[])
    cmd += ["-I", "-S", "-B", "-c", HARNESS_SOURCE, *map(str, fds)]
    if cgroup is not None:  # join the cgroups before anything else runs, so nothing escapes them
        cmd = ["/bin/sh", "-c", 'for f in "$@"; do [ "$f" = -- ] && break; echo $$ > "$f" || exit 125; '
               'shift; done; shift; exec "$@"', "sh", *cgroup.procs_files, "--", *cmd]
    return cmd, kwargs


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


def _collect(proc: subprocess.Popen, report_fd: int, deadline: float, cap: int,
             renew: tuple[bytes, float, float] | None = None):
    """Read stdout, stderr and the report pipe until EOF, the deadline, or a flood.

    ``renew`` = (proof prefix, seconds, hard deadline): each new report line
    with that (secret) prefix moves the deadline to now + seconds, up to the
    hard deadline.

    Returns ({fd: (bytes kept, truncated)}, timed_out, flooded). After the main
    process exits, detached children may hold the pipes open: reading then
    stops after a short grace period.
    """
    caps = {proc.stdout.fileno(): cap, proc.stderr.fileno(): cap, report_fd: _REPORT_CAP}
    kept = {fd: bytearray() for fd in caps}
    seen = dict.fromkeys(caps, 0)
    sel = selectors.DefaultSelector()
    for fd in caps:
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ)
    timed_out = flooded = False
    exited_at = None
    proofs_seen = 0
    try:
        while sel.get_map():
            now = time.monotonic()
            if now >= deadline:
                timed_out = exited_at is None
                break
            if exited_at is None and proc.poll() is not None:
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
                if seen[fd] > _FLOOD_FACTOR * caps[fd]:
                    flooded = True
            if flooded:
                break
    finally:
        sel.close()
        os.close(report_fd)
    return {fd: (bytes(kept[fd]), seen[fd] > caps[fd]) for fd in caps}, timed_out, flooded
