"""Per-run cgroup caps (process count and memory) for the code sandbox.

A run gets its own cgroup in the ``pids`` and ``memory`` hierarchies, created
*below the caller's own cgroup*, so that an outer cap (a container, a test
guard) still bounds it. Every process the run starts is counted, however it
detaches (double fork, ``setsid``), so the cgroup is also how the sandbox finds
and kills the whole process tree at the end.

Only cgroup v1 (one hierarchy per controller, as on this project's machines) is
supported; where the hierarchies are missing or not writable (not root),
:func:`create_run_cgroup` returns ``None`` and the sandbox relies on rlimits.

>>> caps = create_run_cgroup(max_procs=32, memory_mb=256)
>>> caps is None or caps.procs_files[0].endswith("cgroup.procs")
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


def _own_cgroup_path(controller: str) -> str | None:
    """The caller's cgroup path in the v1 hierarchy of ``controller`` (e.g. "/")."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return path
    return None


def _write(path: Path, value: str) -> None:
    with open(path, "w") as handle:
        handle.write(value)


@dataclass
class RunCgroup:
    """The pids and memory cgroup directories of one sandbox run."""

    dirs: tuple[Path, ...]

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

    def oom_killed(self) -> bool:
        """Whether the memory cap was hit: ``memory.failcnt`` > 0, or an ``oom_kill`` count in
        ``memory.oom_control`` (some kernels kill without counting a failure)."""
        for d in self.dirs:
            try:
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


def create_run_cgroup(max_procs: int, memory_mb: int, prefix: str = "boundary-lab-sbx") -> RunCgroup | None:
    """Create capped pids+memory cgroups for one run, or None if not possible here."""
    name = f"{prefix}-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    created: list[Path] = []
    try:
        for controller in ("pids", "memory"):
            own = _own_cgroup_path(controller)
            base = CGROUP_ROOT / controller
            if own is None or not (base / "cgroup.procs").exists():
                raise OSError(f"no cgroup v1 {controller} hierarchy")
            d = base / own.lstrip("/") / name
            d.mkdir()
            created.append(d)
            if controller == "pids":
                _write(d / "pids.max", str(max_procs))
            else:
                limit = str(memory_mb * 1024 * 1024)
                _write(d / "memory.limit_in_bytes", limit)
                if (d / "memory.memsw.limit_in_bytes").exists():  # swap too, else it just swaps
                    _write(d / "memory.memsw.limit_in_bytes", limit)
        return RunCgroup(tuple(created))
    except OSError:
        for d in reversed(created):
            try:
                d.rmdir()
            except OSError:
                pass
        return None
