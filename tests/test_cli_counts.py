"""`boundary-lab passk` and `compare` on counts CSVs: the contract in docs/design.md."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from boundary_lab.cli import main

GOOD = """model,problem_id,n,correct,extra
base,p1,8,0,x
base,p2,8,3,x
base,p3,8,8,x
rl,p1,8,0,x
rl,p2,8,0,x
rl,p3,8,8,x
rl2,p1,8,1,x
rl2,p2,8,0,x
rl2,p3,8,8,x
"""


@pytest.fixture
def counts(tmp_path):
    path = tmp_path / "counts.csv"
    path.write_text(GOOD)
    return path


def run_cli(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_passk_json(counts, capsys):
    code, out, _ = run_cli(["passk", counts, "--k", "1,2,8", "--format", "json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"base", "rl", "rl2"}
    assert data["base"]["1"] == pytest.approx((0 + 3 / 8 + 1) / 3)
    assert data["rl"]["8"] == pytest.approx(1 / 3)


def test_passk_csv_and_table(counts, capsys):
    code, out, _ = run_cli(["passk", counts, "--k", "1", "--format", "csv"], capsys)
    assert code == 0 and out.splitlines()[0] == "model,k,pass_at_k" and len(out.splitlines()) == 4
    code, out, _ = run_cli(["passk", counts, "--format", "table", "--model", "rl"], capsys)
    assert code == 0 and "pass@8" in out and "base" not in out


BAD_CASES = [
    ("model,problem_id,n\nbase,p1,4\n", "missing column"),
    ("model,problem_id,n,correct\nbase,p1,4,5\n", "line 2"),
    ("model,problem_id,n,correct\nbase,p1,4,-1\n", "line 2"),
    ("model,problem_id,n,correct\nbase,p1,4,1.5\n", "'correct'"),
    ("model,problem_id,n,correct\nbase,p1,4,1\nbase,p2,four,1\n", "line 3"),
    ("model,problem_id,n,correct\nbase,p1,4,1\nbase,p1,4,2\n", "duplicate"),
    ("model,problem_id,n,correct\nbase,p1,4,1\nbase,p2,2,1\n", "k=4 exceeds n=2"),
]


@pytest.mark.parametrize("text,message", BAD_CASES)
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    code, out, err = run_cli(["passk", path, "--k", "1,4", "--format", "json"], capsys)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and message in err and "bad.csv" in err


def test_k_above_n_names_the_row(counts, capsys):
    code, _, err = run_cli(["passk", counts, "--k", "16"], capsys)
    assert code == 2 and "line 2" in err and "p1" in err


def test_missing_file_exits_2(tmp_path, capsys):
    code, _, err = run_cli(["passk", tmp_path / "nope.csv"], capsys)
    assert code == 2 and "nope.csv" in err


def test_compare_json_contract(counts, capsys):
    code, out, _ = run_cli(["compare", counts, "--base", "base", "--rl", "rl", "--format", "json"], capsys)
    assert code == 0
    rep = json.loads(out)
    assert (rep["both"], rep["base_only"], rep["compared_only"], rep["neither"]) == (1, 1, 0, 1)
    assert rep["base_only_ids"] == ["p2"] and rep["compared_only_ids"] == [] and rep["neither_ids"] == ["p1"]
    # default K = largest common n = 8: pass@8(base) = 2/3, pass@1(rl) = 1/3
    assert rep["k"] == 8 and rep["delta_se"] == pytest.approx(1 / 3)
    row = rep["paired_rl_minus_base"]["8"]
    assert row["diff"] == pytest.approx(-1 / 3) and row["ci_low"] <= row["diff"] <= row["ci_high"]


def test_compare_compared_only_problem(counts, capsys):
    code, out, _ = run_cli(["compare", counts, "--base", "rl", "--rl", "rl2", "--k", "4", "--format", "json"], capsys)
    rep = json.loads(out)
    assert code == 0 and rep["compared_only_ids"] == ["p1"] and rep["k"] == 4 and not rep["rl_subset_of_base"]


def test_compare_unknown_model_and_unpaired(tmp_path, counts, capsys):
    code, _, err = run_cli(["compare", counts, "--base", "base", "--rl", "nope", "--format", "json"], capsys)
    assert code == 2 and "nope" in err
    path = tmp_path / "unpaired.csv"
    path.write_text("model,problem_id,n,correct\na,p1,4,1\nb,p2,4,1\n")
    code, _, err = run_cli(["compare", path, "--base", "a", "--rl", "b"], capsys)
    assert code == 2 and "p1" in err


def test_console_script_exit_code(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("model,problem_id,n,correct\nbase,p1,4,9\n")
    proc = subprocess.run([sys.executable, "-m", "boundary_lab.cli", "passk", str(path)],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "correct=9 > n=4" in proc.stderr
