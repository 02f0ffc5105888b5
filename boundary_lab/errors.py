"""Exceptions shared across boundary-lab.

``InputError`` means the user gave bad input (a file, a field, a value); the CLI
turns it into exit code 2 and a single line. Anything else is exit code 1.
"""
from __future__ import annotations


class InputError(ValueError):
    """Bad user input. The message names the file, the row or field, and the value.

    >>> str(InputError("counts.csv: row 3: correct=7 > n=5"))
    'counts.csv: row 3: correct=7 > n=5'
    """
