"""Plant one bug at a time in a scratch copy of boundary_lab/rl and check that the fast RL tests catch it.

Each bug changes one line that defines an algorithm (issue 9's audit, plus three more). The script
copies the package to a temporary directory, applies the change, runs the fast RL tests against the
copy (``PYTHONPATH`` first) and prints a markdown table: bug, file, caught (a test failed) or MISSED.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python scripts/planted_bugs.py [substring ...]`` (about 20 s per bug on
one core; substrings restrict the run to the bugs whose name contains one of them).
Exit status 1 if any bug is missed.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TESTS = ["tests/test_rl_definitions.py", "tests/test_rl_losses.py", "tests/test_rl_advantages.py",
         "tests/test_rl_trainer.py"]

# (name, file under boundary_lab/rl, original text, planted text)
BUGS = [
    ("clip-higher turned off (upper clip = lower clip)", "trainer.py",
     "cfg.clip_eps,\n                                                cfg.clip_eps_high, token_level)",
     "cfg.clip_eps,\n                                                cfg.clip_eps, token_level)"),
    ("token-level loss turned off", "trainer.py",
     "token_level = bool(cfg.token_level_loss)", "token_level = False"),
    ("GAE lambda set to 0", "trainer.py",
     "cfg.gamma,\n                                                  cfg.gae_lambda)",
     "cfg.gamma,\n                                                  0.0)"),
    ("ReMax baseline sampled at T = 1, not greedily", "trainer.py",
     'derive_seed(cfg.seed, step, "greedy"), 0.0)', 'derive_seed(cfg.seed, step, "greedy"), 1.0)'),
    ("KL dropped from the REINFORCE++ reward", "trainer.py",
     "adv.reinforce_pp_advantages(scores, mask.cpu(), kl, cfg.kl_coef, cfg.gamma)",
     "adv.reinforce_pp_advantages(scores, mask.cpu(), None, cfg.kl_coef, cfg.gamma)"),
    ("KL loss never applied", "trainer.py",
     "loss = loss + cfg.kl_coef * kl", "loss = loss + 0.0 * kl"),
    ("entropy bonus's sign flipped", "trainer.py",
     "loss = loss - cfg.entropy_coef * bonus", "loss = loss + cfg.entropy_coef * bonus"),
    ("PPO critic never updated", "trainer.py",
     "            self.critic_optimizer.step()\n", "            pass\n"),
    ("reference reset made a no-op", "trainer.py",
     "self.reference = copy.deepcopy(self.policy).eval().requires_grad_(False)",
     "self.reference = self.reference"),
    ("dynamic sampling keeps all-equal groups", "trainer.py",
     "keep = (adv.dynamic_sampling_keep(np.asarray(rewards)) if cfg.dynamic_sampling",
     "keep = (np.ones(len(indices), dtype=bool) if cfg.dynamic_sampling"),
    ("ratio taken against the current policy (always 1)", "trainer.py",
     "clipped_surrogate(logp, data.old_logp[t],", "clipped_surrogate(logp, logp.detach(),"),
    ("one optimizer step per batch whatever minibatches says", "trainer.py",
     "n_mini = min(cfg.minibatches, len(batch))", "n_mini = 1"),
    ("PPO value clip ignored", "trainer.py",
     "data.returns[t], mask, cfg.value_clip, token_level)", "data.returns[t], mask, 1e9, token_level)"),
    ("entropy advantage: max instead of min (no clip at abs(A)/kappa)", "advantages.py",
     "psi = torch.minimum(alpha * entropy.detach(), advantages.abs() / kappa)",
     "psi = torch.maximum(alpha * entropy.detach(), advantages.abs() / kappa)"),
]


def run_one(name: str, rel: str, old: str, new: str) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory() as tmp:
        # The copy runs from its own directory: ``python -m pytest`` puts the working directory first on
        # sys.path, so the tests import the planted package, never the repository's.
        pkg = Path(tmp) / "boundary_lab"
        shutil.copytree(REPO / "boundary_lab", pkg, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(REPO / "tests", Path(tmp) / "tests", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(REPO / "pyproject.toml", tmp)
        path = pkg / "rl" / rel
        text = path.read_text()
        if text.count(old) != 1:
            raise SystemExit(f"{rel}: the line to change for {name!r} is not there exactly once")
        path.write_text(text.replace(old, new))
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-m", "not slow", "-p", "no:cacheprovider",
                               *TESTS], cwd=tmp, env=env, capture_output=True, text=True)
        if proc.returncode not in (0, 1):  # 1: a test failed; anything else: pytest itself did not run
            raise SystemExit(f"pytest could not run for {name!r}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
        first = next((ln for ln in proc.stdout.splitlines() if ln.startswith("FAILED")), "")
        return proc.returncode != 0, first.replace("FAILED ", "").split(" - ")[0]


def main(argv=None) -> int:
    only = (argv if argv is not None else sys.argv[1:])  # optional substrings: plant only the matching bugs
    print("| planted bug | file | result | first failing test |\n|---|---|---|---|")
    missed = 0
    for name, rel, old, new in BUGS:
        if only and not any(o in name for o in only):
            continue
        caught, first = run_one(name, rel, old, new)
        missed += not caught
        print(f"| {name} | rl/{rel} | {'caught' if caught else 'MISSED'} | {first} |", flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
