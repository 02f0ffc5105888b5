"""Summarise a mutmut run (``make mutation``): mutants generated, killed and surviving, per file.

Reads mutmut's result files under ``mutants/`` (``<file>.py.meta``: the exit code of the test run
per mutant) and prints a markdown table. ``--show`` also prints the diff of every survivor
(``mutmut show``), so each can be killed with a test or explained as equivalent.

Run: ``.venv/bin/python scripts/mutation_report.py [--show] [--json out.json]``.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path


def status(code) -> str:
    """mutmut's own reading of a mutant's exit code: killed, survived, no tests, timeout, ..."""
    from mutmut.stats import status_by_exit_code

    return status_by_exit_code[code]


def collect(root: Path) -> tuple[dict, list[str]]:
    table, survivors = {}, []
    for meta in sorted(root.rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        counts = Counter(status(c) for c in codes.values())
        table[str(meta.relative_to(root)).removesuffix(".meta")] = {"generated": len(codes), **counts}
        survivors += [k for k, c in codes.items() if status(c) in ("survived", "no tests", "suspicious")]
    return table, survivors


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=Path("mutants"))
    parser.add_argument("--show", action="store_true", help="print each survivor's diff")
    parser.add_argument("--json", help="also write the table and survivor names here")
    args = parser.parse_args(argv)
    if not args.root.exists():
        print(f"{args.root}: no mutmut results (run `make mutation` first)", file=sys.stderr)
        return 2
    table, survivors = collect(args.root)
    cols = ["generated", "killed", "timeout", "caught by type check", "survived", "no tests", "not checked"]
    print("| file | " + " | ".join(cols) + " | killed % |\n|---|" + "---|" * (len(cols) + 1))
    total = Counter()
    for name, row in table.items():
        total.update(row)
        judged = row["generated"] - row.get("not checked", 0) - row.get("skipped", 0)
        share = 100 * (row.get("killed", 0) + row.get("timeout", 0) + row.get("segfault", 0)) / judged \
            if judged else float("nan")
        print(f"| {name} | " + " | ".join(str(row.get(c, 0)) for c in cols) + f" | {share:.1f} |")
    judged = total["generated"] - total["not checked"] - total["skipped"]
    share = 100 * (total["killed"] + total["timeout"] + total["segfault"]) / judged if judged else float("nan")
    print("| **all** | " + " | ".join(str(total[c]) for c in cols) + f" | {share:.1f} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"files": table, "survivors": survivors}, indent=1))
    if args.show:
        for name in survivors:
            diff = subprocess.run([str(Path(sys.executable).parent / "mutmut"), "show", name],
                                  capture_output=True, text=True).stdout
            lines = [ln for ln in diff.splitlines() if ln[:1] in "+-" and ln[:3] not in ("+++", "---")]
            print(f"\n{name}\n" + "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
