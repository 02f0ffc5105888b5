"""Per-run cgroup caps (processes, memory, CPU) and CPU-time accounting for the code sandbox.

A run gets its own cgroup, created *below the caller's own cgroup*, so that an
outer cap (a container, a test guard) still bounds it. Every process the run
starts is counted, however it detaches (double fork, ``setsid``), so the
cgroup is also how the sandbox finds and kills the whole process tree at the
end. Caps (issue 25):

- processes plus threads (``pids.max``), memory (``memory.limit_in_bytes`` and
  the swap limit / ``memory.max`` and ``memory.swap.max``);
- a CPU *quota* (``cpu.cfs_quota_us`` / ``cpu.max``: at most ``cpu_cores``
  cores, however many processes the run forks) and a low *weight*
  (by default ``cpu.weight`` 50 of 100 / ``cpu.shares`` 512 of 1024: a whole
  run, however many processes it forks, weighs half of one ordinary task), so
  the grader gets the CPU first and a neighbour its fair share. Inside a cpu cgroup the
  kernel's per-session autogroups no longer apply (they act in the root task
  group only), which ends the ``setsid`` escape from ``nice``;
- CPU-time accounting (:meth:`RunCgroup.cpu_seconds`: ``cpuacct.usage`` /
  ``cpu.stat`` ``usage_usec``), so the launcher counts a run's own CPU time,
  not wall time, against its limit.

Both cgroup versions: v1 (one hierarchy per controller, as on this project's
machines: ``pids``, ``memory``, ``cpu``, ``cpuacct``, each mounted under
``/sys/fs/cgroup``, co-mounted ``cpu,cpuacct`` too) and v2 (one unified
hierarchy at ``/sys/fs/cgroup``, controllers enabled in the parent's
``cgroup.subtree_control``). :attr:`RunCgroup.version` says which one a run
used; where neither is writable (not root), :func:`create_run_cgroup` returns
``None`` and the sandbox relies on rlimits. A controller that is missing
(e.g. no cpu hierarchy) is skipped, and :attr:`RunCgroup.controllers` says
which caps hold.

>>> caps = create_run_cgroup(max_procs=32, memory_mb=256, cpu_cores=1.0)
>>> caps is None or caps.procs_files[0].endswith("cgroup.procs")
True
>>> caps is None or caps.cpu_seconds() in (None, 0.0)
True
>>> caps is None or caps.remove()
True
"""
from __future__ import annotations

import os
import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
CPU_PERIOD_US = 100_000  # the kernel's default CFS period (cpu.cfs_period_us)
# The default weight of a whole run (every process it forks): half of one ordinary task, so the
# grader wins 2:1. 1/8 (cpu.shares 128) starved runs on this shared machine (a 1 s spinner got
# 0.07 CPU-s at load 9). Weights are on the v2 scale (default 100); v1 shares = weight x 1024 / 100.
DEFAULT_WEIGHT = 50


