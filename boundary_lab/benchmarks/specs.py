r"""Benchmark specs: where each benchmark lives and how its rows map to problems.

Every loader yields the same problem dict: ``problem_id``, ``question``,
``answer`` (the reference final answer as a string), and for code
``prompt``, ``test``, ``entry_point``. Each spec knows its local file
(relative to the data root), its Hugging Face hub id, the verifier kind (a row of
:data:`boundary_lab.verify.registry.VERIFIERS`: math, code, micro) and its default prompt template.

>>> SPECS["math500"].to_problem({"problem": "1+1?", "answer": "2", "unique_id": "test/x/1.json"}, 0)
{'problem_id': 'test/x/1.json', 'question': '1+1?', 'answer': '2'}
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..micro.task import heldout_tiers
from ..micro.task_config import TaskConfig
from ..verify.math_extract import extract_boxed, extract_gold

__all__ = ["BenchmarkSpec", "SPECS", "MissingField"]


class MissingField(KeyError):
    """A row lacks a field the mapping needs (the loader turns it into an InputError)."""


def _get(row: Mapping, *names: str):
    for name in names:
        if name in row and row[name] is not None:
            return row[name]
    raise MissingField(" or ".join(repr(n) for n in names))


def _id(row: Mapping, index: int, *names: str) -> str:
    for name in names:
        if row.get(name) is not None:
            return str(row[name])
    return str(index)


def _gsm8k(row: Mapping, index: int) -> dict:
    return {"problem_id": _id(row, index, "idx", "id"), "question": str(_get(row, "question")),
            "answer": extract_gold(str(_get(row, "answer")))}


def _math500(row: Mapping, index: int) -> dict:
    return {"problem_id": _id(row, index, "unique_id", "id"), "question": str(_get(row, "problem")),
            "answer": str(_get(row, "answer"))}


def _minerva(row: Mapping, index: int) -> dict:
    # The Qwen2.5-Math evaluation file has no answer field: the answer is the solution's last box.
    if row.get("answer") is not None:
        answer = str(row["answer"])
    else:
        answer = extract_boxed(str(_get(row, "solution")))
        if answer is None:
            raise MissingField("'solution' with a \\boxed{} answer")
    return {"problem_id": _id(row, index, "idx", "id"), "question": str(_get(row, "problem", "question")),
            "answer": answer}


def _olympiad(row: Mapping, index: int) -> dict:
    final = _get(row, "final_answer", "answer")
    parts = final if isinstance(final, list) else [final]
    # Multi-answer rows list each answer as '$...$', sometimes several in one string ('$69$,$84$');
    # the grader compares them as one set.
    answer = ",".join(str(p).replace("$", "").strip() for p in parts)
    return {"problem_id": _id(row, index, "id"), "question": str(_get(row, "question", "problem")),
            "answer": answer}


def _aime_amc(row: Mapping, index: int) -> dict:
    return {"problem_id": _id(row, index, "id"), "question": str(_get(row, "problem", "question")),
            "answer": str(_get(row, "answer"))}


def _humaneval(row: Mapping, index: int) -> dict:
    prompt = str(_get(row, "prompt"))
    return {"problem_id": _id(row, index, "task_id"), "question": prompt, "prompt": prompt,
            "test": str(_get(row, "test")), "entry_point": str(_get(row, "entry_point")),
            "answer": str(row.get("canonical_solution") or "")}


def user_problem(row: Mapping, index: int) -> dict:
    """A row of a user's JSONL: ``problem_id``, ``prompt`` or ``problem``/``question``, ``answer``.

    Rows with ``test`` and ``entry_point`` are code problems and need no answer.
    """
    problem = {"problem_id": str(_get(row, "problem_id")),
               "question": str(_get(row, "question", "problem", "prompt"))}
    if "prompt" in row:
        problem["prompt"] = str(row["prompt"])
    if "test" in row or "entry_point" in row:
        problem["test"] = str(_get(row, "test"))
        problem["entry_point"] = str(_get(row, "entry_point"))
        problem.setdefault("prompt", problem["question"])
        problem["answer"] = str(row.get("answer") or "")
    else:
        problem["answer"] = extract_gold(_get(row, "answer"))
    return problem


@dataclass(frozen=True)
class BenchmarkSpec:
    name: str = field(metadata={"help": "registry name"})
    local_path: str = field(
        metadata={"help": "file relative to a data root (shipped: boundary_lab/data; a .gz twin is accepted)"})
    to_problem: Callable[[Mapping, int], dict] = field(metadata={"help": "(row, index) -> problem dict"})
    verifier: str = field(
        default="math", metadata={"help": "verifier kind: a row of verify.registry.VERIFIERS (math, code, micro)"})
    template: str = field(default="qwen-boxed", metadata={"help": "default prompt template"})
    hub_id: str = field(default="", metadata={"help": "Hugging Face dataset id for datasets.load_dataset"})
    hub_config: str | None = field(default=None, metadata={"help": "dataset config name, if any"})
    hub_split: str = field(default="test", metadata={"help": "dataset split"})
    max_k: int = field(default=128, metadata={"help": "largest k the paper plots"})
    generate: Callable[[], list] | None = field(
        default=None, metadata={"help": "problems made by code, not read from a file (micro-world tiers)"})


def micro_tier(tier: str) -> Callable[[], list]:
    """The default micro-world's held-out tier as benchmark problems, graded by the micro checker."""
    def generate() -> list[dict]:
        return [{**dataclasses.asdict(p), "steps": [list(s) for s in p.steps], "question": p.prompt,
                 "answer": str(p.answer)} for p in heldout_tiers(TaskConfig()) if p.tier == tier]
    return generate


