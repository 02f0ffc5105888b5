"""The ``boundary-lab`` command line: a thin shell over the library.

Each subcommand lives in ``boundary_lab/commands/<name>.py`` and provides
``register(subparsers)`` (adds its parser, sets ``func``) and a ``run(args) -> int``.
Exit codes (docs/design.md, contracts): 0 success, 2 bad input, 1 anything else.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from .errors import InputError

# Subcommand modules in help order; every one must import (a missing one is an error).
COMMANDS = ["passk", "forecast", "compare", "grade", "sample", "merge", "ppl", "import_samples", "micro", "book"]


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="boundary-lab",
        description="Measure the reasoning boundary of language models (pass@k at large k).",
    )
    parser.add_argument("--version", action="version", version=f"boundary-lab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"boundary_lab.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    try:
        return int(args.func(args) or 0)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
