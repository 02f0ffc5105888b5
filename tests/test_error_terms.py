"""The library's errors speak in library terms (argument names); the CLI maps them to its flags (issue 22).

A library function is called from notebooks and scripts as much as from the CLI, so its
:class:`~boundary_lab.errors.InputError` names the argument (``shard``, ``allow_partial``), never a
``--flag``. ``boundary_lab.cli.as_flags`` rewrites argument names as the command's flags when the
error reaches the shell. The scan reads every ``InputError(...)`` call of the package with
:mod:`ast`; ``commands/`` and ``cli.py`` are the shell and may name flags.
"""
from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from boundary_lab import cli, counts, layers, store
from boundary_lab.errors import InputError

ROOT = Path(layers.__file__).resolve().parent
FLAG = re.compile(r"(?:^|[\s(`'\"])--[a-z]")
# A message may quote another program's command line (its flags are not ours).
OTHER_PROGRAM = re.compile(r"run evalplus\.evaluate")
# Module -> who removes its flag-naming errors; each entry fails once its module is clean.
ALLOWED = {
    "report": "book engineer (the 'boundary-lab micro --preset ...' hint)",
}


def flag_errors(root: Path) -> list[tuple[str, int, str]]:
    """(module, line, text) of every string in an InputError call outside the shell that names a --flag."""
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] == "commands" or rel.name == "cli.py":
            continue
        module = ".".join(rel.with_suffix("").parts).removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            name = getattr(node, "func", None)
            if not isinstance(node, ast.Call) or getattr(name, "id", getattr(name, "attr", "")) != "InputError":
                continue
            text = "".join(s.value for s in ast.walk(node) if isinstance(s, ast.Constant) and isinstance(s.value, str))
            if FLAG.search(text) and not OTHER_PROGRAM.search(text):
                found.append((module, node.lineno, text))
    return found


def test_no_library_error_names_a_cli_flag():
    found = flag_errors(ROOT)
    assert [f for f in found if f[0] not in ALLOWED] == []
    assert sorted(set(ALLOWED) - {m for m, _, _ in found}) == [], "fixed: remove from ALLOWED"


def test_a_planted_flag_in_a_library_error_is_found(tmp_path):
    dest = tmp_path / "boundary_lab"
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns("data", "__pycache__", "*.json", "*.gz"))
    path = dest / "passk.py"
    path.write_text(path.read_text() + '\n\ndef _planted(k):\n    raise InputError(f"--k must be positive, got {k}")\n')
    assert [(m, t) for m, _, t in flag_errors(dest) if m == "passk"] == [("passk", "--k must be positive, got ")]
    assert not [f for f in flag_errors(ROOT) if f[0] == "passk"]


@pytest.fixture
def incomplete_store(tmp_path):
    run = store.SampleStore.create(tmp_path / "run", {"model": "m", "benchmark": {"sha256": "x"},
                                                      "problems_in_shard": 2})
    run.write_shard(pd.DataFrame({"problem_id": ["p1"], "sample_id": [0], "completion": ["4"], "n_tokens": [1],
                                  "finish_reason": ["stop"], "extracted": ["4"], "correct": [True]}))
    run.close()
    return run.path


def test_the_library_names_the_argument_and_the_cli_the_flag(incomplete_store, tmp_path, capsys):
    with pytest.raises(InputError) as err:
        counts.read_counts(incomplete_store)
    assert "allow_partial" in str(err.value) and "--" not in str(err.value)
    code = cli.main(["counts", str(incomplete_store), "-o", str(tmp_path / "out.csv")])
    message = capsys.readouterr().err
    assert code == 2 and "--allow-partial" in message and "allow_partial" not in message, message
