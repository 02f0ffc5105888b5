r"""``boundary-lab grade IN.jsonl --kind math|code -o OUT.jsonl``: verify samples.

Contract (docs/design.md, contracts): every input field is kept. ``--kind math`` needs
``completion`` and ``answer`` on each line and adds ``extracted`` and
``correct`` (``answer`` may be a string, a number, or a list of them such as
OlympiadBench's ``final_answer``, graded as one set). ``--kind code`` needs ``prompt``, ``completion``, ``test``,
``entry_point`` and adds ``passed``, ``status`` (passed|failed|timeout|error),
``detail`` (why, in one line) and ``duration_s``.

A malformed line (bad JSON, not an object, a required field missing or of the
wrong type) is reported on stderr with its line number and left out of the
output; every other line is graded. So OUT has exactly one line per valid
input line, in input order, and the exit code stays 0. A missing or
unreadable input file is exit code 2. Blank lines are ignored.

Example::

    boundary-lab grade samples.jsonl --kind math -o graded.jsonl --workers 4 --timeout 5
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import warnings
from pathlib import Path

from ..errors import InputError
from ..verify.math_extract import extract_gold

# Field -> accepted types, per kind. bool is excluded from numbers explicitly below.
REQUIRED = {
    "math": {"completion": (str,), "answer": (str, int, float, list)},
    "code": {"prompt": (str,), "completion": (str,), "test": (str,), "entry_point": (str,)},
}
DEFAULT_TIMEOUT_S = {"math": 5.0, "code": 10.0}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "grade", help="verify completions (math answers or code against tests)",
        description=__doc__.split("Example::")[0], formatter_class=_raw_formatter())
    parser.add_argument("input", help="JSONL of samples")
    parser.add_argument("--kind", choices=sorted(REQUIRED), required=True, help="verifier kind")
    parser.add_argument("-o", "--output", required=True, help="output JSONL ('-' for stdout)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds per check (default: 5 for math symbolic checks, 10 for code)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def _raw_formatter():
    import argparse

    return argparse.RawDescriptionHelpFormatter


def _problem(record: object, kind: str) -> str | None:
    """Why a parsed line is not a valid sample, or None if it is."""
    if not isinstance(record, dict):
        return f"expected a JSON object, got {type(record).__name__}"
    for name, types in REQUIRED[kind].items():
        if name not in record or record[name] is None:
            return f"missing field {name!r}"
        value = record[name]
        if isinstance(value, bool) or not isinstance(value, types):
            return f"field {name!r} has type {type(value).__name__}, expected {'/'.join(t.__name__ for t in types)}"
    if kind == "math" and isinstance(record["answer"], list):
        try:
            extract_gold(record["answer"])
        except TypeError as err:
            return f"field 'answer': {err}"
    if kind == "code" and not record["entry_point"].isidentifier():
        return f"field 'entry_point' is not a Python identifier: {record['entry_point'][:60]!r}"
    return None


def read_samples(path: Path, kind: str) -> tuple[list[dict], list[int], list[str]]:
    """Valid records in order, their line numbers, and one message per malformed line."""
    try:
        fh = open(path, encoding="utf-8")
    except OSError as err:
        raise InputError(f"{path}: cannot read input: {err.strerror or err}") from None
    records, lines, problems = [], [], []
    with fh:
        try:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as err:
                    problems.append(f"{path}: line {lineno}: invalid JSON ({err.msg})")
                    continue
                why = _problem(record, kind)
                if why:
                    problems.append(f"{path}: line {lineno}: {why}")
                else:
                    records.append(record)
                    lines.append(lineno)
        except (OSError, UnicodeDecodeError) as err:
            raise InputError(f"{path}: cannot read input: {err}") from None
    return records, lines, problems


def grade_records(records: list[dict], kind: str, workers: int | None, timeout_s: float,
                  progress: bool) -> tuple[list[dict], list[tuple[int, str]]]:
    """Graded copies of ``records``, and (record index, note) for checks that timed out."""
    notes: list[tuple[int, str]] = []
    if kind == "math":
        from ..verify.math import grade_math

        report: dict = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # reported per line below instead
            grades = grade_math(records, workers=workers, timeout_s=timeout_s, progress=progress, report=report)
        out = [{**rec, "extracted": g.extracted, "correct": bool(g.correct)} for rec, g in zip(records, grades)]
        timed_out = set(report.get("timeouts", []))
        for i, (rec, g) in enumerate(zip(records, grades)):
            if (extract_gold(rec["answer"]), g.extracted) in timed_out:
                notes.append((i, f"symbolic check timed out after {timeout_s:g}s, graded wrong "
                                 f"(extracted={g.extracted[:60]!r})"))
        return out, notes
    from ..verify.code import grade_code_records

    results = grade_code_records(records, workers=workers, timeout_s=timeout_s, progress=progress)
    out = [{**rec, "passed": bool(res["passed"]), "status": res["status"], "detail": res["detail"],
            "duration_s": res["duration_s"]} for rec, res in zip(records, results)]
    return out, notes


def write_jsonl(records: list[dict], output: str) -> None:
    """Write atomically (temp file + rename) so a killed run never leaves half a file."""
    if output == "-":
        for rec in records:
            sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
        return
    target = Path(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for rec in records:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run(args) -> int:
    path = Path(args.input)
    if not path.is_file():
        raise InputError(f"{path}: input file not found")
    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers must be at least 1, got {args.workers}")
    timeout_s = args.timeout if args.timeout is not None else DEFAULT_TIMEOUT_S[args.kind]
    if timeout_s <= 0:
        raise InputError(f"--timeout must be positive, got {timeout_s}")
    records, lines, problems = read_samples(path, args.kind)
    for message in problems:
        print(f"warning: skipped {message}", file=sys.stderr)
    out, notes = grade_records(records, args.kind, args.workers, timeout_s, progress=not args.quiet)
    for index, note in notes:
        print(f"warning: {path}: line {lines[index]}: {note}", file=sys.stderr)
    write_jsonl(out, args.output)
    key = "correct" if args.kind == "math" else "passed"
    n_ok = sum(1 for rec in out if rec[key])
    print(f"graded {len(out)} samples ({n_ok} {key}); skipped {len(problems)} malformed line(s)"
          f" -> {args.output}", file=sys.stderr)
    return 0
