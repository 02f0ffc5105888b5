"""The micro-world reward in TRL's and verl's function signatures agrees with the pipeline's checker."""
import numpy as np
import pytest

from boundary_lab.errors import InputError
from boundary_lab.micro.config import TaskConfig
from boundary_lab.micro.task import check, clean_trace, heldout_tiers, noisy_trace, shortcut_trace
from boundary_lab.rl.rewards import compute_score, micro_reward, micro_reward_fn, parse_prompt, score

TASK = TaskConfig(tier_size=12)
PROBLEMS = heldout_tiers(TASK)


def traces(problem, rng):
    """Clean, shortcut (wrong on tier B) and noisy traces: right, wrong and lucky ones."""
    out = [clean_trace(problem), shortcut_trace(problem, TASK.misconception), "C 1 A 2", ""]
    for strategy in ("C", "S"):
        for _ in range(3):
            out.append(noisy_trace(problem, strategy, TASK.misconception, rng.random(16) < 0.3,
                                   rng.integers(1, TASK.modulus, 16)))
    return out


def test_rewards_agree_with_the_checker_on_heldout_problems():
    rng = np.random.default_rng(0)
    prompts, completions, answer, chain = [], [], [], []
    for problem in PROBLEMS:
        assert parse_prompt(problem.prompt, TASK.modulus).answer == problem.answer
        for text in traces(problem, rng):
            result = check(problem, text)
            prompts.append(problem.prompt)
            completions.append(text)
            answer.append(float(result.answer_correct))
            chain.append(float(result.correct))
    assert micro_reward(prompts, completions, modulus=TASK.modulus) == answer
    assert micro_reward(prompts, completions, modulus=TASK.modulus, reward="chain") == chain
    # Both outcomes occur, and lucky traces (right answer, wrong chain) tell the two rewards apart.
    assert 0 < sum(chain) < sum(answer) < len(answer)


def test_trl_calling_conventions():
    p = PROBLEMS[0]
    good, bad = clean_trace(p), "C 0 A 0"
    fn = micro_reward_fn(TASK.modulus, "chain")
    assert fn.__name__ == "micro_chain"
    # TRL passes dataset columns and its own extras as keyword lists; conversational completions are messages.
    got = fn(prompts=[p.prompt, p.prompt], completions=[[{"role": "assistant", "content": good}], bad],
             completion_ids=[[1], [2]], modulus=[99, 99], trainer_state=None)
    assert got == [1.0, float(check(p, bad).correct)]
    assert micro_reward([p.prompt] * 2, [good, good], modulus=[TASK.modulus, 5])[0] == 1.0


def test_verl_compute_score():
    p = PROBLEMS[1]
    assert compute_score("micro", clean_trace(p), p.prompt, {"modulus": TASK.modulus}) == 1.0
    assert compute_score("micro", clean_trace(p), {"prompt": p.prompt, "modulus": TASK.modulus, "reward": "chain"}) == 1.0
    assert compute_score("micro", "C 0 A 0", p.prompt, {"modulus": TASK.modulus}) == score(p.prompt, "C 0 A 0")


@pytest.mark.parametrize("call, message", [
    (lambda: parse_prompt("5 *7 =", 13), "not a micro-world prompt"),
    (lambda: parse_prompt("Q 5 /7 =", 13), "not a micro-world prompt"),
    (lambda: micro_reward(["Q 1 +1 ="], ["x", "y"]), "differ in length"),
    (lambda: micro_reward(["Q 1 +1 ="], ["x"], reward="steps"), "reward='steps'"),
    (lambda: micro_reward_fn(reward="steps"), "reward='steps'"),
    (lambda: micro_reward(["Q 1 +1 ="], [3]), "expected a string"),
    (lambda: compute_score("micro", "x", None), "expected the micro-world prompt"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises(InputError, match=message):
        call()
