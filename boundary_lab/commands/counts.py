"""``boundary-lab counts STORE... -o counts.csv``: one counts CSV for several sample stores.

Writes ``model,problem_id,n,correct`` (plus ``answer_correct`` / ``chain_valid`` where the
stores have them), one row per model and problem, for ``passk``, ``compare`` and every page
that takes ``counts``. The model name is each store's own (``--model-name`` at sampling);
the shards ``i/N`` of one model may be given as separate stores. An incomplete store (or a
missing shard) is an error unless ``--allow-partial``, which then says how many problems
are missing. CSV counts files may be given too.

Example::

    boundary-lab counts runs/base runs/rl -o counts.csv
    boundary-lab compare counts.csv --base Qwen/Qwen2.5-7B --rl my-rl-model
"""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import InputError

ALLOW_PARTIAL_HELP = "accept stores that miss problems (and say how many are missing)"


def register(sub) -> None:
    p = sub.add_parser("counts", help="write one counts CSV from several sample stores", description=__doc__,
                       formatter_class=__import__("argparse").RawDescriptionHelpFormatter)
    p.add_argument("stores", nargs="+", help="sample-store directories (or counts CSV files)")
    p.add_argument("-o", "--out", default="-", help="output CSV ('-': stdout)")
    p.add_argument("--allow-partial", action="store_true", help=ALLOW_PARTIAL_HELP)
    p.set_defaults(func=run)


def add_counts_sources(p) -> None:
    """The counts sources of ``passk`` and ``compare``: CSV files or sample stores, read as one
    table (:func:`boundary_lab.counts.read_counts`), and ``--allow-partial``."""
    p.add_argument("counts", nargs="+", help="CSV with header model,problem_id,n,correct, or a sample-store "
                                             "directory (several: read as one table)")
    p.add_argument("--allow-partial", action="store_true", help=ALLOW_PARTIAL_HELP)


def note_partial(sources, allow_partial: bool) -> None:
    """With --allow-partial, say on stderr how many problems each incomplete store misses."""
    if not allow_partial:
        return
    from ..store import partial_notes

    for line in partial_notes([s for s in sources if Path(s).is_dir()]):
        print(f"note: {line} (--allow-partial)", file=sys.stderr)


def run(args) -> int:
    from ..counts import read_counts

    out = None if args.out == "-" else Path(args.out)
    if out is not None and any(Path(s).resolve() == out.resolve() for s in args.stores):
        raise InputError(f"{out}: is also an input; write the counts elsewhere")
    df = read_counts(args.stores, allow_partial=args.allow_partial)
    note_partial(args.stores, args.allow_partial)
    if out is None:
        df.to_csv(sys.stdout, index=False)
    else:
        tmp = out.with_name(f".{out.name}.tmp")
        df.to_csv(tmp, index=False)
        tmp.replace(out)
        models = list(dict.fromkeys(df["model"]))
        print(f"{out}: {len(df)} rows, {len(models)} model(s): {', '.join(models)}", file=sys.stderr)
    return 0
