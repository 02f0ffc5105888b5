"""One step of our GRPO and DAPO against TRL's GRPOTrainer on the same weights and rollouts (issue 26).

``scripts/trl_crosscheck.py onestep`` hands the 128 rollouts our trainer sampled to TRL (``rollout_func``),
replays TRL's minibatch partition on our side and compares 4 minibatch updates. On a micro base the
clip acts from the second minibatch on (clip_frac 0.3-2%), so the clip, the loss aggregation and the
advantage normalisation all enter the compared numbers.
"""
import importlib.util
from pathlib import Path

import pytest

PINNED_TRL = "1.16.0"  # pyproject.toml's trl extra: the check uses rollout_func and TRL internals of this version

trl = pytest.importorskip("trl", reason="TRL is not installed: pip install -e '.[trl]' (make setup installs it)")
if trl.__version__ != PINNED_TRL:
    pytest.skip(f"TRL {trl.__version__} is installed; the one-step check is written against TRL {PINNED_TRL} "
                "(pip install -e '.[trl]')", allow_module_level=True)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
REL = 1e-5  # the bar: agreement to about 1e-5, relative, per minibatch


def crosscheck():
    spec = importlib.util.spec_from_file_location("trl_crosscheck", ROOT / "scripts" / "trl_crosscheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    from boundary_lab.micro.config import MicroConfig
    from boundary_lab.micro.pipeline import Pipeline

    # The tiny world, pretrained long enough (800 steps, ~25 CPU-s) that some rollouts are right: after the
    # preset's 40 steps every reward is 0, every advantage 0, and both trainers would agree vacuously.
    cfg = MicroConfig.preset("tiny", config={"pretrain.steps": 800})
    pipe = Pipeline(cfg, tmp_path_factory.mktemp("micro"), progress=False)
    pipe.run_pretrain()
    return crosscheck().onestep(pipe.base_dir(), tmp_path_factory.mktemp("onestep"))


@pytest.mark.parametrize("case", ["grpo", "dapo_vs_bnpo"])
def test_our_update_equals_trls(results, case):
    r = results["cases"][case]
    assert r["groups_with_signal"] >= 3, r  # some groups have mixed rewards: the advantages are not all 0
    assert len(r["minibatches"]) == 4
    for mb in r["minibatches"]:  # loss, gradient norm and the gradient itself (after the norm clip)
        assert mb["loss_rel"] < REL and mb["grad_norm_rel"] < REL and mb["gradient_rel"] < REL, mb
    assert any(mb["clip_frac_ours"] > 0 for mb in r["minibatches"][1:]), "the clip never acted"
    assert r["advantage_max_abs_diff"] < 1e-6
    # The weights after 4 AdamW steps (|w_ours - w_trl| / |w_trl| over all parameters). Not the update itself
    # (weights minus base): Adam divides by sqrt(v), so float noise in tiny gradient entries is magnified
    # (measured 5e-6 to 3e-4 relative for updates whose gradients agree to 1e-6).
    assert r["weights_rel_diff"] < REL, r


def test_our_dapo_is_not_trls_dapo_loss(results):
    # TRL's "dapo" divides each minibatch by the generation batch's tokens / steps_per_generation, ours by the
    # minibatch's own tokens ("bnpo"): they differ on every minibatch whose token count is not the average.
    r = results["cases"]["dapo_vs_dapo"]
    assert max(mb["loss_rel"] for mb in r["minibatches"]) > 1e-3
    assert r["update_rel_diff"] > 1e-3


def test_the_shipped_epsilon_is_visible(results):
    # Our shipped advantage epsilon (VeRL's 1e-6) against TRL's 1e-4: the check can tell them apart.
    r = results["cases"]["grpo_shipped_eps"]
    assert r["advantage_eps"] == 1e-6 and r["advantage_max_abs_diff"] > 1e-4
    assert all(mb["loss_rel"] > REL for mb in r["minibatches"])