def _own_cgroup_path(controller: str) -> str | None:
    """The caller's cgroup path in the v1 hierarchy of ``controller`` ("" = the v2 line "0::")."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        number, controllers, path = line.split(":", 2)
        if controller == "" and number == "0" and controllers == "":
            return path
        if controller and controller in controllers.split(","):
            return path
    return None


def _write(path: Path, value: str) -> None:
    with open(path, "w") as handle:
        handle.write(value)


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


@dataclass
class RunCgroup:
    """The cgroup directories of one sandbox run (v1: one per hierarchy; v2: one)."""

    dirs: tuple[Path, ...]
    version: str = "v1"  # "v1" or "v2"
    controllers: tuple[str, ...] = ()  # the caps that hold: "pids", "memory", "cpu", "cpuacct"
    cpu_dir: Path | None = None  # where CPU time is read (cpuacct.usage, or v2 cpu.stat)

    @property
    def procs_files(self) -> list[str]:
        """Files a process writes its pid to in order to join (one per hierarchy)."""
        return [str(d / "cgroup.procs") for d in self.dirs]

    def pids(self) -> set[int]:
        """Pids currently in the run's cgroups."""
        found: set[int] = set()
        for d in self.dirs:
            try:
                found.update(int(p) for p in (d / "cgroup.procs").read_text().split())
            except (OSError, ValueError):
                pass
        return found

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) used so far by every process of the run, or None if not accounted."""
        if self.cpu_dir is None:
            return None
        if self.version == "v1":
            ns = _read_int(self.cpu_dir / "cpuacct.usage")
            return None if ns is None else ns / 1e9
        try:
            for line in (self.cpu_dir / "cpu.stat").read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "usage_usec":
                    return int(value) / 1e6
        except (OSError, ValueError):
            pass
        return None

    def oom_killed(self) -> bool:
        """Whether the memory cap was hit: v1 ``memory.failcnt`` > 0 or an ``oom_kill`` count in
        ``memory.oom_control`` (some kernels kill without counting a failure); v2 ``memory.events``."""
        for d in self.dirs:
            try:
                if self.version == "v2":
                    for line in (d / "memory.events").read_text().splitlines():
                        key, _, count = line.partition(" ")
                        if key in ("oom_kill", "max") and int(count) > 0:
                            return True
                    return False
                if int((d / "memory.failcnt").read_text()) > 0:
                    return True
                for line in (d / "memory.oom_control").read_text().splitlines():
                    key, _, count = line.partition(" ")
                    if key == "oom_kill" and int(count) > 0:
                        return True
                return False
            except (OSError, ValueError):
                continue
        return False

    def pids_limited(self) -> bool:
        """Whether a fork or thread start was refused at ``pids.max`` (``pids.events``)."""
        for d in self.dirs:
            try:
                for line in (d / "pids.events").read_text().splitlines():
                    key, _, count = line.partition(" ")
                    if key == "max":
                        return int(count) > 0
            except (OSError, ValueError):
                continue
        return False

    def kill_all(self, deadline_s: float = 5.0) -> bool:
        """SIGKILL every process in the cgroups until none is left; True if emptied.

        Repeated because a fork bomb can fork between the read and the kill;
        ``pids.max`` bounds how long that race can go on.
        """
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            pids = self.pids()
            if not pids:
                return True
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.01)
        return not self.pids()

    def remove(self) -> bool:
        """Kill what is left and delete the cgroup directories; True if all removed."""
        emptied = self.kill_all()
        removed = True
        for d in self.dirs:
            for _ in range(50):  # the kernel frees a cgroup shortly after its last task exits
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)
            else:
                removed = False
        return emptied and removed


def cgroup_version() -> str | None:
    """"v2" where ``/sys/fs/cgroup`` is the unified hierarchy, "v1" where it holds per-controller
    hierarchies, else None."""
    if (CGROUP_ROOT / "cgroup.controllers").exists():
        return "v2"
    if (CGROUP_ROOT / "pids" / "cgroup.procs").exists() or (CGROUP_ROOT / "memory" / "cgroup.procs").exists():
        return "v1"
    return None


def _quota(cpu_cores: float) -> int:
    return max(1000, int(cpu_cores * CPU_PERIOD_US))  # the kernel refuses quotas under 1 ms


def _create_v1(name: str, max_procs: int, memory_mb: int, cpu_cores: float, weight: int) -> RunCgroup:
    created: list[Path] = []
    held: list[str] = []
    cpu_dir = None
    try:
        for controller in ("pids", "memory", "cpu", "cpuacct"):
            own = _own_cgroup_path(controller)
            base = CGROUP_ROOT / controller
            if own is None or not (base / "cgroup.procs").exists():
                if controller in ("pids", "memory"):
                    raise OSError(f"no cgroup v1 {controller} hierarchy")
                continue  # no CPU cap or accounting here: the wall clock and RLIMIT_CPU remain
            d = (base / own.lstrip("/") / name)
            if any(os.path.realpath(d) == os.path.realpath(c) for c in created):  # co-mounted cpu,cpuacct
                d = next(c for c in created if os.path.realpath(d) == os.path.realpath(c))
            else:
                d.mkdir()
                created.append(d)
            if controller == "pids":
                _write(d / "pids.max", str(max_procs))
            elif controller == "memory":
                limit = str(memory_mb * 1024 * 1024)
                _write(d / "memory.limit_in_bytes", limit)
                if (d / "memory.memsw.limit_in_bytes").exists():  # swap too, else it just swaps
                    _write(d / "memory.memsw.limit_in_bytes", limit)
            elif controller == "cpu":
                _write(d / "cpu.cfs_period_us", str(CPU_PERIOD_US))
                _write(d / "cpu.cfs_quota_us", str(_quota(cpu_cores)))
                _write(d / "cpu.shares", str(max(2, weight * 1024 // 100)))
            else:
                cpu_dir = d
            held.append(controller)
        return RunCgroup(tuple(created), "v1", tuple(held), cpu_dir)
    except OSError:
        for d in reversed(created):
            try:
                d.rmdir()
            except OSError:
                pass
        raise


def _create_v2(name: str, max_procs: int, memory_mb: int, cpu_cores: float, weight: int) -> RunCgroup:
    own = _own_cgroup_path("")
    if own is None:
        raise OSError("no cgroup v2 path in /proc/self/cgroup")
    parent = CGROUP_ROOT / own.lstrip("/")
    enabled = set((parent / "cgroup.subtree_control").read_text().split())
    available = set((parent / "cgroup.controllers").read_text().split())
    missing = [c for c in ("pids", "memory", "cpu") if c in available and c not in enabled]
    if missing:  # refused while the parent holds processes ("no internal processes"): then we go without
        try:
            _write(parent / "cgroup.subtree_control", " ".join("+" + c for c in missing))
            enabled |= set(missing)
        except OSError:
            pass
    if not {"pids", "memory"} <= enabled:
        raise OSError("cgroup v2: pids and memory controllers are not enabled for children")
    d = parent / name
    d.mkdir()
    try:
        _write(d / "pids.max", str(max_procs))
        limit = str(memory_mb * 1024 * 1024)
        _write(d / "memory.max", limit)
        if (d / "memory.swap.max").exists():
            _write(d / "memory.swap.max", "0")
        held = ["pids", "memory"]
        if "cpu" in enabled:
            _write(d / "cpu.max", f"{_quota(cpu_cores)} {CPU_PERIOD_US}")
            _write(d / "cpu.weight", str(min(10000, max(1, weight))))
            held.append("cpu")
        held.append("cpuacct")  # cpu.stat usage_usec is there whatever controllers are enabled
        return RunCgroup((d,), "v2", tuple(held), d)
    except OSError:
        try:
            d.rmdir()
        except OSError:
            pass
        raise


def create_run_cgroup(max_procs: int, memory_mb: int, cpu_cores: float = 1.0, cpu_weight: int = DEFAULT_WEIGHT,
                      prefix: str = "boundary-lab-sbx") -> RunCgroup | None:
    """Create capped cgroups for one run (v1 or v2, whichever this machine has), or None if not possible."""
    name = f"{prefix}-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    version = cgroup_version()
    try:
        if version == "v1":
            return _create_v1(name, max_procs, memory_mb, cpu_cores, cpu_weight)
        if version == "v2":
            return _create_v2(name, max_procs, memory_mb, cpu_cores, cpu_weight)
    except OSError:
        return None
    return None
