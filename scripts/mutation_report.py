"""Summarise a mutmut run (``make mutation``): mutants generated, killed and surviving, per file.

Reads mutmut's result files under ``mutants/`` (``<file>.py.meta``: the exit code of the test run
per mutant) and prints a markdown table. ``--show`` also prints the diff of every survivor
(``mutmut show``), so each can be killed with a test or explained as equivalent.

``run`` counts the mutants a run judged (generated minus "not checked" and "skipped"); ``kill %`` is
(killed + timeout + segfault) / run: a mutant that no test reaches ("no tests") counts as surviving.
``--files GLOB`` keeps the matching files (``'*report*'``); ``--classified FILE`` reads a JSON map
``{mutant name: "equivalent: why" | "not worth a test: why"}`` and lists each survivor's class (unclassified
ones are named, so none is forgotten).

Run: ``.venv/bin/python scripts/mutation_report.py [--show] [--json out.json] [--files GLOB] [--classified F]``.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path


def status(code) -> str:
    """mutmut's own reading of a mutant's exit code: killed, survived, no tests, timeout, ..."""
    from mutmut.stats import status_by_exit_code

    return status_by_exit_code[code]


def collect(root: Path, files: str = "*") -> tuple[dict, list[str]]:
    table, survivors = {}, []
    for meta in sorted(root.rglob("*.py.meta")):
        if not fnmatch.fnmatch(str(meta.relative_to(root)).removesuffix(".meta"), files):
            continue
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        counts = Counter(status(c) for c in codes.values())
        table[str(meta.relative_to(root)).removesuffix(".meta")] = {"generated": len(codes), **counts}
        survivors += [k for k, c in codes.items() if status(c) in ("survived", "no tests", "suspicious")]
    return table, survivors


def kill_share(row) -> float:
    """Killed (a failing test, a timeout, a crash) per mutant run, in percent ("no tests" counts as alive)."""
    killed = row.get("killed", 0) + row.get("timeout", 0) + row.get("segfault", 0)
    return 100 * killed / row["run"] if row["run"] else float("nan")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=Path("mutants"))
    parser.add_argument("--show", action="store_true", help="print each survivor's diff")
    parser.add_argument("--json", help="also write the table and survivor names here")
    parser.add_argument("--files", default="*", help="only the files matching this glob (e.g. '*micro/phase*')")
    parser.add_argument("--classified", type=Path, help="JSON {mutant: class and reason} of judged survivors")
    args = parser.parse_args(argv)
    if not args.root.exists():
        print(f"{args.root}: no mutmut results (run `make mutation` first)", file=sys.stderr)
        return 2
    table, survivors = collect(args.root, args.files)
    cols = ["generated", "run", "killed", "timeout", "caught by type check", "survived", "no tests", "not checked"]
    print("| file | " + " | ".join(cols) + " | kill % |\n|---|" + "---|" * (len(cols) + 1))
    total = Counter()
    for name, row in table.items():
        row["run"] = row["generated"] - row.get("not checked", 0) - row.get("skipped", 0)
        total.update(row)
        print(f"| {name} | " + " | ".join(str(row.get(c, 0)) for c in cols) + f" | {kill_share(row):.1f} |")
    print("| **all** | " + " | ".join(str(total[c]) for c in cols) + f" | {kill_share(total):.1f} |")
    if args.classified:
        classes = json.loads(args.classified.read_text())
        print("\n| survivor | class |\n|---|---|")
        for name in survivors:
            print(f"| {name} | {classes.get(name, '**unclassified**')} |")
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
