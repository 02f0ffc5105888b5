"""``boundary-lab book``: execute the notebooks of ``book/runs.yml`` and build the HTML book."""
from __future__ import annotations

from .. import book


def register(sub) -> None:
    p = sub.add_parser("book", help="execute the book's notebooks (cached) and build the HTML with Jupyter Book")
    p.add_argument("--runs", default=str(book.RUNS_FILE), help="runs file listing notebooks and parameters")
    p.add_argument("--only", action="append", help="execute only this run (repeatable); others stay as they are")
    p.add_argument("--force", action="store_true", help="re-execute even when the cache key is unchanged")
    p.add_argument("--no-html", action="store_true", help="execute the notebooks but do not build the HTML")
    p.set_defaults(func=run)


def run(args) -> int:
    runs = book.load_runs(args.runs)
    book.execute(runs, force=args.force, only=args.only)
    if not args.no_html:
        index = book.build_html()
        print(f"book: {index}")
    return 0
