"""Importers: each format's test file is written the way its tool writes it (the source file is
named beside each writer), ids map to the registered benchmark's, and seed files combine."""
import json

import pytest

from boundary_lab.benchmarks import benchmark_info, load_benchmark
from boundary_lab.cli import main
from boundary_lab.errors import InputError
from boundary_lab.importers import (
    concatenate,
    import_samples,
    read_evalplus,
    read_lighteval,
    read_livecodebench,
    read_lm_eval,
    read_qwen_eval,
    read_verl,
)
from boundary_lab.store import SampleStore, counts, read_samples

MATH500 = load_benchmark("math500")[:5]


def write_lines(path, lines):
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    return path


# ---------------------------------------------------------------- qwen-eval (the paper's harness)

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


def limit_of_rlvr_seed(path, seed: int, problems, verdicts, finish):
    """A file as limit-of-RLVR's math/examples/math_eval/math_eval.py writes it (save_jsonl of
    {idx, question, gt_cot, gt, ..., code, pred, report, finish_reason, score}), one per seed."""
    lines = []
    for idx, (p, score) in enumerate(zip(problems, verdicts)):
        lines.append({"idx": idx, "question": p["question"], "gt_cot": "", "gt": p["answer"],
                      "answer": p["answer"], "code": [f"seed {seed} sample {j}" for j in range(len(score))],
                      "pred": [p["answer"] if ok else "0" for ok in score], "report": [None] * len(score),
                      "finish_reason": finish[:len(score)], "score": score})
    return write_lines(path / f"test_qwen-boxed_-1_seed{seed}_t0.6_s0_e-1.jsonl", lines)


def test_seed_files_combine_with_renumbered_samples_and_benchmark_ids(tmp_path, capsys):
    seed0 = limit_of_rlvr_seed(tmp_path, 0, MATH500[:3], [[True, False], [False, False], [True, True]],
                               ["stop", "length"])
    seed1 = limit_of_rlvr_seed(tmp_path, 1, MATH500[:3], [[False, False], [True, False], [True, True]],
                               ["length", "stop"])
    out = tmp_path / "run"
    assert main(["import", "qwen-eval", str(seed0), str(seed1), "--benchmark", "math500", "--model", "rl",
                 "-o", str(out), "--quiet"]) == 0
    df = read_samples(out)
    first = MATH500[0]["problem_id"]
    assert df[df["problem_id"] == first][["sample_id", "completion", "finish_reason", "correct"]].values.tolist() == [
        [0, "seed 0 sample 0", "stop", True], [1, "seed 0 sample 1", "length", False],
        [2, "seed 1 sample 0", "length", False], [3, "seed 1 sample 1", "stop", False]]
    table = counts(out).set_index("problem_id")
    assert table.loc[[p["problem_id"] for p in MATH500[:3]], ["n", "correct"]].values.tolist() == [
        [4, 1], [4, 1], [4, 4]]
    manifest = SampleStore.open(out).manifest
    assert manifest["benchmark"]["sha256"] == benchmark_info("math500")["sha256"]
    assert [s["path"] for s in manifest["imported"]["sources"]] == [str(seed0), str(seed1)]
    # The same file twice would duplicate its samples.
    assert main(["import", "qwen-eval", str(seed0), str(seed0), "--model", "rl", "-o", str(tmp_path / "r2")]) == 2
    assert "given twice" in capsys.readouterr().err


def test_concatenate_renumbers_per_problem():
    import pandas as pd

    a = pd.DataFrame({"problem_id": ["0", "1", "0"], "sample_id": [0, 0, 1]})
    b = pd.DataFrame({"problem_id": ["1", "2"], "sample_id": [0, 0]})
    assert concatenate([a, b]).values.tolist() == [["0", 0], ["1", 0], ["0", 1], ["1", 1], ["2", 0]]


