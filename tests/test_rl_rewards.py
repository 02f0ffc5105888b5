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
    info = {"prompt": p.prompt, "modulus": TASK.modulus, "reward": "chain"}
    assert compute_score("micro", clean_trace(p), info) == 1.0
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


def test_check_tokens_world():
    # A world whose careful writers write each value twice: its clean traces pass only with check_tokens=1.
    task = TaskConfig(tier_size=4, careful_check_tokens=1)
    p = heldout_tiers(task)[0]
    trace = clean_trace(p)
    assert check(p, trace).correct
    assert micro_reward([p.prompt], [trace], task.modulus, "chain", check_tokens=1) == [1.0]
    assert micro_reward([p.prompt], [trace], task.modulus, "chain") == [0.0]
    assert micro_reward_fn(task.modulus, "chain", check_tokens=1)([p.prompt], [trace]) == [1.0]
    assert compute_score("micro", trace, {"prompt": p.prompt, "reward": "chain", "check_tokens": 1}) == 1.0
    assert compute_score("micro", trace, p.prompt, {"reward": "chain", "check_tokens": 1}) == 1.0
    assert compute_score("micro", trace, p.prompt, {"reward": "chain"}) == 0.0
    assert score(p.prompt, trace, task.modulus, "chain", 1) == 1.0 and score(p.prompt, trace, reward="chain") == 0.0
    assert parse_prompt(p.prompt, task.modulus, 1).check_tokens == 1


def test_defaults_and_per_row_arguments():
    p = PROBLEMS[2]
    good = clean_trace(p)
    toks = good.split()
    toks[3] = str((int(toks[3]) + 1) % TASK.modulus)  # a wrong first value; the answer stays right
    lucky = [" ".join(toks)]
    assert check(p, lucky[0]).answer_correct and not check(p, lucky[0]).correct
    assert micro_reward_fn().__name__ == "micro_answer"
    assert micro_reward_fn()([p.prompt], [good]) == [1.0]
    assert compute_score("micro", good, p.prompt) == 1.0  # modulus 13 and the answer reward by default
    assert score(p.prompt, good, reward="chain") == 1.0
    assert micro_reward([p.prompt] * 2, [lucky[0]] * 2, reward=["answer", "chain"]) == [1.0, 0.0]
    assert micro_reward([p.prompt] * 2, [good] * 2, check_tokens=[0, 1], reward="chain") == [1.0, 0.0]
    assert parse_prompt(p.prompt, TASK.modulus).problem_id == p.prompt
    assert parse_prompt(p.prompt, TASK.modulus).check_tokens == 0
    # Another modulus: 5 *3 is 1 mod 7 but 2 mod 13.
    assert compute_score("micro", "C 5 *3 1 A 1", "Q 5 *3 =", {"modulus": 7}) == 1.0
    assert compute_score("micro", "C 5 *3 1 A 1", "Q 5 *3 =") == 0.0


@pytest.mark.parametrize("call, message", [
    (lambda: parse_prompt("Q 5 *7", 13), "not a micro-world prompt"),
    (lambda: parse_prompt("Q 5 =", 13), "not a micro-world prompt"),
    (lambda: parse_prompt("X 5 +1 =", 13), "not a micro-world prompt"),
    (lambda: parse_prompt("Q 5 X7 =", 13), "not a micro-world prompt"),
    (lambda: micro_reward(["Q 1 +1 ="], [[{"role": "assistant"}]]), "expected a string"),
    (lambda: score("Q 1 +1 =", "x", reward="steps"), "must be one of answer, chain"),
    (lambda: micro_reward_fn(reward="steps"), "must be one of answer, chain"),
])
def test_more_bad_input(call, message):
    with pytest.raises(InputError, match=message):
        call()
