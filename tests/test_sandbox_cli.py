"""Issue 13, as a new user would try it: `boundary-lab grade samples.jsonl --kind code`.

One correct, one wrong and one hostile completion; the CLI runs inside the cgroup
guard. Three clear verdicts come out, and the host is unharmed: a canary file
outside the sandbox is intact, nothing was written to the repository or /tmp,
this test process is alive, and nothing the completions started is left running.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from boundary_lab.verify.sandbox import bwrap_path

try:
    from cgroup_guard import guard_available, run_command_guarded
except ImportError:  # tests collected as a package
    from tests.cgroup_guard import guard_available, run_command_guarded

pytestmark = [
    pytest.mark.sandbox,
    pytest.mark.skipif(not guard_available() or bwrap_path() is None,
                       reason="needs root, writable cgroup v1 (pids, memory) and bubblewrap"),
]

PWNED = Path(__file__).resolve().parents[1] / "PWNED"  # in the repository
PROMPT = 'def add(a, b):\n    """Return a + b."""\n'
TEST = "def check(candidate):\n    assert candidate(2, 3) == 5\n    assert abs(candidate(-1, 1)) < 1e-9\n"


def hostile(canary: Path, escape: Path) -> str:
    """Tries to harm the host, then to fake a pass; the function itself is wrong."""
    return (
        "    return a - b\n"
        "import builtins, os, shutil, signal, subprocess\n"
        f"for attempt in (lambda: os.remove({str(canary)!r}), lambda: shutil.rmtree({str(canary.parent)!r}),\n"
        f"                lambda: open({str(escape)!r}, 'w').write('x'),\n"
        f"                lambda: open({str(PWNED)!r}, 'w').write('x')):\n"
        "    try:\n        attempt()\n    except Exception:\n        pass\n"
        "subprocess.Popen(['sleep', '600'], start_new_session=True)\n"
        "builtins.abs = lambda x: 0\n"
        "print('P\\nPASSED')\n"
        "os.kill(-1, signal.SIGKILL)\n"
    )


def test_grade_cli_three_verdicts_and_an_unharmed_host(tmp_path):
    canary = tmp_path / "keep" / "canary.txt"
    canary.parent.mkdir()
    canary.write_text("alive")
    escape = Path(f"/tmp/bl-cli-escape-{os.getpid()}")
    samples = tmp_path / "samples.jsonl"
    base = {"prompt": PROMPT, "test": TEST, "entry_point": "add"}
    lines = [{**base, "task_id": "correct", "completion": "    return a + b\n"},
             {**base, "task_id": "wrong", "completion": "    return a * b\n"},
             {**base, "task_id": "hostile", "completion": hostile(canary, escape)}]
    samples.write_text("".join(json.dumps(line) + "\n" for line in lines))
    exe = str(Path(sys.executable).parent / "boundary-lab")
    proc, leftover = run_command_guarded([exe, "grade", str(samples), "--kind", "code", "-o", "-", "--quiet"])
    assert proc.returncode == 0, proc.stderr
    graded = [json.loads(line) for line in proc.stdout.splitlines()]
    verdicts = {g["task_id"]: (g["passed"], g["status"], g["detail"]) for g in graded}
    assert verdicts == {
        "correct": (True, "passed", "tests passed"),
        "wrong": (False, "failed", "AssertionError at test line 2: "),
        # kill -1 spares the caller: the program lives on, and its a - b fails the test
        "hostile": (False, "failed", "AssertionError at test line 2: "),
    }
    assert "graded 3 samples (1 passed)" in proc.stderr
    assert canary.read_text() == "alive" and not escape.exists() and not PWNED.exists()
    assert leftover == 0  # the detached sleeper died with its sandbox


_AUDIT = ("import json, sys; from boundary_lab.audit import code_audit; "
          "print(code_audit(workers=2, timeout_s=3.0, limit=int(sys.argv[1])).to_json(orient='records'))")


def test_code_audit_passes_every_canonical_solution_and_nothing_else():
    """The verifiers page's claim, on the first 3 HumanEval problems: canonical solutions pass,
    `return None` fails, exiting 0 before the tests fails, and the loop is killed at the timeout."""
    proc, leftover = run_command_guarded([sys.executable, "-c", _AUDIT, "3"])
    assert proc.returncode == 0, proc.stderr
    table = {(r["kind"], r["status"]): r["samples"] for r in json.loads(proc.stdout)}
    assert table == {("canonical", "passed"): 3, ("returns None", "failed"): 3,
                     ("exits 0 before the tests", "failed"): 3, ("os._exit(0) at import", "failed"): 3,
                     ("infinite loop", "timeout"): 2}
    assert leftover == 0
