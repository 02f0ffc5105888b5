"""Benchmark registry: local loaders, field mapping, user JSONL, prompt templates, sha256, errors."""
from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest

from boundary_lab.benchmarks import (
    SPECS,
    TEMPLATES,
    BenchmarkSpec,
    benchmark_info,
    data_file,
    data_root,
    dataset_sha256,
    format_prompt,
    load_benchmark,
    shipped_root,
)
from boundary_lab.errors import InputError

DATA = shipped_root()  # the files the package ships (boundary_lab/data)

# name, rows, first problem_id, first answer, verifier  (sizes from boundary_lab/data/README.md)
REGISTRY = [
    ("gsm8k", 1319, "0", "18", "math"),
    ("math500", 500, "test/precalculus/807.json", r"\left( 3, \frac{\pi}{2} \right)", "math"),
    ("minerva", 272, "0", "1.6", "math"),
    ("olympiadbench", 675, "1606", "2", "math"),
    ("aime24", 30, "60", "204", "math"),
    ("amc23", 40, "0", "27.0", "math"),
    ("humaneval", 164, "HumanEval/0", None, "code"),
]


@pytest.mark.parametrize("name, rows, first_id, first_answer, verifier", REGISTRY)
def test_registered_benchmark_loads_locally(name, rows, first_id, first_answer, verifier):
    problems = load_benchmark(name, root=DATA)
    assert len(problems) == rows
    assert len({p["problem_id"] for p in problems}) == rows
    assert problems[0]["problem_id"] == first_id
    assert SPECS[name].verifier == verifier
    assert all(p["question"] and isinstance(p["answer"], str) for p in problems)
    if verifier == "code":
        assert all(p["prompt"] and p["test"] and p["entry_point"].isidentifier() for p in problems)
    else:
        assert problems[0]["answer"] == first_answer
        assert all(p["answer"] for p in problems)


def test_registry_covers_the_paper_benchmarks():
    assert set(SPECS) == {"gsm8k", "math500", "minerva", "olympiadbench", "aime24", "amc23", "humaneval",
                          "micro-tierA", "micro-tierB", "micro-tierC", "mbpp-style"}
    # the hub path is configured for every public benchmark read from a file (micro-world tiers are made by
    # code; the MBPP-style suite was written for this package and exists only as package data)
    assert all(spec.hub_id for name, spec in SPECS.items() if spec.generate is None and name != "mbpp-style")
    assert SPECS["mbpp-style"].hub_id == ""
    assert SPECS["aime24"].max_k == 1024 and SPECS["math500"].max_k == 128


def test_gsm8k_answer_is_the_number_after_hashes():
    assert all("####" not in p["answer"] for p in load_benchmark("gsm8k", root=DATA))


def test_olympiad_multi_answers_are_joined_without_dollars():
    problems = load_benchmark("olympiadbench", root=DATA)
    assert all("$" not in p["answer"] for p in problems)
    assert any(p["answer"] == "69,84" for p in problems)


def _one_problem_aime(root: Path) -> None:
    (root / "math" / "aime24").mkdir(parents=True)
    (root / "math" / "aime24" / "test.jsonl").write_text(json.dumps({"id": 7, "problem": "p?", "answer": "5"}) + "\n")


def test_environment_root_comes_before_the_shipped_files(monkeypatch, tmp_path):
    _one_problem_aime(tmp_path)
    monkeypatch.setenv("BOUNDARY_LAB_DATA", str(tmp_path))
    assert data_root() == tmp_path.resolve()
    assert [p["answer"] for p in load_benchmark("aime24")] == ["5"]
    assert len(load_benchmark("math500")) == 500  # not under $BOUNDARY_LAB_DATA: the shipped copy


def test_explicit_root_comes_first_and_alone(monkeypatch, tmp_path):
    _one_problem_aime(tmp_path / "mine")
    monkeypatch.setenv("BOUNDARY_LAB_DATA", str(tmp_path / "mine"))
    assert len(load_benchmark("aime24", root=DATA)) == 30
    with pytest.raises(InputError, match="data file not found: math/math500/test.jsonl"):
        load_benchmark("math500", root=tmp_path / "mine")  # a named root is not silently left


