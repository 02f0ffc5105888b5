r"""Math answer verification: extraction, layered equivalence, batch grading.

``grade_math`` is the workhorse. It extracts each completion's final answer,
deduplicates the (gold, answer) pairs (a problem sampled 1024 times usually
yields a handful of distinct answers), decides most pairs in-process with the
cheap layers (normalised string, exact rational), and sends the rest to a pool
of killable worker processes for the symbolic check (math-verify + sympy) with
a hard timeout each. Verdicts are cached per (gold, answer) across calls.

Equality is exact (no relative tolerance, no percent rescaling), except that a
decimal giving at least 6 significant digits, all of them right (rounded or cut
off), stands for the exact value it approximates: ``0.0833333333333333`` is
``\frac{1}{12}``, ``0.33333`` is not ``1/3`` (see ``math_equiv.decimal_matches``).

A check that times out counts as wrong; ``grade_math`` warns and records it in
``report["timeouts"]``.

>>> from boundary_lab.verify.math import extract_answer, is_equivalent, grade_math
>>> extract_answer(r"... so the answer is \boxed{\frac{1}{2}}.")
'\\frac{1}{2}'
>>> is_equivalent("0.5", r"\frac12"), is_equivalent("100000", "100001")
(True, False)
>>> grade_math([("27.0", r"\boxed{27}"), ("[1,2)", r"\boxed{[1,2]}")], workers=1)
[MathGrade(extracted='27', correct=True), MathGrade(extracted='[1,2]', correct=False)]
"""
from __future__ import annotations

import atexit
import threading
import warnings
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from tqdm import tqdm  # plain text bars: no widget warnings in notebooks

from .math_equiv import fast_verdict
from .math_extract import choose, extract_answer, extract_candidates, extract_gold, gold_parts, normalize_answer
from .math_pool import WorkerPool

__all__ = ["MathGrade", "extract_answer", "grade_math", "is_equivalent", "clear_cache"]

DEFAULT_TIMEOUT_S = 5.0  # per symbolic check; math-verify's own default is 5 s
_CACHE_LIMIT = 1_000_000
# (normalised gold, normalised answer) -> verdict. Timeouts are not cached, so a
# later call with a longer timeout can still decide the pair.
_VERDICTS: dict[tuple[str, str], bool] = {}
_SHARED_POOL: WorkerPool | None = None
_SHARED_LOCK = threading.Lock()


_PRESTART_MIN_SAMPLES = 5000


class _Prestart:
    """A worker pool started in a background thread; ``pool()`` waits for it.

    ``discard()`` does not wait: a pool that turned out not to be needed is closed as soon as
    its workers have started.
    """

    def __init__(self, workers: int | None, timeout_s: float):
        self._pool = WorkerPool(workers=workers, timeout_s=timeout_s)
        self._lock = threading.Lock()
        self._started = self._discarded = False
        self._thread = threading.Thread(target=self._start, daemon=True)
        self._thread.start()

    def _start(self) -> None:
        try:
            self._pool.start()
        finally:
            with self._lock:
                self._started = True
                if self._discarded:
                    self._pool.close()

    def pool(self) -> WorkerPool:
        self._thread.join()
        return self._pool

    def discard(self) -> None:
        with self._lock:
            self._discarded = True
            if self._started:
                self._pool.close()


class MathGrade(NamedTuple):
    extracted: str | None
    correct: bool


def clear_cache() -> None:
    """Forget cached verdicts (for timing runs)."""
    _VERDICTS.clear()


def _cache_put(key: tuple[str, str], verdict: bool) -> None:
    if len(_VERDICTS) >= _CACHE_LIMIT:
        _VERDICTS.clear()
    _VERDICTS[key] = verdict


def _shared_pool(timeout_s: float) -> WorkerPool:
    """A one-worker pool kept alive for single ``is_equivalent`` calls."""
    global _SHARED_POOL
    if _SHARED_POOL is None:
        _SHARED_POOL = WorkerPool(workers=1, timeout_s=timeout_s)
        atexit.register(_SHARED_POOL.close)
    _SHARED_POOL.timeout_s = float(timeout_s)
    return _SHARED_POOL


