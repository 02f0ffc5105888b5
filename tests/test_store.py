"""The sample store: atomic shards, reconciliation after a crash, counts, merge."""
import json

import pandas as pd
import pytest

from boundary_lab.cli import main
from boundary_lab.errors import InputError
from boundary_lab.store import SampleStore, counts, merge, read_samples

IDENTITY = {"model": "m", "benchmark": {"name": "b", "sha256": "aa"}, "template": "raw",
            "sampling": {"n": 2, "temperature": 0.6, "seed": 0}, "model_identity": {"path": "/m", "sha256": "w"}}


def rows(pids, n=2, correct=None, **extra):
    out = []
    for pid in pids:
        for j in range(n):
            ok = bool(correct[pid][j]) if correct else j == 0
            out.append({"problem_id": pid, "sample_id": j, "completion": f"{pid}-{j}", "n_tokens": 3,
                        "finish_reason": "stop", "extracted": str(j), "correct": ok,
                        **{k: v[pid][j] for k, v in extra.items()}})
    return pd.DataFrame(out)


def new_store(tmp_path, name="run", **identity):
    return SampleStore.create(tmp_path / name, {**IDENTITY, **identity})


def test_roundtrip_counts_and_extra_verdicts(tmp_path):
    store = new_store(tmp_path)
    store.write_shard(rows(["p1", "p2"], n=3, correct={"p1": [1, 1, 0], "p2": [0, 0, 0]},
                           chain_valid={"p1": [1, 0, 0], "p2": [0, 0, 0]}))
    store.write_shard(rows(["p3"], n=3, correct={"p3": [1, 1, 1]}, chain_valid={"p3": [1, 1, 0]}))
    assert len(read_samples(store.path)) == 9
    table = counts(store.path).set_index("problem_id")
    assert table.loc[["p1", "p2", "p3"], ["n", "correct", "chain_valid"]].values.tolist() == [
        [3, 2, 1], [3, 0, 0], [3, 3, 2]]
    assert set(table["model"]) == {"m"}
    assert set(counts(store.path, model_name="base")["model"]) == {"base"}
    manifest = json.loads((store.path / "manifest.json").read_text())
    assert [s["rows"] for s in manifest["shards"]] == [6, 3]
    assert "pandas" not in manifest["versions"] and "boundary-lab" in manifest["versions"]