def test_default_data_is_the_shipped_package_data(monkeypatch):
    monkeypatch.delenv("BOUNDARY_LAB_DATA", raising=False)
    assert data_root() == DATA
    assert DATA.parts[-2:] == ("boundary_lab", "data")
    assert data_file("math/gsm8k/example_model_solutions.jsonl").name == "example_model_solutions.jsonl.gz"


def test_missing_root_is_input_error(tmp_path, monkeypatch):
    with pytest.raises(InputError, match="data root not found: root="):
        load_benchmark("aime24", root=tmp_path / "nope")
    monkeypatch.setenv("BOUNDARY_LAB_DATA", str(tmp_path / "gone"))
    with pytest.raises(InputError, match="data root not found: BOUNDARY_LAB_DATA="):
        load_benchmark("aime24")


def test_a_benchmark_that_is_not_shipped_comes_from_the_hub(monkeypatch, tmp_path):
    # The hub loader is real (datasets.load_dataset); a local dataset folder stands in for a hub id.
    pytest.importorskip("datasets")
    standin = tmp_path / "standin"
    standin.mkdir()
    (standin / "test.jsonl").write_text("".join(json.dumps({"problem": f"q{i}", "answer": str(i)}) + "\n"
                                                for i in range(3)))
    spec = BenchmarkSpec("notshipped", "math/notshipped/test.jsonl",
                         lambda row, i: {"problem_id": str(i), "question": row["problem"], "answer": row["answer"]},
                         hub_id=str(standin))
    monkeypatch.setitem(SPECS, "notshipped", spec)
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "cache"))
    problems = load_benchmark("notshipped")
    assert [p["answer"] for p in problems] == ["0", "1", "2"]
    with pytest.raises(InputError, match="data file not found"):
        load_benchmark("notshipped", source="local")


def test_unknown_benchmark_is_input_error():
    with pytest.raises(InputError, match="unknown benchmark 'math5000'"):
        load_benchmark("math5000")


def test_limit():
    assert [p["problem_id"] for p in load_benchmark("aime24", root=DATA, limit=2)] == ["60", "61"]


def test_sha256_matches_the_published_files():
    # The shipped copy is gzipped; its digest is the published (uncompressed) file's.
    assert dataset_sha256(DATA / "math" / "aime24" / "test.jsonl.gz") == \
        "af2b8bd2aa911b6333ad0df32f3ca05c7ae8ed10f1731f4372c8ae26990bf7ac"
    info = benchmark_info("math500", root=DATA)
    assert info["sha256"] == "35dc41080a3680858b27fa7e0533d2d547825316fc5dafe5d316f4ccc5a06132"
    assert (info["verifier"], info["template"]) == ("math", "qwen-boxed")


def test_sha256_of_missing_file_is_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        dataset_sha256(tmp_path / "missing.jsonl")


# ------------------------------------------------------------------ user JSONL

def _write(path: Path, lines: list) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines))
    return path


@pytest.mark.parametrize("row, expected_question, expected_answer", [
    ({"problem_id": "a", "question": "1+1?", "answer": "2"}, "1+1?", "2"),
    ({"problem_id": "a", "problem": "2+2?", "answer": 4}, "2+2?", "4"),
    ({"problem_id": "a", "prompt": "Q: 3+3?\nA:", "answer": "6"}, "Q: 3+3?\nA:", "6"),
    ({"problem_id": "a", "question": "?", "answer": "so 5\n#### 5"}, "?", "5"),
])
def test_user_jsonl_rows(tmp_path, row, expected_question, expected_answer):
    problems = load_benchmark(_write(tmp_path / "mine.jsonl", [row]))
    assert problems[0]["question"] == expected_question and problems[0]["answer"] == expected_answer
    info = benchmark_info(str(tmp_path / "mine.jsonl"))
    assert info["name"] == "mine.jsonl" and info["verifier"] == "math"


def test_user_jsonl_code_rows(tmp_path):
    row = {"problem_id": "c1", "prompt": "def f():\n", "test": "def check(f): pass", "entry_point": "f"}
    problems = load_benchmark(_write(tmp_path / "code.jsonl", [row]))
    assert problems[0]["entry_point"] == "f" and problems[0]["prompt"] == "def f():\n"


