"""Import samples produced by other evaluation tools into a sample store.

Formats (``FORMATS``):

- ``qwen-eval``: the paper's own evaluation output (Qwen2.5-Math evaluation,
  ``*_samples.jsonl``): one line per problem with ``idx``, a list ``code`` of
  generations, the list ``pred`` of extracted answers and the list ``score`` of
  verdicts. Verdicts are kept as they are.
- ``lm-eval``: lm-evaluation-harness ``--log_samples`` output
  (``samples_<task>_<date>.jsonl``): one line per document with ``doc_id``,
  ``target`` and ``resps`` (a list of lists of generations). The harness stores
  one metric per document, not per generation, so every generation is regraded
  here with :func:`boundary_lab.verify.math.grade_math` against ``target``.
- ``evalplus``: EvalPlus sample files: one line per generation with ``task_id`` and
  ``solution`` (a whole program) or ``completion`` (to append to the prompt).
  Verdicts come from an EvalPlus ``*_eval_results.json`` when given (``plus_status``
  if present, else ``base_status``), otherwise the generations are run against the
  registered HumanEval tests in the sandbox.

Lines that cannot be read are skipped and reported with their line numbers; a file
with no readable line is an :class:`InputError`. Token counts are unknown for
imported samples and stored as -1; ``finish_reason`` is ``"unknown"``.

>>> import json, tempfile
>>> path = tempfile.mktemp(suffix=".jsonl")
>>> _ = open(path, "w").write(json.dumps({"idx": 0, "code": ["a", "b"], "pred": ["1", "2"], "score": [True, False]})
...                          + "\\n{broken\\n")
>>> df, skipped = read_qwen_eval(path)
>>> df[["problem_id", "sample_id", "correct"]].values.tolist()
[['0', 0, True], ['0', 1, False]]
>>> [m.split(": ", 1)[1] for m in skipped]
["line 2: invalid JSON (Expecting property name enclosed in double quotes): '{broken'"]
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import pandas as pd

from .benchmarks.loaders import read_jsonl
from .errors import InputError
from .store import SampleStore

FORMATS = ("qwen-eval", "lm-eval", "evalplus")


def _row(pid, j, completion, extracted=None, correct=None) -> dict:
    return {"problem_id": str(pid), "sample_id": j, "completion": completion, "n_tokens": -1,
            "finish_reason": "unknown", "extracted": None if extracted is None else str(extracted),
            "correct": correct}


def _frame(rows: list[dict], path, skipped: list[str]) -> pd.DataFrame:
    if not rows:
        detail = f"; first problem: {skipped[0]}" if skipped else ""
        raise InputError(f"{path}: no readable samples{detail}")
    df = pd.DataFrame(rows)
    df["sample_id"] = df["sample_id"].astype("int32")
    df["n_tokens"] = df["n_tokens"].astype("int32")
    return df


def _records(path, key: str, skipped: list[str]) -> Iterator[tuple[int, dict]]:
    """(line number, record) for each line that is a JSON object with a new ``key``; the
    other lines go to ``skipped`` with the reason."""
    seen: dict[str, int] = {}
    for lineno, record, err in read_jsonl(path):
        where = f"{path}: line {lineno}"
        if err:  # invalid JSON, or not an object
            skipped.append(f"{where}: {err}")
        elif key not in record:
            skipped.append(f"{where}: missing field {key!r}")
        elif str(record[key]) in seen:
            skipped.append(f"{where}: duplicate {key} {record[key]!r} (first on line {seen[str(record[key])]})")
        else:
            seen[str(record[key])] = lineno
            yield lineno, record


def read_qwen_eval(path) -> tuple[pd.DataFrame, list[str]]:
    """Samples of a Qwen2.5-Math evaluation file, and the messages of skipped lines."""
    rows, skipped = [], []
    for lineno, rec in _records(path, "idx", skipped):
        code, pred, score = rec.get("code"), rec.get("pred"), rec.get("score")
        if not (isinstance(code, list) and isinstance(pred, list) and isinstance(score, list)):
            skipped.append(f"{path}: line {lineno}: 'code', 'pred' and 'score' must be lists")
        elif not len(code) == len(pred) == len(score) > 0:
            skipped.append(f"{path}: line {lineno}: lengths differ: code {len(code)}, pred {len(pred)}, "
                           f"score {len(score)}")
        elif not all(isinstance(c, str) for c in code) or not all(isinstance(s, bool) for s in score):
            skipped.append(f"{path}: line {lineno}: 'code' must hold strings and 'score' booleans")
        else:
            rows += [_row(rec["idx"], j, c, p, s) for j, (c, p, s) in enumerate(zip(code, pred, score))]
    return _frame(rows, path, skipped), skipped


def read_lm_eval(path, progress: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """Samples of an lm-evaluation-harness ``--log_samples`` file, regraded as math answers."""
    from .verify.math import grade_math

    rows, golds, skipped = [], [], []
    for lineno, rec in _records(path, "doc_id", skipped):
        resps, target = rec.get("resps"), rec.get("target")
        # generate_until with repeats: resps = [[gen_1, ..., gen_n]]
        flat = [g for group in resps for g in (group if isinstance(group, list) else [group])] \
            if isinstance(resps, list) else None
        if not flat or not all(isinstance(g, str) for g in flat):
            skipped.append(f"{path}: line {lineno}: 'resps' must be a non-empty list of lists of strings")
        elif not isinstance(target, (str, int, float)) or isinstance(target, bool):
            skipped.append(f"{path}: line {lineno}: 'target' must be a string or a number, got {target!r}")
        else:
            rows += [_row(rec["doc_id"], j, g) for j, g in enumerate(flat)]
            golds += [target] * len(flat)
    df = _frame(rows, path, skipped)
    grades = grade_math(list(zip(golds, df["completion"])), progress=progress)
    df["extracted"] = [g.extracted for g in grades]
    df["correct"] = [bool(g.correct) for g in grades]
    return df, skipped


def read_evalplus(path, results=None, benchmark: str = "humaneval") -> tuple[pd.DataFrame, list[str]]:
    """Samples of an EvalPlus sample file, with verdicts from ``results`` or from the sandbox."""
    rows, skipped, problem_prompts = [], [], {}
    counter: dict[str, int] = {}
    for lineno, rec, err in read_jsonl(path):
        where = f"{path}: line {lineno}"
        if err and rec is None:  # invalid JSON
            skipped.append(f"{where}: {err}")
            continue
        if not isinstance(rec, dict) or not isinstance(rec.get("task_id"), str):
            skipped.append(f"{where}: need a JSON object with a string 'task_id'")
            continue
        code = rec.get("solution", rec.get("completion"))
        if not isinstance(code, str):
            skipped.append(f"{where}: need a string 'solution' or 'completion'")
            continue
        tid = rec["task_id"]
        j = counter[tid] = counter.get(tid, -1) + 1
        row = _row(tid, j, code)
        row["is_solution"] = "solution" in rec
        rows.append(row)
    df = _frame(rows, path, skipped)
    if results is not None:
        verdicts = _evalplus_verdicts(results)
        missing = [(t, j) for t, j in zip(df["problem_id"], df["sample_id"]) if (t, j) not in verdicts]
        if missing:
            raise InputError(f"{results}: no verdict for {missing[0][0]} sample {missing[0][1]} "
                             f"({len(missing)} samples lack one)")
        df["correct"] = [verdicts[(t, j)] for t, j in zip(df["problem_id"], df["sample_id"])]
    else:
        from . import benchmarks
        from .verify.code import grade_code_records

        problems = {p["problem_id"]: p for p in benchmarks.load_benchmark(benchmark)}
        unknown = sorted(set(df["problem_id"]) - set(problems))
        if unknown:
            raise InputError(f"{path}: task_id {unknown[0]!r} is not in benchmark {benchmark!r}")
        records = [{"prompt": "" if sol else problems[t]["prompt"], "completion": c,
                    "test": problems[t]["test"], "entry_point": problems[t]["entry_point"]}
                   for t, c, sol in zip(df["problem_id"], df["completion"], df["is_solution"])]
        df["correct"] = [bool(r["passed"]) for r in grade_code_records(records)]
    df["extracted"] = df["completion"]
    return df.drop(columns="is_solution"), skipped


def _evalplus_verdicts(results) -> dict[tuple[str, int], bool]:
    try:
        data = json.loads(Path(results).read_text(encoding="utf-8"))
        out = {}
        for tid, samples in data["eval"].items():
            for j, s in enumerate(samples):
                status = s.get("plus_status") or s["base_status"]
                out[(str(tid), j)] = status == "pass"
        return out
    except (OSError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as err:
        raise InputError(f"{results}: not an EvalPlus eval_results.json ({type(err).__name__}: {err})") from None


def import_samples(fmt: str, path, out, model: str, benchmark: str | None = None, results=None,
                   progress: bool = False) -> tuple[SampleStore, list[str]]:
    """Read ``path`` in format ``fmt`` and write it as a new sample store ``out``.

    Returns the store and the messages of skipped lines. ``benchmark`` names the
    benchmark in the manifest (and, for evalplus without ``results``, supplies the tests).
    """
    from .benchmarks.loaders import dataset_sha256

    if fmt == "qwen-eval":
        df, skipped = read_qwen_eval(path)
    elif fmt == "lm-eval":
        df, skipped = read_lm_eval(path, progress=progress)
    elif fmt == "evalplus":
        df, skipped = read_evalplus(path, results, benchmark or "humaneval")
    else:
        raise InputError(f"unknown import format {fmt!r}; known: {', '.join(FORMATS)}")
    sizes = df.groupby("problem_id").size()
    manifest = {"model": model, "template": "imported",
                "benchmark": {"name": benchmark or Path(path).name, "path": str(Path(path).resolve()),
                              "sha256": dataset_sha256(path)},
                # What is known of the sampling: the source format and the samples per problem.
                "sampling": {"imported_from": fmt, "n": int(sizes.max()) if sizes.nunique() == 1 else None},
                "imported": {"format": fmt, "source": str(path), "results": str(results) if results else None,
                             "skipped_lines": len(skipped)}}
    store = SampleStore.create(out, manifest)
    store.write_shard(df)
    return store, skipped
