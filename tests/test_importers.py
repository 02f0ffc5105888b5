"""Importers for the paper's eval JSONL, lm-eval --log_samples and EvalPlus samples."""
import json

import pytest

from boundary_lab.cli import main
from boundary_lab.errors import InputError
from boundary_lab.importers import import_samples, read_evalplus, read_lm_eval, read_qwen_eval
from boundary_lab.store import counts, read_samples


def write_lines(path, lines):
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    return path


QWEN = [
    {"idx": 0, "question": "1+1?", "gt": "2", "code": ["so \\boxed{2}", "\\boxed{3}", "2"], "pred": ["2", "3", "2"],
     "score": [True, False, True]},
    "{not json",
    {"idx": 1, "code": ["x"], "pred": ["1", "2"], "score": [True]},
    {"idx": 0, "code": ["dup"], "pred": ["d"], "score": [False]},
    ["a list"],
    {"idx": 2, "code": ["\\boxed{7}"], "pred": ["7"], "score": [True]},
    {"idx": 3, "code": ["a"], "pred": ["a"], "score": ["yes"]},
]


def test_qwen_eval_keeps_verdicts_and_reports_bad_lines(tmp_path):
    df, skipped = read_qwen_eval(write_lines(tmp_path / "s.jsonl", QWEN))
    assert df[["problem_id", "sample_id", "extracted", "correct"]].values.tolist() == [
        ["0", 0, "2", True], ["0", 1, "3", False], ["0", 2, "2", True], ["2", 0, "7", True]]
    reasons = {int(m.split("line ")[1].split(":")[0]): m.split(": ", 2)[2] for m in skipped}
    assert sorted(reasons) == [2, 3, 4, 5, 7]
    assert "invalid JSON" in reasons[2] and "lengths differ" in reasons[3]
    assert "duplicate idx" in reasons[4] and "first on line 1" in reasons[4]
    assert "JSON object" in reasons[5] and "booleans" in reasons[7]


def test_import_command_writes_a_store_that_counts(tmp_path, capsys):
    src = write_lines(tmp_path / "s.jsonl", QWEN)
    assert main(["import", "qwen-eval", str(src), "--model", "rl", "-o", str(tmp_path / "run"), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("skipped: ") == 5 and "line 3" in captured.err
    table = counts(tmp_path / "run").set_index("problem_id")
    assert table.loc[["0", "2"], ["n", "correct"]].values.tolist() == [[3, 2], [1, 1]]
    assert set(table["model"]) == {"rl"}


@pytest.mark.parametrize("lines,message", [([], "no readable samples"), (["{bad"], "line 1: invalid JSON")])
def test_nothing_readable_is_an_input_error(tmp_path, lines, message):
    path = tmp_path / "s.jsonl"
    path.write_text("".join(line + "\n" for line in lines))
    with pytest.raises(InputError, match=message):
        read_qwen_eval(path)


def test_missing_file_exits_2(tmp_path, capsys):
    assert main(["import", "qwen-eval", str(tmp_path / "nope.jsonl"), "--model", "m", "-o", str(tmp_path / "r")]) == 2
    assert "nope.jsonl" in capsys.readouterr().err


def test_lm_eval_log_samples_are_regraded_per_generation(tmp_path):
    lines = [
        {"doc_id": 0, "target": "Natalia sold 48/2 = 24 clips in May.\n#### 72", "arguments": {},
         "resps": [["The answer is 72.", "The answer is 71.", "#### 72"]], "filtered_resps": ["72"], "exact_match": 1.0},
        {"doc_id": 1, "target": "5", "resps": [["\\boxed{5}"]]},
        {"doc_id": 2, "target": "5", "resps": "oops"},
        {"doc_id": 3, "resps": [["x"]], "target": True},
    ]
    df, skipped = read_lm_eval(write_lines(tmp_path / "samples_gsm8k.jsonl", lines))
    assert df[["problem_id", "sample_id", "correct"]].values.tolist() == [
        ["0", 0, True], ["0", 1, False], ["0", 2, True], ["1", 0, True]]
    assert [m.split(": ")[1] for m in skipped] == ["line 3", "line 4"]


def test_evalplus_with_results_file(tmp_path):
    samples = write_lines(tmp_path / "samples.jsonl", [
        {"task_id": "HumanEval/0", "solution": "def f(): pass"},
        {"task_id": "HumanEval/0", "solution": "def f(): return 1"},
        {"task_id": "HumanEval/1", "completion": "    return 2\n"},
        {"task_id": "HumanEval/1"},
    ])
    results = tmp_path / "eval_results.json"
    results.write_text(json.dumps({"eval": {
        "HumanEval/0": [{"base_status": "pass", "plus_status": "fail"}, {"base_status": "pass", "plus_status": "pass"}],
        "HumanEval/1": [{"base_status": "pass"}]}}))
    df, skipped = read_evalplus(samples, results)
    assert df[["problem_id", "sample_id", "correct"]].values.tolist() == [
        ["HumanEval/0", 0, False], ["HumanEval/0", 1, True], ["HumanEval/1", 0, True]]
    assert len(skipped) == 1 and "line 4" in skipped[0]
    results.write_text(json.dumps({"eval": {"HumanEval/0": []}}))
    with pytest.raises(InputError, match="no verdict for HumanEval/0 sample 0"):
        read_evalplus(samples, results)


@pytest.mark.sandbox
def test_evalplus_without_results_runs_the_benchmark_tests(tmp_path):
    from boundary_lab.benchmarks import load_benchmark

    he0 = next(p for p in load_benchmark("humaneval") if p["problem_id"] == "HumanEval/0")
    canonical = he0["answer"]
    samples = write_lines(tmp_path / "samples.jsonl", [
        {"task_id": "HumanEval/0", "completion": canonical},
        {"task_id": "HumanEval/0", "completion": "    return False\n"},
        {"task_id": "HumanEval/0", "solution": he0["prompt"] + canonical},
    ])
    store, skipped = import_samples("evalplus", samples, tmp_path / "run", model="m")
    assert read_samples(store.path)["correct"].tolist() == [True, False, True] and skipped == []