def test_gzipped_user_jsonl(tmp_path):
    path = tmp_path / "p.jsonl.gz"
    with gzip.open(path, "wt") as fh:
        fh.write(json.dumps({"problem_id": "g", "question": "q", "answer": "1"}) + "\n")
    assert load_benchmark(path)[0]["problem_id"] == "g"


@pytest.mark.parametrize("lines, message", [
    (['{"problem_id": "a", "question": "q", "answer": "1"}', "{not json"], r"bad\.jsonl: line 2: invalid JSON"),
    (['[1, 2]'], r"line 1: expected a JSON object"),
    ([{"question": "q", "answer": "1"}], r"line 1: missing field 'problem_id'"),
    ([{"problem_id": "a", "answer": "1"}], r"line 1: missing field 'question' or 'problem' or 'prompt'"),
    ([{"problem_id": "a", "question": "q"}], r"line 1: missing field 'answer'"),
    ([{"problem_id": "a", "question": "q", "answer": None}], r"line 1: missing field 'answer'"),
    ([{"problem_id": "a", "question": "q", "answer": {"x": 1}}], r"line 1: bad field value"),
    ([{"problem_id": "a", "question": "q", "answer": "1"}, "", {"problem_id": "a", "question": "r", "answer": "2"}],
     r"line 3: duplicate problem_id 'a' \(first on line 1\)"),
    ([""], r"no problems found"),
])
def test_malformed_user_jsonl_names_file_line_and_field(tmp_path, lines, message):
    with pytest.raises(InputError, match=message):
        load_benchmark(_write(tmp_path / "bad.jsonl", lines))


def test_missing_user_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_benchmark(tmp_path / "none.jsonl")


def test_hub_source_without_datasets_says_how_to_install(monkeypatch):
    # The hub path is for users with network; without the 'datasets' package it must say what to install.
    monkeypatch.setitem(sys.modules, "datasets", None)  # what an environment without it sees
    with pytest.raises(RuntimeError, match=r"pip install 'boundary-lab\[hub\]'"):
        load_benchmark("aime24", source="hub")


def test_bad_source():
    with pytest.raises(InputError, match="source must be"):
        load_benchmark("aime24", root=DATA, source="s3")


# ------------------------------------------------------------------ prompt templates

PROBLEM = {"problem_id": "1", "question": "What is 1+1?", "answer": "2"}


@pytest.mark.parametrize("template, expected", [
    ("qwen-boxed",
     "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nWhat is 1+1?\n"
     "Please reason step by step, and put your final answer within \\boxed{}.<|im_end|>\n<|im_start|>assistant\n"),
    ("oat-zero",
     "<|im_start|>system\nPlease reason step by step, and put your final answer within \\boxed{}.<|im_end|>\n"
     "<|im_start|>user\nWhat is 1+1?<|im_end|>\n<|im_start|>assistant\n"),
    ("raw", "What is 1+1?"),
])
def test_math_templates(template, expected):
    assert format_prompt(PROBLEM, template) == expected


def test_verl_template_is_the_papers():
    text = format_prompt(PROBLEM, "verl-think")
    assert text.startswith("A conversation between User and Assistant.")
    assert "<think> reasoning process here </think> <answer> answer here </answer>" in text
    assert text.endswith("User: What is 1+1? Assistant:")


def test_code_template_wraps_the_humaneval_prompt_and_prefills():
    problem = load_benchmark("humaneval", root=DATA)[0]
    text = format_prompt(problem, "code-plus")
    assert "in a markdown code block:\n```\n" + problem["prompt"] + "\n```<|im_end|>" in text
    assert text.endswith("passes corresponding tests:\n```python\n")


def test_every_template_formats_every_benchmark_problem():
    for name in SPECS:
        problem = load_benchmark(name, root=DATA, limit=1)[0]
        for template in TEMPLATES:
            assert problem["question"][:20] in format_prompt(problem, template)


def test_unknown_template():
    with pytest.raises(InputError, match="unknown prompt template 'chatml'"):
        format_prompt(PROBLEM, "chatml")
