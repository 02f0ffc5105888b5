r"""Prompt templates of the paper (Appendix E) plus ``raw``.

Each template turns a problem dict (``question``; code problems also
``prompt``) into the exact text the model continues.

>>> from boundary_lab.benchmarks.prompts import format_prompt
>>> print(format_prompt({"question": "1+1?"}, "qwen-boxed"))
<|im_start|>system
You are a helpful assistant.<|im_end|>
<|im_start|>user
1+1?
Please reason step by step, and put your final answer within \boxed{}.<|im_end|>
<|im_start|>assistant
<BLANKLINE>
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..errors import InputError

__all__ = ["PromptTemplate", "TEMPLATES", "format_prompt", "qwen_chat"]

# Appendix E, SimpleRL: 'system "You are a helpful assistant."; user "{question}\nPlease reason
# step by step, and put your final answer within \boxed{}."; in Qwen chat format'
BOXED_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."
QWEN_SYSTEM = "You are a helpful assistant."
# Appendix E, VeRL runs (§4.3), verbatim.
VERL_THINK = (
    "A conversation between User and Assistant. The user asks a question, and the Assistant solves it. "
    "The assistant first thinks about the reasoning process in the mind and then provides the user with "
    "the answer. The reasoning process and answer are enclosed within <think> </think> and <answer> "
    "</answer> tags, respectively, i.e., <think> reasoning process here </think> <answer> answer here "
    "</answer>. User: {question} Assistant:"
)
# Appendix E, HumanEval+ / MBPP+ (the EvalPlus prompt) and its assistant prefill.
CODE_USER = (
    "Please provide a self-contained Python script that solves the following problem in a markdown "
    "code block:\n```\n{task}\n```"
)
CODE_PREFILL = (
    "Below is a Python script with a self-contained function that solves the problem and passes "
    "corresponding tests:\n```python\n"
)


def qwen_chat(user: str, system: str | None = None, assistant_prefix: str = "") -> str:
    """Qwen ChatML text ending in an open assistant turn (optionally prefilled)."""
    parts = []
    if system is not None:
        parts.append(f"<|im_start|>system\n{system}<|im_end|>\n")
    parts.append(f"<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n{assistant_prefix}")
    return "".join(parts)


def _question(problem: Mapping) -> str:
    try:
        return str(problem["question"])
    except KeyError:
        raise InputError(f"problem {problem.get('problem_id', '?')!r}: missing field 'question'") from None


def _code_task(problem: Mapping) -> str:
    return str(problem.get("prompt") or _question(problem))


@dataclass(frozen=True)
class PromptTemplate:
    name: str = field(metadata={"help": "registry name, e.g. 'qwen-boxed'"})
    build: Callable[[Mapping], str] = field(metadata={"help": "problem dict -> prompt text"})
    description: str = field(default="", metadata={"help": "where the template comes from"})


TEMPLATES: dict[str, PromptTemplate] = {
    t.name: t
    for t in (
        PromptTemplate(
            "qwen-boxed",
            lambda p: qwen_chat(f"{_question(p)}\n{BOXED_INSTRUCTION}", system=QWEN_SYSTEM),
            "SimpleRL-Zoo zero-shot prompt, the paper's default for math (Appendix E)",
        ),
        PromptTemplate(
            "oat-zero",
            lambda p: qwen_chat(_question(p), system=BOXED_INSTRUCTION),
            "Oat-Zero: the boxed instruction as system prompt (Appendix E)",
        ),
        PromptTemplate(
            "verl-think",
            lambda p: VERL_THINK.format(question=_question(p)),
            "VeRL runs of §4.3: <think>/<answer> tags, plain text (Appendix E)",
        ),
        PromptTemplate(
            "code-plus",
            lambda p: qwen_chat(CODE_USER.format(task=_code_task(p)), assistant_prefix=CODE_PREFILL),
            "HumanEval+/MBPP+ (EvalPlus) prompt, assistant turn prefilled with ```python (Appendix E)",
        ),
        PromptTemplate(
            "raw",
            lambda p: str(p.get("prompt") or _question(p)),
            "the problem text itself (a pre-formatted 'prompt' field wins), for base-model completion",
        ),
    )
}


def format_prompt(problem: Mapping, template: str = "qwen-boxed") -> str:
    """The prompt text for ``problem`` under the named template."""
    if template not in TEMPLATES:
        raise InputError(f"unknown prompt template {template!r}; known: {', '.join(TEMPLATES)}")
    return TEMPLATES[template].build(problem)