# Paper §Definitions: "n is the largest k on the curve: 128 for MATH500, Minerva and GSM8K;
# 1024 for AMC23 and AIME24; 128 for Olympiad with Qwen".
SPECS: dict[str, BenchmarkSpec] = {
    s.name: s
    for s in (
        BenchmarkSpec("gsm8k", "math/gsm8k/test.jsonl", _gsm8k, hub_id="openai/gsm8k", hub_config="main"),
        BenchmarkSpec("math500", "math/math500/test.jsonl", _math500, hub_id="HuggingFaceH4/MATH-500"),
        BenchmarkSpec("minerva", "math/minerva_math/test.jsonl", _minerva, hub_id="math-ai/minervamath"),
        BenchmarkSpec("olympiadbench", "math/olympiadbench/test.jsonl", _olympiad,
                      hub_id="Hothan/OlympiadBench", hub_config="OE_TO_maths_en_COMP", hub_split="train"),
        BenchmarkSpec("aime24", "math/aime24/test.jsonl", _aime_amc, hub_id="HuggingFaceH4/aime_2024",
                      hub_split="train", max_k=1024),
        BenchmarkSpec("amc23", "math/amc23/test.jsonl", _aime_amc, hub_id="math-ai/amc23", max_k=1024),
        BenchmarkSpec("humaneval", "code/humaneval/HumanEval.jsonl.gz", _humaneval, verifier="code",
                      template="code-plus", hub_id="openai/openai_humaneval"),
        # Our own MBPP-style suite (issue 25; not MBPP): tests that capture stdout, patch input,
        # seed random, share temp files, use numpy. HumanEval's record format.
        BenchmarkSpec("mbpp-style", "code/mbpp_style/test.jsonl.gz", _humaneval, verifier="code",
                      template="code-plus"),
        # The micro-world's held-out tiers (A: the shortcut is right, B: only the careful path works,
        # C: beyond pretraining lengths); `correct` is whole-chain-correct, like the micro pages.
        *(BenchmarkSpec(f"micro-tier{t}", "", dict, verifier="micro", template="raw", max_k=1024,
                        generate=micro_tier(t)) for t in "ABC"),
    )
}