def test_import_command_writes_a_store_that_counts(tmp_path, capsys):
    src = write_lines(tmp_path / "s.jsonl", QWEN)
    assert main(["import", "qwen-eval", str(src), "--model", "rl", "-o", str(tmp_path / "run"), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("skipped: ") == 5 and "line 3" in captured.err
    table = counts(tmp_path / "run").set_index("problem_id")
    assert table.loc[["0", "2"], ["n", "correct"]].values.tolist() == [[3, 2], [1, 1]]
    assert set(table["model"]) == {"rl"}
    assert set(read_samples(tmp_path / "run")["finish_reason"]) == {"unknown"}  # this file does not record it


@pytest.mark.parametrize("lines,message", [([], "no readable samples"), (["{bad"], "line 1: invalid JSON")])
def test_nothing_readable_is_an_input_error(tmp_path, lines, message):
    path = tmp_path / "s.jsonl"
    path.write_text("".join(line + "\n" for line in lines))
    with pytest.raises(InputError, match=message):
        read_qwen_eval(path)


def test_missing_file_exits_2(tmp_path, capsys):
    assert main(["import", "qwen-eval", str(tmp_path / "nope.jsonl"), "--model", "m", "-o", str(tmp_path / "r")]) == 2
    assert "nope.jsonl" in capsys.readouterr().err


# ---------------------------------------------------------------- benchmark ids

def test_ids_map_by_text_then_index_and_refuse_ambiguity(tmp_path):
    problems = tmp_path / "bench.jsonl"
    write_lines(problems, [{"problem_id": "a", "question": "What is 1+1?", "answer": "2"},
                           {"problem_id": "b", "question": "What is  2+2?", "answer": "4"},
                           {"problem_id": "c", "question": "What is 1+1?", "answer": "2"},
                           {"problem_id": "d", "question": "Name a prime.", "answer": "2"}])

    def qwen(idx, question=None):
        rec = {"idx": idx, "code": ["\\boxed{2}"], "pred": ["2"], "score": [True]}
        return rec if question is None else {**rec, "question": question}

    def imported(*records):
        src = write_lines(tmp_path / f"q{len(list(tmp_path.iterdir()))}.jsonl", list(records))
        store, _ = import_samples("qwen-eval", src, tmp_path / f"run{len(list(tmp_path.iterdir()))}", "m",
                                  benchmark=str(problems))
        return sorted(store.read()["problem_id"])

    assert imported(qwen(0, "What is 2+2?"), qwen(5, "Name a   prime.")) == ["b", "d"]  # whitespace aside
    assert imported(qwen(3)) == ["d"]  # no text: by index
    assert imported(qwen(2, "What is 1+1?")) == ["c"]  # the same text twice: the index decides
    with pytest.raises(InputError, match="matches 2 problems .*ambiguous"):
        imported(qwen(1, "What is 1+1?"))
    with pytest.raises(InputError, match="matches no problem"):
        imported(qwen(0, "What is 3+3?"))
    with pytest.raises(InputError, match="not an index"):
        imported(qwen(9))
    with pytest.raises(InputError, match="both map to"):
        imported(qwen(0, "Name a prime."), qwen(1, "Name a prime."))


# ---------------------------------------------------------------- lm-eval

def lm_eval_line(doc_id, doc, target, gens, filt="none"):
    """One sample as lm-eval >= 0.4.3 writes it (lm_eval/loggers/evaluation_tracker.py,
    save_results_samples: one JSON line per (document, filter))."""
    return {"doc_id": doc_id, "doc": doc, "target": target,
            "arguments": {"gen_args_0": {"arg_0": "Problem: ...", "arg_1": {"until": ["Problem:"]}}},
            "resps": [gens], "filtered_resps": [gens[0]], "filter": filt, "metrics": ["exact_match"],
            "doc_hash": "0" * 64, "prompt_hash": "1" * 64, "target_hash": "2" * 64, "exact_match": 0.0}


def test_lm_eval_log_samples_are_regraded_per_generation(tmp_path):
    lines = [
        {"doc_id": 0, "target": "Natalia sold 48/2 = 24 clips in May.\n#### 72", "arguments": {},
         "resps": [["The answer is 72.", "The answer is 71.", "#### 72"]], "filtered_resps": ["72"],
         "exact_match": 1.0},
        {"doc_id": 1, "target": "5", "resps": [["\\boxed{5}"]]},
        {"doc_id": 2, "target": "5", "resps": "oops"},
        {"doc_id": 3, "resps": [["x"]], "target": True},
    ]
    df, skipped = read_lm_eval(write_lines(tmp_path / "samples_gsm8k.jsonl", lines))
    assert df[["problem_id", "sample_id", "correct"]].values.tolist() == [
        ["0", 0, True], ["0", 1, False], ["0", 2, True], ["1", 0, True]]
    assert [m.split(": ")[1] for m in skipped] == ["line 3", "line 4"]


def test_lm_eval_filter_lines_fold_quietly_and_old_arrays_read(tmp_path):
    doc = {"problem": "What is 2+3?", "answer": "5"}
    lines = [lm_eval_line(0, doc, "5", ["\\boxed{5}", "\\boxed{6}"], "strict-match"),
             lm_eval_line(0, doc, "5", ["\\boxed{5}", "\\boxed{6}"], "flexible-extract"),
             lm_eval_line(1, doc, "5", ["\\boxed{5}"], "strict-match"),
             lm_eval_line(1, doc, "5", ["\\boxed{4}"], "strict-match")]  # a real duplicate: reported
    df, skipped = read_lm_eval(write_lines(tmp_path / "samples_math_2025.jsonl", lines))
    assert df[["problem_id", "sample_id", "correct"]].values.tolist() == [
        ["0", 0, True], ["0", 1, False], ["1", 0, True]]
    assert len(skipped) == 1 and "line 4: duplicate doc_id 1" in skipped[0]
    # lm-eval 0.4.0-0.4.2 (lm_eval/__main__.py): json.dumps(samples[task_name], indent=2) into one
    # '<model_args>_<task>.jsonl' file: a JSON array, not JSON lines.
    old = tmp_path / "pretrained__m_gsm8k.jsonl"
    old.write_text(json.dumps([{k: v for k, v in line.items() if k != "filter"} for line in lines[:1]], indent=2))
    df, skipped = read_lm_eval(old)
    assert df[["problem_id", "correct"]].values.tolist() == [["0", True], ["0", False]] and skipped == []


def own_math500_store(path, model, verdicts):
    """The package's own math500 store, written through the store API with the sample command's manifest fields."""
    manifest = {"model": model, "benchmark": benchmark_info("math500"), "template": "qwen-boxed",
                "sampling": {"n": len(verdicts[0]), "temperature": 0.6}}
    rows = [{"problem_id": p["problem_id"], "sample_id": j, "completion": "\\boxed{0}", "n_tokens": 5,
             "finish_reason": "stop", "extracted": "0", "correct": ok}
            for p, oks in zip(MATH500, verdicts) for j, ok in enumerate(oks)]
    import pandas as pd

    with SampleStore.create(path, manifest) as store:
        store.write_shard(pd.DataFrame(rows).astype({"sample_id": "int32", "n_tokens": "int32"}))
    return path


def test_compare_pairs_an_imported_lm_eval_file_with_the_packages_own_store(tmp_path, capsys):
    # lm-eval's document order differs from ours: the problem text decides the id.
    order = [3, 0, 4, 1, 2]
    def gens(k):  # problems 0 and 3 solved by the first generation
        return [f"\\boxed{{{MATH500[k]['answer']}}}" if k in (0, 3) else "\\boxed{-1}", "\\boxed{-1}"]

    lines = [lm_eval_line(i, {"problem": MATH500[k]["question"], "answer": MATH500[k]["answer"]},
                          MATH500[k]["answer"], gens(k)) for i, k in enumerate(order)]
    src = write_lines(tmp_path / "samples_hendrycks_math500_2025-01-01T00-00-00.jsonl", lines)
    assert main(["import", "lm-eval", str(src), "--benchmark", "math500", "--model", "rl", "-o",
                 str(tmp_path / "rl"), "--quiet"]) == 0
    own_math500_store(tmp_path / "base", "base", [[True, False], [False, False], [True, True], [False, False],
                                                   [False, True]])
    capsys.readouterr()
    assert main(["compare", str(tmp_path / "base"), str(tmp_path / "rl"), "--base", "base", "--rl", "rl",
                 "--format", "json", "--n-boot", "10"]) == 0
    report = json.loads(capsys.readouterr().out)
    ids = [p["problem_id"] for p in MATH500]
    assert (report["both"], report["base_only"], report["compared_only"], report["neither"]) == (1, 2, 1, 1)
    assert report["base_only_ids"] == sorted([ids[2], ids[4]]) and report["compared_only_ids"] == [ids[3]]


# ---------------------------------------------------------------- EvalPlus

def evalplus_results(path, statuses):
    """eval_results.json as evalplus/evaluate.py writes it: {"date", "hash", "eval": {task_id: [
    {task_id, solution, base_status, plus_status, base_fail_tests, plus_fail_tests}, ...]}}."""
    path.write_text(json.dumps({"date": "2025-01-01 00:00", "hash": "abc", "eval": {
        tid: [{"task_id": tid, "solution": "...", "base_status": b, "plus_status": p, "base_fail_tests": [],
               "plus_fail_tests": []} for b, p in rows] for tid, rows in statuses.items()}}))
    return path


def test_evalplus_verdict_needs_base_and_plus(tmp_path):
    samples = write_lines(tmp_path / "samples.jsonl", [
        {"task_id": "HumanEval/0", "solution": "def f(): pass"},
        {"task_id": "HumanEval/0", "solution": "def f(): return 1"},
        {"task_id": "HumanEval/0", "solution": "def f(): return 2"},
        {"task_id": "HumanEval/1", "completion": "    return 2\n"},
        {"task_id": "HumanEval/1"},
    ])
    results = evalplus_results(tmp_path / "eval_results.json", {
        "HumanEval/0": [("pass", "fail"), ("pass", "pass"), ("fail", "pass")], "HumanEval/1": [("pass", "pass")]})
    df, skipped = read_evalplus(samples, results)
    assert df[["problem_id", "sample_id", "correct"]].values.tolist() == [
        ["HumanEval/0", 0, False], ["HumanEval/0", 1, True], ["HumanEval/0", 2, False], ["HumanEval/1", 0, True]]
    assert len(skipped) == 1 and "line 5" in skipped[0]
    evalplus_results(results, {"HumanEval/0": []})
    with pytest.raises(InputError, match="no verdict for HumanEval/0 sample 0"):
        read_evalplus(samples, results)
    evalplus_results(results, {"HumanEval/0": [("pass", None)] * 3, "HumanEval/1": [("pass", None)]})  # --base-only
    with pytest.raises(InputError, match="no plus_status"):
        read_evalplus(samples, results)


def test_evalplus_samples_directory(tmp_path):
    # evalplus.codegen writes <root>/<task_id with '/' as '_'>/<i>.py, whole programs, read back by
    # evalplus/data/utils.py load_solutions (a folder of task folders of '<i>.py').
    root = tmp_path / "humaneval" / "m_vllm_temp_0.8"
    for tid, programs in {"HumanEval_0": ["def f():\n    return 0\n", "def f():\n    return 1\n"],
                          "HumanEval_12": ["def g():\n    pass\n"]}.items():
        (root / tid).mkdir(parents=True)
        for i, program in enumerate(programs):
            (root / tid / f"{i}.py").write_text(program)
    (root / "HumanEval_12" / "notes.txt").write_text("x")
    results = evalplus_results(tmp_path / "eval_results.json", {
        "HumanEval/0": [("pass", "pass"), ("pass", "fail")], "HumanEval/12": [("pass", "pass")]})
    store, skipped = import_samples("evalplus", root, tmp_path / "run", "m", results=results)
    assert store.read()[["problem_id", "sample_id", "completion", "correct"]].values.tolist() == [
        ["HumanEval/0", 0, "def f():\n    return 0\n", True], ["HumanEval/0", 1, "def f():\n    return 1\n", False],
        ["HumanEval/12", 0, "def g():\n    pass\n", True]]
    assert len(skipped) == 1 and "notes.txt" in skipped[0]


@pytest.mark.sandbox
def test_evalplus_without_results_runs_the_benchmark_tests(tmp_path):
    he0 = next(p for p in load_benchmark("humaneval") if p["problem_id"] == "HumanEval/0")
    canonical = he0["answer"]
    samples = write_lines(tmp_path / "samples.jsonl", [
        {"task_id": "HumanEval/0", "completion": canonical},
        {"task_id": "HumanEval/0", "completion": "    return False\n"},
        {"task_id": "HumanEval/0", "solution": he0["prompt"] + canonical},
    ])
    store, skipped = import_samples("evalplus", samples, tmp_path / "run", model="m")
    assert read_samples(store.path)["correct"].tolist() == [True, False, True] and skipped == []


# ---------------------------------------------------------------- LiveCodeBench, verl, lighteval

def test_livecodebench_graded_list(tmp_path):
    # lcb_runner/runner/main.py: json.dump(save_eval_results, f, indent=4) into *_eval_all.json, each item from
    # lcb_runner/benchmarks/code_generation.py insert_output_evaluation: the problem's fields, output_list,
    # code_list, graded_list, pass@1 and metadata.
    def item(qid, graded):
        return {"question_title": "t", "question_content": f"Problem {qid}", "platform": "leetcode",
                "question_id": qid, "contest_id": "weekly-1", "contest_date": "2024-05-01T00:00:00",
                "starter_code": "", "difficulty": "easy", "output_list": [f"```python\nprint({i})\n```" for i in
                                                                          range(len(graded))],
                "code_list": [f"print({i})" for i in range(len(graded))], "graded_list": graded,
                "pass@1": graded.count(True) / len(graded), "metadata": ["{}"] * len(graded)}
    path = tmp_path / "Scenario.codegeneration_3_0.2_eval_all.json"
    broken = {**item("3000", [True]), "graded_list": [1]}
    path.write_text(json.dumps([item("2999", [True, False, True]), item("abc123", [False]), broken], indent=4))
    df, skipped = read_livecodebench(path)
    assert df[["problem_id", "sample_id", "extracted", "correct"]].values.tolist() == [
        ["2999", 0, "print(0)", True], ["2999", 1, "print(1)", False], ["2999", 2, "print(2)", True],
        ["abc123", 0, "print(0)", False]]
    assert df["completion"].iloc[0].startswith("```python") and len(skipped) == 1 and "item 3" in skipped[0]
    with pytest.raises(InputError, match="not a LiveCodeBench"):
        read_livecodebench(write_lines(tmp_path / "x.json", [{"question_id": 1}]))


def test_verl_validation_dump(tmp_path):
    # verl/trainer/ppo/ray_trainer.py _dump_generations: <global_steps>.jsonl, one line per generation with
    # input, output, gts, score, step and the reward function's extra keys (acc, pred) when it returns a dict.
    prompts = ["<|im_start|>user\nWhat is 2+3?<|im_end|>\n<|im_start|>assistant\n",
               "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n"]
    lines = [{"input": prompts[0], "output": "\\boxed{5}", "gts": "5", "score": 1.0, "step": 100, "acc": True,
              "pred": "5"},
             {"input": prompts[0], "output": "\\boxed{6}", "gts": "5", "score": -1.0, "step": 100, "acc": False,
              "pred": "6"},
             {"input": prompts[1], "output": "\\boxed{4}", "gts": "4", "score": 1.0, "step": 100, "acc": True,
              "pred": "4"},
             {"input": prompts[1], "output": "x", "gts": "4", "score": "high", "step": 100}]
    df, skipped = read_verl(write_lines(tmp_path / "100.jsonl", lines))
    assert df[["problem_id", "sample_id", "extracted", "correct"]].values.tolist() == [
        ["0", 0, "5", True], ["0", 1, "6", False], ["1", 0, "4", True]]
    assert len(skipped) == 1 and "line 4" in skipped[0]
    # Without 'acc' the score decides (verl's default math reward: 1.0 or 0.0).
    plain = [{**{k: v for k, v in line.items() if k not in ("acc", "pred")}, "score": float(line["acc"])}
             for line in lines[:3]]
    df, _ = read_verl(write_lines(tmp_path / "200.jsonl", plain))
    assert df["correct"].tolist() == [True, False, True]
    # --benchmark: the prompt holds the problem text inside the chat template (and the longest text it holds wins:
    # it also holds p0's "2+2?").
    bench = write_lines(tmp_path / "bench.jsonl", [{"problem_id": "p4", "question": "What is 2+2?", "answer": "4"},
                                                   {"problem_id": "p5", "question": "What is 2+3?", "answer": "5"},
                                                   {"problem_id": "p0", "question": "2+2?", "answer": "4"}])
    store, _ = import_samples("verl", tmp_path / "100.jsonl", tmp_path / "run", "m", benchmark=str(bench))
    assert sorted(set(store.read()["problem_id"])) == ["p4", "p5"]


def lighteval_details(path, details):
    """A details parquet as lighteval writes it (src/lighteval/logging/evaluation_tracker.py save_details:
    Dataset.from_list([asdict(detail) ...]) with its columns sorted, then to_parquet)."""
    from datasets import Dataset

    dataset = Dataset.from_list(details)
    dataset.select_columns(sorted(dataset.column_names)).to_parquet(str(path))
    return path


def test_lighteval_details_both_schemas(tmp_path):
    # Up to 0.9, DetailsLogger.Detail (src/lighteval/logging/info_loggers.py): example, instruction, full_prompt,
    # predictions, gold, metrics, specifics, ... (generative tasks: gold = doc.get_golds()).
    old = [{"example": MATH500[k]["question"], "instruction": "", "full_prompt": "Problem: ...",
            "num_effective_few_shots": 0, "num_asked_few_shots": 0,
            "predictions": [f"\\boxed{{{MATH500[k]['answer']}}}", "\\boxed{0}"], "gold": [MATH500[k]["answer"]],
            "metrics": {"math_pass@1:2_samples": 0.5}, "specifics": {"level": "1"}} for k in (3, 2)]
    df, skipped = read_lighteval(lighteval_details(tmp_path / "details_lighteval|math_500|0_2025.parquet", old))
    assert df[["problem_id", "sample_id", "correct"]].values.tolist() == [["0", 0, True], ["0", 1, False],
                                                                        ["1", 0, True], ["1", 1, False]]
    # From 0.10, Detail(doc: Doc, model_response: ModelResponse, metric: dict).
    new = [{"doc": {"query": f"Solve: {MATH500[k]['question']}", "choices": [MATH500[k]["answer"]], "gold_index": 0,
                    "task_name": "math_500"},
            "model_response": {"text": ["\\boxed{1}", f"\\boxed{{{MATH500[k]['answer']}}}"], "input_tokens": [],
                               "output_tokens": [[1], [2]]},
            "metric": {"pass@k": 0.5}} for k in (1, 4)]
    path = lighteval_details(tmp_path / "details_math_500_new.parquet", new)
    store, skipped = import_samples("lighteval", path, tmp_path / "run", "m", benchmark="math500")
    got = store.read()[["problem_id", "sample_id", "correct"]].values.tolist()
    assert got == [[MATH500[1]["problem_id"], 0, False], [MATH500[1]["problem_id"], 1, True],
                   [MATH500[4]["problem_id"], 0, False], [MATH500[4]["problem_id"], 1, True]] and skipped == []
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match="not a lighteval details parquet"):
        read_lighteval(tmp_path / "bad.parquet")