def _decide(pairs: list[tuple[str, str]], pool_factory, progress: bool, report: dict) -> dict:
    """Verdicts for unique (gold, pred) pairs: cache, then fast layers, then the pool."""
    verdicts: dict[tuple[str, str], bool] = {}
    slow: list[tuple[str, str]] = []
    for gold, pred in pairs:
        key = (normalize_answer(gold), normalize_answer(pred))
        if key in _VERDICTS:
            verdicts[(gold, pred)] = _VERDICTS[key]
            report["cache_hits"] += 1
            continue
        verdict = fast_verdict(gold, pred)
        if verdict is None:
            slow.append((gold, pred))
        else:
            verdicts[(gold, pred)] = verdict
            _cache_put(key, verdict)
    report["fast"] = len(pairs) - len(slow) - report["cache_hits"]
    report["symbolic"] = len(slow)
    if slow:
        pool, owned = pool_factory()
        try:
            outcomes = pool.run(slow, progress=progress)
        finally:
            if owned:
                pool.close()
        for (gold, pred), (verdict, status) in zip(slow, outcomes):
            verdicts[(gold, pred)] = verdict
            if status == "ok":
                _cache_put((normalize_answer(gold), normalize_answer(pred)), verdict)
            else:
                report["timeouts" if status == "timeout" else "errors"].append((gold, pred))
    if report["timeouts"]:
        warnings.warn(f"{len(report['timeouts'])} symbolic check(s) timed out and count as wrong: "
                      f"{report['timeouts'][:3]}", RuntimeWarning, stacklevel=3)
    return verdicts


def is_equivalent(gold: str | float | int, pred: str | None, timeout: float = DEFAULT_TIMEOUT_S) -> bool:
    r"""True if the answer ``pred`` equals the reference ``gold``; a check past ``timeout`` s is False.

    >>> is_equivalent(r"\{1,2\}", r"\{2,1\}"), is_equivalent("(1,2)", "(2,1)")
    (True, False)
    """
    if pred is None:
        return False
    gold = extract_gold(gold)
    report = _new_report()
    with _SHARED_LOCK:  # one shared worker: callers from several threads take turns
        verdicts = _decide([(gold, pred)], lambda: (_shared_pool(timeout), False), False, report)
    return verdicts[(gold, pred)]


def _new_report() -> dict:
    return {"samples": 0, "unique_pairs": 0, "cache_hits": 0, "fast": 0, "symbolic": 0,
            "timeouts": [], "errors": []}


def _as_pair(item, index: int) -> tuple[str | float | int, str | None]:
    if isinstance(item, Mapping):
        return item["answer"], item.get("completion")
    gold, completion = item
    return gold, completion


def grade_math(
    items: Iterable[Mapping | tuple],
    workers: int | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    progress: bool = False,
    report: dict | None = None,
) -> list[MathGrade]:
    r"""Grade completions against reference answers.

    ``items`` are records with ``answer`` and ``completion`` keys, or
    ``(gold, completion)`` pairs. Returns one ``MathGrade(extracted, correct)``
    per item, in order. Pass a dict as ``report`` to receive counts (unique
    pairs, cache hits, fast/symbolic decisions) and the timed-out pairs.

    >>> grade_math([{"answer": "18", "completion": "#### 18"}, ("x+1", "the answer is $1+x$.")], workers=1)
    [MathGrade(extracted='18', correct=True), MathGrade(extracted='1+x', correct=True)]
    """
    pairs = [_as_pair(item, i) for i, item in enumerate(items)]
    info = _new_report()
    # A large batch nearly always needs symbolic checks: start the workers (a forkserver that imports
    # sympy, then forks) in the background while this thread extracts the answers.
    prestart = _Prestart(workers, timeout_s) if len(pairs) >= _PRESTART_MIN_SAMPLES else None
    gold_of: dict = {}
    extracted_of: dict = {}
    keys: list[tuple[str, str | None]] = []
    for gold, completion in tqdm(pairs, desc="extract answers", disable=not progress, leave=False):
        gold_key = tuple(gold) if isinstance(gold, list) else gold  # lists of answers are not hashable
        read = gold_of.get(gold_key)
        if read is None:
            text = extract_gold(gold)
            read = gold_of[gold_key] = (text, gold_parts(text))
        extraction = extracted_of.get(completion)
        if extraction is None:
            extraction = extracted_of[completion] = extract_candidates(completion)
        answer = extraction.answer if extraction.parts is None else choose(extraction, read[1])
        keys.append((read[0], answer))
    unique = list(dict.fromkeys(k for k in keys if k[1] is not None))
    info["samples"], info["unique_pairs"] = len(keys), len(unique)

    def make_pool():
        return (prestart.pool() if prestart else WorkerPool(workers=workers, timeout_s=timeout_s)), True

    try:
        verdicts = _decide(unique, make_pool, progress, info)
    finally:
        if prestart:
            prestart.discard()  # closes it now if it was used, or once started if it was not
    if report is not None:
        report.update(info)
    return [MathGrade(pred, pred is not None and verdicts[(gold, pred)]) for gold, pred in keys]