def test_store_is_a_counts_source_for_the_cli(tmp_path, capsys):
    store = new_store(tmp_path)
    store.write_shard(rows(["p1", "p2"], n=2))
    assert main(["passk", str(store.path), "--k", "1,2", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"m": {"1": 0.5, "2": 1.0}}


def test_a_problem_is_never_stored_twice(tmp_path):
    store = new_store(tmp_path)
    store.write_shard(rows(["p1"]))
    with pytest.raises(ValueError, match="p1"):
        store.write_shard(rows(["p1", "p2"]))
    assert SampleStore.open(store.path).completed_problems() == {"p1"}


def test_a_writer_reconciles_an_interrupted_write_and_a_reader_writes_nothing(tmp_path):
    store = new_store(tmp_path)
    store.write_shard(rows(["p1"]))
    store.close()
    # A crash after the shard was linked but before the manifest was updated...
    rows(["p2"]).to_parquet(store.path / "shards" / "shard-00001.parquet")
    # ...and one in the middle of writing a shard.
    (store.path / "shards" / ".shard-abc.tmp").write_bytes(b"partial")
    before = {f: f.read_bytes() for f in store.path.rglob("*") if f.is_file()}
    reader = SampleStore.open(store.path)
    assert reader.completed_problems() == {"p1", "p2"}
    assert [s["file"] for s in reader.manifest["shards"]] == ["shard-00000.parquet", "shard-00001.parquet"]
    assert counts(store.path)["problem_id"].tolist() == ["p1", "p2"]
    assert main(["passk", str(store.path), "--k", "1"]) == 0
    assert main(["compare", str(store.path), str(store.path), "--base", "m", "--rl", "m", "--n-boot", "1"]) == 2
    assert {f: f.read_bytes() for f in store.path.rglob("*") if f.is_file()} == before  # readers never write
    with pytest.raises(RuntimeError, match="read-only"):
        reader.write_shard(rows(["p3"]))
    with SampleStore.open(store.path, write=True) as writer:
        assert writer.completed_problems() == {"p1", "p2"}
    assert not list((store.path / "shards").glob("*.tmp"))
    assert [s["file"] for s in json.loads((store.path / "manifest.json").read_text())["shards"]] == [
        "shard-00000.parquet", "shard-00001.parquet"]


@pytest.mark.parametrize("field,value", [
    ("model", "other"),
    ("benchmark", {"name": "b", "sha256": "bb"}),
    ("template", "qwen-boxed"),
    ("sampling", {"n": 2, "temperature": 1.0, "seed": 0}),
    ("model_identity.sha256", {"path": "/m", "sha256": "other weights"}),
    ("model_identity.path", {"path": "/elsewhere", "sha256": "w"}),
])
def test_resume_and_merge_refuse_a_different_run(tmp_path, field, value):
    a = new_store(tmp_path, "a")
    a.write_shard(rows(["p1"]))
    a.close()
    with pytest.raises(InputError, match=field.split(".")[0]):
        SampleStore.open_or_create(a.path, {**IDENTITY, field.split(".")[0]: value})
    b = new_store(tmp_path, "b", **{field.split(".")[0]: value})
    b.write_shard(rows(["p2"]))
    with pytest.raises(InputError, match=field):
        merge([a.path, b.path], tmp_path / "merged")
    assert not (tmp_path / "merged").exists()
    assert main(["merge", str(a.path), str(b.path), "-o", str(tmp_path / "m2")]) == 2


def test_merge_of_shards_equals_union(tmp_path):
    a, b = new_store(tmp_path, "a", shard="0/2"), new_store(tmp_path, "b", shard="1/2")
    a.write_shard(rows(["p1", "p3"]))
    b.write_shard(rows(["p2"]))
    b.write_shard(rows(["p4"]))
    assert main(["merge", str(a.path), str(b.path), "-o", str(tmp_path / "all")]) == 0
    merged = read_samples(tmp_path / "all")
    assert sorted(merged["problem_id"].unique()) == ["p1", "p2", "p3", "p4"]
    assert len(merged) == 8 and not merged.duplicated(["problem_id", "sample_id"]).any()
    manifest = json.loads((tmp_path / "all" / "manifest.json").read_text())
    assert [m["shard"] for m in manifest["merged_from"]] == ["0/2", "1/2"]


def test_merge_refuses_overlapping_problems(tmp_path):
    a, b = new_store(tmp_path, "a"), new_store(tmp_path, "b")
    a.write_shard(rows(["p1"]))
    b.write_shard(rows(["p1"]))
    with pytest.raises(InputError, match="'p1'"):
        merge([a.path, b.path], tmp_path / "m")


@pytest.mark.parametrize("content,message", [(None, "not a sample store"), ("{oops", "invalid JSON")])
def test_open_reports_a_bad_directory(tmp_path, content, message):
    if content is not None:
        (tmp_path / "manifest.json").write_text(content)
    with pytest.raises(InputError, match=message):
        SampleStore.open(tmp_path)


def test_create_refuses_an_existing_run(tmp_path):
    new_store(tmp_path)
    with pytest.raises(InputError, match="already holds"):
        new_store(tmp_path)


def test_one_writer_at_a_time_and_the_second_learns_who_holds_the_store(tmp_path):
    import os

    first = new_store(tmp_path)
    with pytest.raises(InputError, match=rf"another writer is using this sample store \(pid {os.getpid()} on "):
        SampleStore.open(first.path, write=True)
    with pytest.raises(InputError, match="another writer"):
        SampleStore.open_or_create(first.path, IDENTITY)
    SampleStore.open(first.path).read()  # readers take no lock
    first.close()
    with SampleStore.open(first.path, write=True) as second:
        second.write_shard(rows(["p1"]))
    assert counts(first.path)["n"].tolist() == [2]


def test_an_incomplete_store_says_how_many_problems_are_missing(tmp_path):
    from boundary_lab.store import partial_notes

    store = new_store(tmp_path, problems_in_shard=3)
    store.write_shard(rows(["p1"]))
    assert store.missing_problems() == 2
    with pytest.raises(InputError, match="incomplete sample store: 2 of 3 problems missing"):
        counts(store.path)
    assert counts(store.path, allow_partial=True)["problem_id"].tolist() == ["p1"]
    assert partial_notes([store.path]) == [f"{store.path}: 2 of 3 problems missing (incomplete store)"]
    store.write_shard(rows(["p2", "p3"]))
    assert store.missing_problems() == 0 and len(counts(store.path)) == 3


def test_the_weights_hash_follows_the_weights(tmp_path):
    from boundary_lab.sampling.identity import weights_hash
    from boundary_lab.tiny_models import make_tiny_model

    path = make_tiny_model(tmp_path / "m", hidden=32, layers=1, seed=0)
    first = weights_hash(path)
    (path / "trainer_state.pt").write_bytes(b"optimizer state")  # not the model
    (path / "train_log.json").write_text("{}")
    assert weights_hash(path) == first
    make_tiny_model(tmp_path / "m", hidden=32, layers=1, seed=1)  # retrained in place
    assert weights_hash(path) != first
    # a Hugging Face cache snapshot: files link to blobs/<sha256>, whose name is the hash (not re-read)
    blobs, snap = tmp_path / "hub" / "blobs", tmp_path / "hub" / "snapshots" / "abc"
    blobs.mkdir(parents=True)
    snap.mkdir(parents=True)
    for f in path.iterdir():
        if f.is_file() and f.name not in ("trainer_state.pt", "train_log.json"):
            import hashlib

            digest = hashlib.sha256(f.read_bytes()).hexdigest()
            (blobs / digest).write_bytes(f.read_bytes())
            (snap / f.name).symlink_to(blobs / digest)
    assert weights_hash(snap) == weights_hash(path)
