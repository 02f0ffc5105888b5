"""The micro-world's verifiable reward as plain functions that TRL and verl accept.

A micro-world prompt (``Q 5 *7 *2 +3 =``) holds its whole problem, so the reward
needs nothing but the prompt, the completion and the modulus. Two rewards, as in
the book: ``answer`` (1 when the final answer is right, the paper's reward) and
``chain`` (1 when every written step is also right).

- TRL (``GRPOTrainer(reward_funcs=[...])``): ``micro_reward(prompts, completions, **kwargs)``
  returns one float per completion; ``modulus`` and ``reward`` may come as keyword
  arguments or dataset columns. :func:`micro_reward_fn` binds them and gives the
  function a name TRL logs.
- verl (``custom_reward_function.path`` / ``name``): :func:`compute_score` with
  ``(data_source, solution_str, ground_truth, extra_info)``; ``ground_truth`` is
  the prompt (or a dict with ``prompt``, ``modulus``, ``reward``, ``check_tokens``).

So a user who outgrows the CPU can train with an existing engine and evaluate the
checkpoints here.

>>> micro_reward(["Q 5 *7 *2 +3 ="], ["C 5 *7 9 *2 5 +3 8 A 8"], modulus=13)
[1.0]
>>> micro_reward(["Q 5 *7 *2 +3 ="], ["C 5 *7 9 *2 6 +3 8 A 8"], modulus=13, reward="chain")   # lucky answer
[0.0]
>>> compute_score("micro", "C 5 *7 9 *2 5 +3 8 A 8", "Q 5 *7 *2 +3 =", {"modulus": 13})
1.0
"""
from __future__ import annotations

from typing import Callable

from ..errors import InputError
from ..micro.task import Problem, check

REWARDS = ("answer", "chain")
# The micro-world's default modulus (boundary_lab.micro.config.TaskConfig.modulus).
DEFAULT_MODULUS = 13


def parse_prompt(prompt: str, modulus: int, check_tokens: int = 0):
    """The :class:`~boundary_lab.micro.task.Problem` a micro-world prompt states.

    ``check_tokens`` is the world's ``TaskConfig.careful_check_tokens`` (not in the prompt).

    >>> parse_prompt("Q 5 *7 -2 =", 13).answer
    7
    """
    toks = prompt.split()
    try:
        if len(toks) < 4 or toks[0] != "Q" or toks[-1] != "=":  # at least one step
            raise ValueError
        steps = tuple((t[0], int(t[1:])) for t in toks[2:-1])
        if any(op not in "+-*" for op, _ in steps):
            raise ValueError
        problem = Problem(prompt, int(toks[1]) % modulus, steps, modulus, check_tokens=check_tokens)
    except ValueError:
        raise InputError(f"prompt {prompt!r}: not a micro-world prompt ('Q <start> <op><operand> ... =')") from None
    return problem


def _text(completion) -> str:
    """A completion as TRL passes it: a string, or a conversation whose last message holds the text."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion and isinstance(completion[-1], dict) \
            and isinstance(completion[-1].get("content"), str):
        return completion[-1]["content"]
    raise InputError(f"completion {completion!r}: expected a string or a list of chat messages")


def _per_item(value, i: int):
    return value[i] if isinstance(value, (list, tuple)) else value


def score(prompt: str, completion: str, modulus: int = DEFAULT_MODULUS, reward: str = "answer",
          check_tokens: int = 0) -> float:
    """1.0 or 0.0: the micro-world checker's verdict on one completion."""
    if reward not in REWARDS:
        raise InputError(f"reward={reward!r}: must be one of {', '.join(REWARDS)}")
    result = check(parse_prompt(prompt, int(modulus), int(check_tokens)), completion)
    return float(result.answer_correct if reward == "answer" else result.correct)


def micro_reward(prompts, completions, modulus=DEFAULT_MODULUS, reward="answer", check_tokens=0,
                 **kwargs) -> list[float]:
    """TRL reward-function signature: one reward per completion.

    ``modulus``, ``reward`` and ``check_tokens`` are scalars or per-row lists (TRL passes dataset
    columns as lists); other keyword arguments (``completion_ids``,
    ``trainer_state``, ...) are ignored.
    """
    if len(prompts) != len(completions):
        raise InputError(f"prompts ({len(prompts)}) and completions ({len(completions)}) differ in length")
    return [score(_text(p), _text(c), _per_item(modulus, i), _per_item(reward, i), _per_item(check_tokens, i))
            for i, (p, c) in enumerate(zip(prompts, completions))]


def micro_reward_fn(modulus: int = DEFAULT_MODULUS, reward: str = "answer",
                    check_tokens: int = 0) -> Callable[..., list[float]]:
    """:func:`micro_reward` with ``modulus`` and ``reward`` bound, named ``micro_<reward>`` for TRL's logs."""
    if reward not in REWARDS:
        raise InputError(f"reward={reward!r}: must be one of {', '.join(REWARDS)}")

    def fn(prompts, completions, **kwargs):
        return micro_reward(prompts, completions, modulus, reward, check_tokens)
    fn.__name__ = f"micro_{reward}"
    return fn


def compute_score(data_source, solution_str: str, ground_truth, extra_info=None) -> float:
    """verl's custom reward signature; ``ground_truth`` is the prompt or a dict with ``prompt`` (and
    ``modulus``, ``reward``, ``check_tokens``, which may also come in ``extra_info``)."""
    info = dict(extra_info or {})
    if isinstance(ground_truth, dict):
        info = {**info, **ground_truth}
        prompt = info.get("prompt")
    else:
        prompt = ground_truth
    if not isinstance(prompt, str):
        raise InputError(f"ground_truth {ground_truth!r}: expected the micro-world prompt")
    return score(prompt, solution_str, info.get("modulus", DEFAULT_MODULUS), info.get("reward", "answer"),
                 info.get("check_tokens", 0))
