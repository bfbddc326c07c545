"""The online trainer (features from the target as it trains): several heads train side by side on
the same batches and validate, an interrupted run resumes to the same weights, the exported head
is what the server reads, and bad input gets a one-line error."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from prism.online import batch_order, tap_layers


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("online")
    gguf = str(tmp / "tiny.gguf")
    subprocess.run([sys.executable, "-m", "prism.tiny_gguf", gguf, "--type", "F32"], check=True)
    # A stream with structure the target can predict: runs of counting tokens.
    rng = np.random.default_rng(0)
    starts = rng.integers(0, 200, size=400)
    stream = np.concatenate([np.arange(s, s + 20) % 250 for s in starts]).astype(np.uint16)
    np.save(tmp / "train.npy", stream)
    np.save(tmp / "dev.npy", stream[::-1].copy())
    return tmp, gguf


def online(tmp, gguf, out, *extra):
    cmd = [sys.executable, "-m", "prism.online", "--gguf", gguf, "--tokens", str(tmp / "train.npy"),
           "--val-tokens", str(tmp / "dev.npy"), "--out", str(out), "--variants", "prism,eagle3", "--modules", "2",
           "--steps", "3", "--draft-vocab", "48", "--vocab-windows", "8", "--window", "32", "--val-windows", "4",
           "--batch", "4", "--iters", "20", "--warmup", "5", "--lr", "3e-3", "--val-every", "10", "--threads", "2", *extra]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    return r


def reports(out):
    with open(os.path.join(out, "metrics.jsonl")) as f:
        return [json.loads(line) for line in f]


def test_heads_train_side_by_side_and_a_resumed_run_equals_an_uninterrupted_one(tiny):
    tmp, gguf = tiny
    r = online(tmp, gguf, tmp / "whole")
    assert r.returncode == 0, r.stderr
    assert "online: done; 20 iterations" in r.stdout
    rows = reports(tmp / "whole")
    assert [row["iter"] for row in rows] == [10, 20]
    for v in ("prism", "eagle3"):
        last = rows[-1]["val"][v]
        assert np.isfinite(last["loss"]) and len(last["acc"]) == 3 and last["acceptance_length"] >= 1.0
    # Learning itself is tested on the shared loss (prism.train.unroll_terms) in test_train.py.
    head = torch.load(tmp / "whole" / "prism" / "head.pt", weights_only=False)
    assert head["variant"] == "prism" and head["config"]["modules"] == 2 and head["config"]["vocab"] == 48
    assert head["taps"] == tap_layers(4) and head["window"] == 32

    r = online(tmp, gguf, tmp / "split", "--stop-after", "7")
    assert r.returncode == 0, r.stderr
    assert "stopped after iteration 7" in r.stdout
    r = online(tmp, gguf, tmp / "split")
    assert r.returncode == 0, r.stderr
    assert "resuming at iteration 7 of 20" in r.stdout
    for v in ("prism", "eagle3"):
        a = torch.load(tmp / "whole" / v / "head.pt", weights_only=False)["head"]
        b = torch.load(tmp / "split" / v / "head.pt", weights_only=False)["head"]
        for k in a:
            assert torch.equal(a[k], b[k]), (v, k)


def test_the_export_reads_an_online_head(tiny, tmp_path):
    tmp, gguf = tiny
    out = tmp / "whole" / "eagle3" / "head.pt"
    if not out.exists():
        assert online(tmp, gguf, tmp / "whole").returncode == 0
    r = subprocess.run([sys.executable, "-m", "prism.export", str(out), str(tmp_path / "h.gguf")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    from prism.export import read_head

    cfg, weights, meta = read_head(str(tmp_path / "h.gguf"))
    assert meta["variant"] == "eagle3" and cfg["modules"] == 1 and cfg["steps"] == 3
    assert [int(t) for t in meta["taps"]] == tap_layers(4)
    assert weights["vocab_map"].shape == (48,)


def test_batches_cover_an_epoch_once_and_differ_between_epochs():
    a, b = batch_order(10, 3, 0, 0), batch_order(10, 3, 1, 0)
    assert a.shape == (3, 3) and len(set(a.ravel())) == 9
    assert not np.array_equal(a, b)
    assert np.array_equal(a, batch_order(10, 3, 0, 0))


def test_errors_say_what_to_do(tiny, tmp_path):
    tmp, gguf = tiny
    r = subprocess.run([sys.executable, "-m", "prism.online", "--gguf", gguf, "--out", str(tmp_path / "x")],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "--tokens STREAM.npy is needed" in r.stderr
    r = subprocess.run([sys.executable, "-m", "prism.online", "--gguf", gguf, "--tokens", str(tmp / "train.npy"),
                        "--out", str(tmp_path / "z")], capture_output=True, text=True)
    assert r.returncode != 0 and "give --iters N or --budget-s SECONDS" in r.stderr
    r = online(tmp, gguf, tmp_path / "y", "--variants", "prism,medusa")
    assert r.returncode != 0 and "unknown variant medusa" in r.stderr
    r = online(tmp, gguf, tmp / "whole", "--variants", "prism")
    assert r.returncode != 0 and "belongs to another run" in r.stderr


def test_from_head_continues_exported_heads_exactly(tiny, tmp_path):
    tmp, gguf = tiny
    if not (tmp / "whole" / "prism" / "head.pt").exists():
        assert online(tmp, gguf, tmp / "whole").returncode == 0
    heads = {}
    for v in ("prism", "eagle3"):
        heads[v] = str(tmp_path / f"{v}.gguf")
        r = subprocess.run([sys.executable, "-m", "prism.export", str(tmp / "whole" / v / "head.pt"), heads[v]], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    # lr 0: one iteration leaves the weights as loaded, so the run's heads equal the exported files.
    r = online(tmp, gguf, tmp_path / "cont", "--from-head", heads["prism"], "--from-head", heads["eagle3"],
               "--iters", "1", "--lr", "0", "--modules", "3")
    assert r.returncode == 0, r.stderr
    assert f"prism starts from {heads['prism']}" in r.stdout
    from prism.export import read_head

    for v in ("prism", "eagle3"):
        cfg, weights, _ = read_head(heads[v])
        got = torch.load(tmp_path / "cont" / v / "head.pt", weights_only=False)
        assert got["config"]["modules"] == cfg["modules"] == (2 if v == "prism" else 1)
        for k, t in weights.items():
            assert torch.equal(got["head"][k].to(t.dtype), t), (v, k)
    r = online(tmp, gguf, tmp_path / "other", "--variants", "eagle3", "--from-head", heads["prism"])
    assert r.returncode != 0 and "is a prism head; add prism to --variants" in r.stderr


def test_greedy_continuations_equal_the_targets_own_greedy_decoding(tiny):
    from prism.online import OnlineTarget

    _, gguf = tiny
    target = OnlineTarget(gguf, torch.device("cpu"))
    prompts = torch.from_numpy(np.random.default_rng(1).integers(0, 250, size=(3, 6)))
    got = target.continue_greedy(prompts, 20)
    ids = prompts.clone()
    with torch.no_grad():
        while ids.shape[1] < 20:  # no cache: the whole sequence again for every token
            ids = torch.cat([ids, target.model(input_ids=ids).logits[:, -1].argmax(-1, keepdim=True)], 1)
    assert torch.equal(got, ids)
    assert len(set(got[:, 6:].reshape(-1).tolist())) > 3  # not one token repeated: a real continuation


def test_greedy_arms_train_beside_corpus_arms_and_resume_exactly(tiny):
    tmp, gguf = tiny
    arms = ("--variants", "prism,prism:greedy", "--greedy-prompt", "12", "--greedy-chunk", "3")
    r = online(tmp, gguf, tmp / "greedy", *arms)
    assert r.returncode == 0, r.stderr
    assert "s generating" in r.stdout and "validate prism-greedy: iteration 20" in r.stdout
    head = torch.load(tmp / "greedy" / "prism-greedy" / "head.pt", weights_only=False)
    assert head["variant"] == "prism" and head["data"] == "greedy"
    corpus = torch.load(tmp / "greedy" / "prism" / "head.pt", weights_only=False)
    assert corpus["data"] == "corpus"
    assert any(not torch.equal(head["head"][k], corpus["head"][k]) for k in head["head"])  # other data, other weights
    # Stopping inside a generation chunk (iteration 7 of chunk 6..8) regenerates that chunk on resume.
    r = online(tmp, gguf, tmp / "greedy-split", *arms, "--stop-after", "7")
    assert r.returncode == 0, r.stderr
    r = online(tmp, gguf, tmp / "greedy-split", *arms)
    assert r.returncode == 0 and "resuming at iteration 7 of 20" in r.stdout, r.stderr
    b = torch.load(tmp / "greedy-split" / "prism-greedy" / "head.pt", weights_only=False)["head"]
    for k in head["head"]:
        assert torch.equal(head["head"][k], b[k]), k
    r = online(tmp, gguf, tmp / "x", "--variants", "prism:sampled")
    assert r.returncode != 0 and "unknown data source sampled in prism:sampled" in r.stderr
