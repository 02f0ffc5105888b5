"""Teacher-forced log-probs and perplexity (hf path; the vLLM agreement is in test_sampling_vllm.py)."""
import json
import math

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from boundary_lab.cli import main
from boundary_lab.scoring import encode_pairs, perplexity, score_pairs, token_logprobs_hf
from boundary_lab.tiny_models import make_tiny_model

PAIRS = [("short", " a long long response here, ok"), ("a much longer prompt with many words in it", " x"),
         ("p", ""), ("Q: 2+2?", " The answer is \\boxed{4}.")]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = make_tiny_model(tmp_path_factory.mktemp("m"), arch="qwen2", hidden=64, layers=2, seed=3)
    return path, AutoModelForCausalLM.from_pretrained(path), AutoTokenizer.from_pretrained(path)


@pytest.mark.parametrize("batch_size", [1, 2, 8])
def test_batched_left_padded_scoring_equals_one_unpadded_forward(tiny, batch_size):
    _, model, tok = tiny
    got = token_logprobs_hf(model, tok, PAIRS, batch_size=batch_size)
    for (prompt_ids, response_ids), lps in zip(encode_pairs(tok, PAIRS), got):
        assert len(lps) == len(response_ids)
        with torch.no_grad():
            logp = torch.log_softmax(model(torch.tensor([prompt_ids + response_ids])).logits[0], -1)
        ref = [logp[len(prompt_ids) - 1 + t, x].item() for t, x in enumerate(response_ids)]
        assert lps == pytest.approx(ref, abs=1e-5)


@pytest.mark.parametrize("logprobs,expected", [([-1.0], math.e), ([-1.0, -3.0], math.exp(2)), ([0.0], 1.0)])
def test_perplexity(logprobs, expected):
    assert perplexity(logprobs) == pytest.approx(expected)
    assert math.isnan(perplexity([]))


def test_a_response_the_model_prefers_has_lower_perplexity(tiny):
    path, model, tok = tiny
    prompt = "1 2 3"
    with torch.no_grad():
        ids = tok(prompt).input_ids
        best = model(torch.tensor([ids])).logits[0, -1].argmax().item()
        worst = model(torch.tensor([ids])).logits[0, -1].argmin().item()
    table = score_pairs((model, tok), [(prompt, tok.decode([best])), (prompt, tok.decode([worst]))])
    assert table["perplexity"][0] < table["perplexity"][1]
    assert table["n_tokens"].tolist() == [1, 1]


def test_ppl_command_on_jsonl_and_store(tiny, tmp_path, capsys):
    path, _, _ = tiny
    src = tmp_path / "pairs.jsonl"
    src.write_text("\n".join(json.dumps({"problem_id": str(i), "prompt": p, "response": r})
                             for i, (p, r) in enumerate(PAIRS)) + "\n")
    assert main(["ppl", "--model", str(path), "--samples", str(src), "--quiet", "-o", str(tmp_path / "o.csv")]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["responses"] == 4 and summary["mean_perplexity"] > 1
    bench = tmp_path / "p.jsonl"
    bench.write_text(json.dumps({"problem_id": "a", "question": "1+1?", "answer": "2"}) + "\n")
    assert main(["sample", "--model", str(path), "--benchmark", str(bench), "--n", "3", "--backend", "hf",
                 "--out", str(tmp_path / "run"), "--max-new-tokens", "6", "--template", "raw", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["ppl", "--model", str(path), "--samples", str(tmp_path / "run"), "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["responses"] == 3


@pytest.mark.parametrize("line,message", [("{bad", "line 2: invalid JSON"), ('{"prompt": "x"}', "line 2: need")])
def test_ppl_command_rejects_bad_lines(tiny, tmp_path, capsys, line, message):
    src = tmp_path / "pairs.jsonl"
    src.write_text(json.dumps({"prompt": "a", "response": "b"}) + "\n" + line + "\n")
    assert main(["ppl", "--model", str(tiny[0]), "--samples", str(src)]) == 2
    assert message in capsys.readouterr().err
