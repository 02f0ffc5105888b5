"""Test helper: run a sandbox call in a child process inside a capped cgroup.

Hostile programs (fork bombs, memory bombs) must not be able to hurt the test
machine even if the sandbox under test has a bug. So each hostile test calls
:func:`run_guarded`, which starts a fresh Python process that joins a guard
cgroup (pids <= GUARD_PIDS, memory <= GUARD_MEMORY_MB) *before* it imports the
sandbox, runs ``run_in_sandbox(**kwargs)`` there, and prints the result as JSON.
The sandbox nests its own per-run cgroups below the guard, so the guard bounds
everything it starts. Afterwards the guard reports how many processes were
still alive in its subtree (must be 0), kills them, and
removes its cgroups.

This file deliberately does not reuse ``boundary_lab.verify.sandbox_cgroup``:
the guard must not share the bugs of the code it guards.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

GUARD_PIDS = 300
GUARD_MEMORY_MB = 3072
ROOT = Path("/sys/fs/cgroup")

_CHILD = r"""
import dataclasses, json, sys
from boundary_lab.verify import sandbox
from boundary_lab.verify.code import detail_of, status_of
kwargs = json.loads(sys.argv[1])
function = getattr(sandbox, kwargs.pop("function", "run_in_sandbox"))
if "limits" in kwargs:
    kwargs["limits"] = sandbox.SandboxLimits(**kwargs["limits"])
result = function(**kwargs)
print(json.dumps({**dataclasses.asdict(result), "status": status_of(result), "detail": detail_of(result)}))
"""


def _own(controller: str) -> str:
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, names, path = line.split(":", 2)
        if controller in names.split(","):
            return path
    raise OSError(f"no {controller} cgroup")


def guard_available() -> bool:
    """Whether this machine lets us create capped v1 cgroups (root, v1 hierarchies)."""
    try:
        return os.geteuid() == 0 and all(
            os.access(ROOT / c / _own(c).lstrip("/"), os.W_OK) for c in ("pids", "memory"))
    except OSError:
        return False


def _subtree_pids(d: Path) -> list[int]:
    pids = []
    for procs in d.rglob("cgroup.procs"):
        try:
            pids += [int(p) for p in procs.read_text().split()]
        except (OSError, ValueError):
            pass
    return pids


def _teardown(d: Path) -> None:
    for _ in range(200):
        pids = _subtree_pids(d)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.01)
    for sub in sorted((p for p in d.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)) + [d]:
        for _ in range(100):
            try:
                sub.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.02)


def _alive_count(pids_dir: Path, wait_s: float = 1.0) -> int:
    """Live processes left in the guard's subtree.

    Counts tasks listed in ``cgroup.procs`` rather than ``pids.current``: the
    kernel uncharges the exited tasks of a PID namespace up to ~2 s late.
    Waits briefly because processes being killed need a moment to exit.
    """
    end = time.monotonic() + wait_s
    while True:
        count = len(_subtree_pids(pids_dir))
        if count == 0 or time.monotonic() > end:
            return count
        time.sleep(0.02)


def run_command_guarded(cmd: list[str], env: dict | None = None, wall_s: float = 120.0,
                        ) -> tuple[subprocess.CompletedProcess, int]:
    """Run ``cmd`` inside a fresh guard cgroup; (finished process, processes left alive in the guard)."""
    name = f"boundary-lab-test-guard-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    pids_dir = ROOT / "pids" / _own("pids").lstrip("/") / name
    mem_dir = ROOT / "memory" / _own("memory").lstrip("/") / name
    pids_dir.mkdir()
    mem_dir.mkdir()
    try:
        (pids_dir / "pids.max").write_text(str(GUARD_PIDS))
        (mem_dir / "memory.limit_in_bytes").write_text(str(GUARD_MEMORY_MB << 20))
        join = 'echo $$ > "$1" && echo $$ > "$2" && shift 2 && exec "$@"'
        full = ["/bin/sh", "-c", join, "sh", str(pids_dir / "cgroup.procs"), str(mem_dir / "cgroup.procs"), *cmd]
        proc = subprocess.run(full, capture_output=True, text=True, timeout=wall_s,
                              env={**os.environ, **(env or {})})
        return proc, _alive_count(pids_dir)
    finally:
        _teardown(pids_dir)
        _teardown(mem_dir)


def run_guarded(kwargs: dict, env: dict | None = None, wall_s: float = 120.0) -> dict:
    """Run ``run_in_sandbox(**kwargs)`` under the guard; return its result dict.

    ``kwargs["function"] = "run_tests_in_sandbox"`` runs that function instead;
    a ``limits`` dict becomes a ``SandboxLimits``. The result has ``status`` and
    ``detail`` as :mod:`boundary_lab.verify.code` gives them.

    Adds ``leftover_pids`` (processes still alive in the guard's subtree after
    the child exited; 0 unless something escaped the sandbox's cleanup).
    """
    proc, leftover = run_command_guarded([sys.executable, "-c", _CHILD, json.dumps(kwargs)], env, wall_s)
    if proc.returncode != 0:
        raise RuntimeError(f"guarded child failed ({proc.returncode}): {proc.stderr[-2000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["leftover_pids"] = leftover
    result["child_stderr"] = proc.stderr
    return result
