"""``boundary-lab book``: check every run's inputs, execute the notebooks of a runs file, build the HTML book.

Examples::

    boundary-lab book                                   # the CPU book (book/runs.yml)
    boundary-lab book --preset tiny                     # the same pages on the tiny micro-world (CI)
    boundary-lab book --runs book/runs-gpu.yml          # the paper's models on a GPU host
    boundary-lab book --runs book/runs-gpu.yml --shard $TASK/$N --no-html   # one node of an array job
    boundary-lab book --html-only                       # publish what has been executed
    boundary-lab book --jobs 1                          # one page at a time (default: 2 on 2+ cores)

Every problem with the inputs (missing data, unknown or mistyped parameters, a missing
bubblewrap or vLLM) is listed before anything runs, and the command exits 2. For the GPU
matrix, one line says what the host lacks: a CUDA GPU, the models (local, in the Hugging
Face cache, or a reachable hub) and the disk they need. ``--keep-going`` runs every other
page when one fails (exit 1, naming the failed runs); a failed page leaves no partial notebook
and its sample stores resume on the next call.

The book built is the checkout the current directory is in (with that checkout's own
``boundary_lab``), not the one the installed package came from.
"""
from __future__ import annotations

import dataclasses
import os
import sys

from .. import book
from ..errors import InputError
from ..notebook import declared_parameters

TINY_N = 16  # samples per problem of an evaluate page under --preset tiny (CI)


def register(sub) -> None:
    p = sub.add_parser("book", help="check inputs, execute the book's notebooks (cached), build the HTML",
                       description=__doc__, formatter_class=__import__("argparse").RawDescriptionHelpFormatter)
    p.add_argument("--runs", default=None, help="runs file listing notebooks and parameters (default: book/runs.yml "
                                                "of the checkout)")
    p.add_argument("--only", action="append", help="execute only this run (repeatable); others stay as they are")
    p.add_argument("--force", action="store_true", help="re-execute even when the cache key is unchanged")
    p.add_argument("--no-html", action="store_true", help="execute the notebooks but do not build the HTML")
    p.add_argument("--html-only", action="store_true", help="build the HTML from the pages already executed")
    p.add_argument("--shard", default=None, help="i/N: execute only runs i, i+N, ... of the runs file")
    p.add_argument("--preset", default=None, choices=book.PRESETS,
                   help="override the micro-world preset of every run that takes one (tiny: CI)")
    p.add_argument("--check", action="store_true", help="only check the runs' inputs, execute nothing")
    p.add_argument("--keep-going", action="store_true",
                   help="when a run fails, execute the others anyway (exit 1 at the end, naming the failures)")
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                   help="execute up to N runs at once, one process and one torch thread each; a run waits for "
                        "the runs its 'after' names, and pages sharing a micro-world stage train it once "
                        "(default: min(2, CPU cores))")
    p.set_defaults(func=run)


def _with_preset(runs, preset: str):
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


def _use_cwd_checkout(args) -> int | None:
    """Re-run this command with the checkout of the current directory when the installed package is
    another checkout's; None when this process already is the right one."""
    import subprocess

    here = book.find_checkout(os.getcwd())
    if here is None or here == book.ROOT.resolve() or os.environ.get("BOUNDARY_LAB_BOOK_CHECKOUT"):
        return None
    print(f"[book] building the checkout at {here} (the installed boundary_lab is {book.ROOT})", file=sys.stderr)
    env = {**os.environ, "BOUNDARY_LAB_BOOK_CHECKOUT": str(here),
           "PYTHONPATH": os.pathsep.join([str(here), *filter(None, [os.environ.get("PYTHONPATH")])])}
    argv = getattr(args, "argv", None) or sys.argv[1:]
    return subprocess.call([sys.executable, "-m", "boundary_lab.cli", *argv], env=env, cwd=here)


def run(args) -> int:
    again = _use_cwd_checkout(args)
    if again is not None:
        return again
    args.runs = args.runs or str(book.RUNS_FILE)
    parsed, problems = book.check_runs_file(args.runs)  # structure, notebooks, parameter names and types
    runs = parsed.runs
    if args.preset:  # a named scale: the runs file's book-scale parameters do not apply
        runs = _with_preset([r for r in runs if (book.ROOT / r.notebook).exists()], args.preset)
    else:
        runs = book.at_book_scale(runs)
    unknown = sorted(set(args.only or []) - {r.name for r in parsed.runs})
    if unknown:
        raise InputError(f"--only {unknown[0]!r}: no such run in {args.runs}; runs: "
                         f"{', '.join(r.name for r in parsed.runs)}")
    runs = book.shard_runs(runs, args.shard)
    if args.only and not any(r.name in args.only for r in runs):
        raise InputError(f"--only {', '.join(args.only)}: not in shard {args.shard} of {args.runs}")
    if not args.html_only:
        # data, models, optional dependencies: every problem at once, before anything runs
        chosen = [r for r in runs if not args.only or r.name in args.only]
        problems += book.preflight(chosen, args.runs)
        lacks = book.host_check(chosen, args.runs)  # GPU, models, disk: one line
        if lacks:
            problems.append(lacks)
        if len(problems) == 1:
            raise InputError(problems[0])
        if problems:
            raise InputError(f"{len(problems)} problem(s) found before running anything:\n  " + "\n  ".join(problems))
        print(f"[book] checked {len(runs)} run(s): inputs present")
        if args.check:
            return 0
        out_dir = book.EXECUTED / parsed.output if parsed.output else book.EXECUTED
        if args.jobs < 1:
            raise InputError(f"--jobs {args.jobs}: must be at least 1")
        try:
            book.execute(runs, force=args.force, only=args.only, out_dir=out_dir, jobs=args.jobs,
                         keep_going=args.keep_going)
        except book.RunsFailed as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
    elif problems:
        raise InputError("\n".join(problems))
    if not args.no_html:
        gpu = book.load_runs_file(book.GPU_RUNS_FILE) if book.GPU_RUNS_FILE.exists() else None
        toc = book.write_toc(gpu, book.EXECUTED)
        index = book.build_html(toc)
        print(f"book: {index}")
    sys.stdout.flush()
    return 0
