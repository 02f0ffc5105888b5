"""``boundary-lab book``: check every run's inputs, execute the notebooks of a runs file, build the HTML book.

Examples::

    boundary-lab book                                   # the CPU book (book/runs.yml)
    boundary-lab book --preset tiny                     # the same pages on the tiny micro-world (CI)
    boundary-lab book --runs book/runs-gpu.yml          # the paper's models on a GPU host
    boundary-lab book --runs book/runs-gpu.yml --shard $TASK/$N --no-html   # one node of an array job
    boundary-lab book --html-only                       # publish what has been executed
    boundary-lab book --jobs 1                          # one page at a time (default: 2 on 2+ cores)

Every problem with the inputs (missing data, unknown or mistyped parameters, a missing
bubblewrap or vLLM) is listed before anything runs, and the command exits 2.
"""
from __future__ import annotations

import dataclasses
import os
import sys

from .. import book

TINY_N = 16  # samples per problem of an evaluate page under --preset tiny (CI)


def register(sub) -> None:
    p = sub.add_parser("book", help="check inputs, execute the book's notebooks (cached), build the HTML",
                       description=__doc__, formatter_class=__import__("argparse").RawDescriptionHelpFormatter)
    p.add_argument("--runs", default=str(book.RUNS_FILE), help="runs file listing notebooks and parameters")
    p.add_argument("--only", action="append", help="execute only this run (repeatable); others stay as they are")
    p.add_argument("--force", action="store_true", help="re-execute even when the cache key is unchanged")
    p.add_argument("--no-html", action="store_true", help="execute the notebooks but do not build the HTML")
    p.add_argument("--html-only", action="store_true", help="build the HTML from the pages already executed")
    p.add_argument("--shard", default=None, help="i/N: execute only runs i, i+N, ... of the runs file")
    p.add_argument("--preset", default=None, choices=book.PRESETS,
                   help="override the micro-world preset of every run that takes one (tiny: CI)")
    p.add_argument("--check", action="store_true", help="only check the runs' inputs, execute nothing")
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                   help="execute up to N runs at once, one process and one torch thread each; a run waits for "
                        "the runs its 'after' names, and pages sharing a micro-world stage train it once "
                        "(default: min(2, CPU cores))")
    p.set_defaults(func=run)


def _with_preset(runs, preset: str):
    from ..notebook import declared_parameters

    out = []
    for r in runs:
        declared = declared_parameters(book.ROOT / r.notebook)
        params = dict(r.parameters)
        if "preset" in declared:
            params["preset"] = preset
        if "counts" in params and isinstance(params["counts"], str) and "/default-seed" in params["counts"]:
            params["counts"] = params["counts"].replace("/default-seed", f"/{preset}-seed")
        if "micro_preset" in declared:
            params["micro_preset"] = preset
            if preset == "tiny":  # the tiny preset samples little everywhere (CI)
                if isinstance(params.get("n"), int):
                    params["n"] = min(params["n"], TINY_N)
                # Two vLLM engine start-ups cost CI minutes on 2 cores; the vLLM path of this page is
                # tested by tests/test_evaluate_notebook.py, so the tiny build samples with transformers.
                if params.get("backend") == "vllm":
                    params["backend"] = "hf"
        out.append(dataclasses.replace(r, parameters=params))
    return out


def run(args) -> int:
    from ..errors import InputError

    parsed, problems = book.check_runs_file(args.runs)  # structure, notebooks, parameter names and types
    runs = parsed.runs
    if args.preset:  # a named scale: the runs file's book-scale parameters do not apply
        runs = _with_preset([r for r in runs if (book.ROOT / r.notebook).exists()], args.preset)
    else:
        runs = book.at_book_scale(runs)
    runs = book.shard_runs(runs, args.shard)
    if not args.html_only:
        # data, models, optional dependencies: every problem at once, before anything runs
        problems += book.preflight([r for r in runs if not args.only or r.name in args.only], args.runs)
        if problems:
            raise InputError(f"{len(problems)} problem(s) found before running anything:\n  " + "\n  ".join(problems))
        print(f"[book] checked {len(runs)} run(s): inputs present")
        if args.check:
            return 0
        out_dir = book.EXECUTED / parsed.output if parsed.output else book.EXECUTED
        if args.jobs < 1:
            raise InputError(f"--jobs {args.jobs}: must be at least 1")
        book.execute(runs, force=args.force, only=args.only, out_dir=out_dir, jobs=args.jobs)
    elif problems:
        raise InputError("\n".join(problems))
    if not args.no_html:
        gpu = book.load_runs_file(book.GPU_RUNS_FILE) if book.GPU_RUNS_FILE.exists() else None
        toc = book.write_toc(gpu)
        index = book.build_html(toc)
        print(f"book: {index}")
    sys.stdout.flush()
    return 0
