"""``boundary-lab import FORMAT FILE... --model NAME -o RUN``: samples from other tools into a store.

FORMAT is one of qwen-eval (the paper's Qwen2.5-Math / limit-of-RLVR evaluation output),
lm-eval (lm-evaluation-harness --log_samples, JSONL or the JSON array of versions before
0.4.3; regraded as math answers), evalplus (an EvalPlus samples file or samples directory;
verdicts from --results eval_results.json, where base and plus must both pass, else run
against the benchmark's tests in the sandbox), livecodebench (an *_eval_all.json with
graded_list), verl (a validation dump, <step>.jsonl) or lighteval (a details parquet).
Several files of one model (seed runs) concatenate, each problem's samples renumbered.
--benchmark NAME gives the problems that benchmark's ids (by problem text, else by index),
so that the store pairs with the package's own stores in compare. Unreadable lines are
listed on stderr with their line numbers.

Example::

    boundary-lab import qwen-eval seed0.jsonl seed1.jsonl --benchmark math500 --model Qwen2.5-7B-SimpleRL \\
        -o runs/rl_math500
"""
from __future__ import annotations

import sys


def register(subparsers) -> None:
    from ..importers import FORMATS

    p = subparsers.add_parser("import", help="import samples from other evaluation tools", description=__doc__)
    p.add_argument("format", choices=FORMATS)
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="the tool's sample file(s) of one model (several: seed runs, concatenated)")
    p.add_argument("--model", required=True, help="model name for counts tables")
    p.add_argument("-o", "--out", required=True, help="new run directory")
    p.add_argument("--benchmark", default=None,
                   help="registered benchmark whose problem ids the samples get (evalplus: whose tests to run; "
                        "default humaneval)")
    p.add_argument("--results", default=None, help="evalplus: eval_results.json with the verdicts")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..importers import import_samples

    store, skipped = import_samples(args.format, args.files, args.out, args.model, benchmark=args.benchmark,
                                    results=args.results, progress=not args.quiet)
    for message in skipped:
        print(f"skipped: {message}", file=sys.stderr)
    df = store.read(["problem_id", "correct"])
    print(f"{store.path}: {df['problem_id'].nunique()} problems, {len(df)} samples, {len(skipped)} lines skipped")
    return 0
