"""The ``boundary-lab`` command line: a thin shell over the library.

Each subcommand lives in ``boundary_lab/commands/<name>.py`` and provides
``register(subparsers)`` (adds its parser, sets ``func``) and a ``run(args) -> int``.
Exit codes (docs/design.md, contracts): 0 success, 2 bad input, 1 anything else.

One error boundary: every error leaves as one line on stderr. Library errors name the
library's arguments (``max_new_tokens=4096: ...``); :func:`as_flags` rewrites them as the
command's flags (``--max-new-tokens 4096: ...``). Unicode, Parquet (pyarrow), missing-file
and vLLM/transformers input errors are bad input (2); anything else is 1.
``BOUNDARY_LAB_TRACEBACK=1`` re-raises instead, for the full traceback.
"""
from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
import traceback

from . import __version__
from .errors import InputError

# Subcommand modules in help order; every one must import (a missing one is an error).
COMMANDS = ["passk", "forecast", "compare", "counts", "grade", "sample", "merge", "ppl", "import_samples", "micro",
            "book"]


def build_parser() -> argparse.ArgumentParser:
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


def as_flags(message: str, parser: argparse.ArgumentParser | None) -> str:
    """``message`` with the library's argument names written as ``parser``'s flags.

    Names with an underscore are rewritten anywhere (``max_new_tokens=300`` -> ``--max-new-tokens 300``,
    ``truncate_to_context=True`` -> ``--truncate-to-context``); a plain word such as ``model`` or
    ``n`` also names data fields in messages (``model='base', problem_id='p2'``), so it is rewritten
    only as the label an error starts with (``shard: ...`` -> ``--shard: ...``).

    >>> p = argparse.ArgumentParser()
    >>> _ = p.add_argument("--max-new-tokens", type=int); _ = p.add_argument("--model")
    >>> _ = p.add_argument("--truncate-to-context", action="store_true")
    >>> as_flags("max_new_tokens=300: (model='m'); lower max_new_tokens or set truncate_to_context=True", p)
    "--max-new-tokens 300: (model='m'); lower --max-new-tokens or set --truncate-to-context"
    >>> as_flags("max_new_tokens_x=1", p)
    'max_new_tokens_x=1'
    >>> as_flags("model: no such directory; model='m' elsewhere", p)
    "--model: no such directory; model='m' elsewhere"
    """
    if parser is None:
        return message
    for action in parser._actions:
        flags = [o for o in action.option_strings if o.startswith("--")]
        if not flags or action.dest in ("help", "version"):
            continue
        if "_" not in action.dest:  # a plain word (model, k, n) also names data fields in messages: only as the
            if message.startswith(action.dest + ":"):  # label an error starts with ("shard: need 0 <= i < N")
                message = flags[0] + message[len(action.dest):]
            continue
        flag, name = flags[0], re.escape(action.dest)
        edge = r"(?<![\w./-])"
        if isinstance(action, argparse._StoreTrueAction):
            message = re.sub(edge + name + r"=True\b", flag, message)
        message = re.sub(edge + name + r"=(?=[^=\s])", flag + " ", message)
        message = re.sub(edge + name + r"(?![\w=])", flag, message)
    return message


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def classify(err: BaseException) -> tuple[int, str]:
    """Exit code and one-line message for an exception a command raised."""
    frames = [f.filename for f in traceback.extract_tb(err.__traceback__)]
    origin = type(err).__module__.split(".")[0]
    from_lib = {origin} | {name for f in frames for name in ("vllm", "transformers") if f"/{name}/" in f}
    if isinstance(err, UnicodeDecodeError):
        return 2, f"input is not UTF-8 text (byte {err.object[err.start:err.start + 1]!r} at offset {err.start})"
    if origin == "pyarrow":
        return 2, f"unreadable Parquet data ({type(err).__name__}: {_first_line(err)})"
    if isinstance(err, (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)):
        return 2, f"{err.filename}: {err.strerror}" if err.filename else _first_line(err)
    if isinstance(err, (ValueError, TypeError, OSError)) and from_lib & {"vllm", "transformers"}:
        lib = "vLLM" if "vllm" in from_lib else "transformers"
        return 2, f"{lib} refused the input: {_first_line(err)}"
    if isinstance(err, OSError):
        return 1, f"{err.filename + ': ' if err.filename else ''}{err.strerror or _first_line(err)}"
    return 1, f"{type(err).__name__}: {_first_line(err)} (BOUNDARY_LAB_TRACEBACK=1 shows the traceback)"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # for a command that re-runs itself (book)
    sub = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
    command = sub.choices.get(args.command) if sub is not None else None
    try:
        return int(args.func(args) or 0)
    except InputError as err:
        print(f"error: {as_flags(str(err), command)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 1
    except Exception as err:  # the error boundary: one line, never a traceback
        if os.environ.get("BOUNDARY_LAB_TRACEBACK"):
            raise
        code, message = classify(err)
        print(f"error: {as_flags(message, command)}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
