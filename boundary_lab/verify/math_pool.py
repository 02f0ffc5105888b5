r"""A pool of killable worker processes for checks that may hang.

sympy can spend hours on ``10^{10^{10^{10}}}``, and SIGALRM-based timeouts only
work in the main thread and cannot interrupt C code. So each check runs in a
worker process; when a check exceeds its timeout the worker is killed
(SIGKILL) and replaced, and the check's status is ``"timeout"``. A hostile input
costs its timeout and nothing more.

Workers fork from a forkserver that has already imported sympy and
math-verify, so a replacement starts in milliseconds instead of seconds.

>>> from boundary_lab.verify.math_pool import WorkerPool
>>> with WorkerPool(workers=1, timeout_s=5) as pool:
...     pool.run([("2", "x=2"), ("[1,2)", "[1,2]")])
[(True, 'ok'), (False, 'ok')]
"""
from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import sys
import time
from collections import deque
from multiprocessing.connection import wait

from tqdm import tqdm  # plain text bars: no widget warnings in notebooks

__all__ = ["WorkerPool", "default_workers"]

# A sympy blow-up must not take the host's memory with it.
_WORKER_MEMORY_BYTES = 3 * 1024**3
_PRELOAD = ["boundary_lab.verify.math_warmup"]
DEFAULT_CHECK = "boundary_lab.verify.math_equiv:symbolic_equal"


def default_workers() -> int:
    """One worker per usable core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _resolve(check: str):
    """The function named 'package.module:function'."""
    import importlib

    module, _, name = check.partition(":")
    return getattr(importlib.import_module(module), name)


def _worker_main(conn, check: str = DEFAULT_CHECK) -> None:
    """Serve (task_id, gold, pred) requests until the pipe closes."""
    import resource

    symbolic_equal = _resolve(check)

    try:
        resource.setrlimit(resource.RLIMIT_AS, (_WORKER_MEMORY_BYTES, _WORKER_MEMORY_BYTES))
    except (ValueError, OSError):  # pragma: no cover - limit not settable here
        pass
    while True:
        try:
            task_id, gold, pred = conn.recv()
        except (EOFError, OSError):
            return
        try:
            result = (task_id, bool(symbolic_equal(gold, pred)), "ok")
        except MemoryError:
            result = (task_id, False, "error")
        except BaseException:  # noqa: BLE001 - math-verify raises BaseException subclasses
            result = (task_id, False, "error")
        conn.send(result)


@contextlib.contextmanager
def _main_module_hidden():
    """Start workers without re-importing the caller's ``__main__``.

    multiprocessing re-runs the main script in each new process; workers need
    only this package, and a script read from stdin (or one that imports torch)
    would break or slow every worker replacement.
    """
    main = sys.modules["__main__"]
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if k in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__spec__ = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


class _Worker:
    def __init__(self, ctx, check: str):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, check), daemon=True)
        with _main_module_hidden():
            self.proc.start()
        child.close()
        self.task: int | None = None
        self.deadline = 0.0

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join()
        self.conn.close()


class WorkerPool:
    """``workers`` killable processes that run ``symbolic_equal`` with a hard per-check timeout.

    ``run(pairs)`` returns ``(verdict, status)`` per (gold, pred) pair, in order;
    status is ``"ok"``, ``"timeout"`` (the worker was killed; verdict False) or
    ``"error"`` (the check raised or the worker died; verdict False). ``check``
    names another ``(gold, pred) -> bool`` function ('module:function') to run
    instead, for example another grader that may hang.
    """

    def __init__(self, workers: int | None = None, timeout_s: float = 5.0, check: str = DEFAULT_CHECK):
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be positive, got {timeout_s}")
        self.n_workers = workers or default_workers()
        self.timeout_s = float(timeout_s)
        self.check = check
        if "forkserver" in mp.get_all_start_methods():
            self._ctx = mp.get_context("forkserver")
            self._ctx.set_forkserver_preload(_PRELOAD)
        else:  # e.g. Windows: slower worker starts, same guarantees
            self._ctx = mp.get_context("spawn")
        self._workers: list[_Worker] = []
        self.n_timeouts = 0
        self.n_replaced = 0

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for worker in self._workers:
            worker.kill()
        self._workers = []

    def start(self) -> None:
        """Start every worker now (``run`` otherwise starts them on first use)."""
        self._ensure_workers(self.n_workers)

    def _ensure_workers(self, n: int) -> None:
        while len(self._workers) < n:
            self._workers.append(_Worker(self._ctx, self.check))

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        self._workers[self._workers.index(worker)] = _Worker(self._ctx, self.check)
        self.n_replaced += 1

    def run(self, pairs: list[tuple[str, str]], progress: bool = False) -> list[tuple[bool, str]]:
        results: list[tuple[bool, str] | None] = [None] * len(pairs)
        if not pairs:
            return []
        self._ensure_workers(min(self.n_workers, len(pairs)))
        todo = deque(range(len(pairs)))
        busy: dict[object, _Worker] = {}
        bar = tqdm(total=len(pairs), desc="symbolic checks", disable=not progress, leave=False)

        def finish(worker: _Worker, verdict: bool, status: str) -> None:
            results[worker.task] = (verdict, status)
            worker.task = None
            busy.pop(worker.conn, None)
            bar.update(1)

        try:
            while todo or busy:
                for worker in self._workers:
                    if worker.task is None and todo:
                        worker.task = todo.popleft()
                        worker.deadline = time.monotonic() + self.timeout_s
                        worker.conn.send((worker.task, *pairs[worker.task]))
                        busy[worker.conn] = worker
                next_deadline = min(w.deadline for w in busy.values())
                ready = wait(list(busy), timeout=max(0.0, next_deadline - time.monotonic()))
                for conn in ready:
                    worker = busy[conn]
                    try:
                        task_id, verdict, status = conn.recv()
                        finish(worker, verdict, status)
                    except (EOFError, OSError):  # the worker died (e.g. killed by the OOM killer)
                        finish(worker, False, "error")
                        self._replace(worker)
                now = time.monotonic()
                for worker in [w for w in busy.values() if w.deadline <= now]:
                    finish(worker, False, "timeout")
                    self.n_timeouts += 1
                    self._replace(worker)
        except BaseException:
            self.close()  # workers may hold half-finished tasks: start afresh next time
            raise
        finally:
            bar.close()
        return results  # type: ignore[return-value]
