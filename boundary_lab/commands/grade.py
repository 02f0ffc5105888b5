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

import sys
from pathlib import Path

from ..errors import InputError
from ..grading import DEFAULT_TIMEOUT_S, REQUIRED, grade_records, read_samples, write_jsonl
from ..verify.registry import verifier


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


def run(args) -> int:
    path = Path(args.input)
    if not path.is_file():
        raise InputError(f"{path}: input file not found")
    if args.output != "-" and Path(args.output).exists() and Path(args.output).resolve() == path.resolve():
        raise InputError(f"{args.output}: -o is the input file; write the graded samples elsewhere")
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
    key = verifier(args.kind).verdict
    n_ok = sum(1 for rec in out if rec[key])
    print(f"graded {len(out)} samples ({n_ok} {key}); skipped {len(problems)} malformed line(s)"
          f" -> {args.output}", file=sys.stderr)
    return 0
