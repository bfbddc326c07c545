"""The trainer on synthetic data with a learnable signal: the loss falls, validation reports
per-step accuracy and acceptance length, and an interrupted run resumes to the same weights."""
import json
import os
import subprocess
import sys

import numpy as np
import torch


def make_data(tmp, gguf):
    rng = np.random.default_rng(0)
    n, w, vocab = 8, 24, 320
    ids = rng.integers(0, 64, size=(n, w)).astype(np.int32)
    # The "target" predicts (token + 1) % 64 after each token: learnable from the embeddings.
    top = np.stack([(ids + 1) % 64, (ids + 2) % 64, (ids + 3) % 64], -1).astype(np.int32)
    logp = np.broadcast_to(np.log(np.array([0.8, 0.15, 0.05])), top.shape).astype(np.float16)
    taps = rng.standard_normal((n, w, 3 * 256)).astype(np.float16)
    for name in ("data", "val"):
        d = os.path.join(tmp, name)
        os.makedirs(d)
        np.savez(os.path.join(d, "shard-00000.npz"), input_ids=ids, taps=taps, top_ids=top, top_logp=logp)
        cfg = {"hidden": 256, "nHeads": 4, "nKvHeads": 2, "ffn": 512, "vocabSize": vocab, "tapLayers": [2, 2, 1]}
        with open(os.path.join(d, "manifest.json"), "w") as f:
            json.dump({"gguf_sha256": "0" * 64, "graph": {"model": gguf, "config": cfg}, "options": {}, "shards": 1}, f)


def train(tmp, out, *extra):
    cmd = [sys.executable, "-m", "prism.train", "--data", os.path.join(tmp, "data"),
           "--val", os.path.join(tmp, "val"), "--out", out, "--steps", "3", "--modules", "2", "--draft-vocab", "64",
           "--batch", "4", "--iters", "40", "--every", "20", "--warmup", "5", "--lr", "3e-3", *extra]
    if "--precision" not in extra:
        cmd += ["--precision", "fp32"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return r.stdout


def prepare(tmp_path):
    """A tiny GGUF and synthetic data in tmp_path; returns the folder."""
    tmp = str(tmp_path)
    gguf = os.path.join(tmp, "tiny.gguf")
    subprocess.run([sys.executable, "-m", "prism.tiny_gguf", gguf, "--type", "F32"], check=True)
    make_data(tmp, gguf)
    return tmp


def assert_same_weights(run_a, run_b):
    a = torch.load(os.path.join(run_a, "head.pt"), weights_only=False)["head"]
    b = torch.load(os.path.join(run_b, "head.pt"), weights_only=False)["head"]
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_trains_validates_and_resumes(tmp_path):
    tmp = prepare(tmp_path)
    straight = os.path.join(tmp, "straight")
    log = train(tmp, straight)
    assert "validate:" in log and "acceptance_length" in log
    rows = [json.loads(line) for line in open(os.path.join(straight, "metrics.jsonl"))]
    losses = [r["loss"] for r in rows if "loss" in r]
    # The floor is the entropy of the target distribution (0.8, 0.15, 0.05): what is left above
    # it (the KL to the target) must shrink.
    floor = -sum(p * np.log(p) for p in (0.8, 0.15, 0.05))
    assert losses[-1] - floor < 0.3 * (losses[0] - floor), losses
    val = [r["val"] for r in rows if "val" in r][-1]
    assert len(val["acc"]) == 3 and 1.0 <= val["acceptance_length"] <= 4.0
    assert val["acc"][0] > 0.9, val  # the signal is learnable: step 1 must find it

    resumed = os.path.join(tmp, "resumed")
    assert "stopped after iteration 15" in train(tmp, resumed, "--stop-after", "15")
    assert "resuming at iteration 15" in train(tmp, resumed)
    assert_same_weights(straight, resumed)


def test_bf16_autocast_learns_and_a_resume_keeps_the_precision(tmp_path):
    # 24 iterations, not the other tests' 40: bf16 is emulated (~4x slower) on CPUs without
    # AVX512-BF16 or AMX, and the signal is found by then (step-1 accuracy 0.96-0.98 at 24).
    tmp = prepare(tmp_path)
    short = ("--iters", "24", "--every", "12")
    straight = os.path.join(tmp, "straight")
    train(tmp, straight, "--precision", "bf16", *short)
    rows = [json.loads(line) for line in open(os.path.join(straight, "metrics.jsonl"))]
    val = [r["val"] for r in rows if "val" in r][-1]
    assert val["acc"][0] > 0.9, val  # bf16 matmuls still find the signal
    resumed = os.path.join(tmp, "resumed")
    train(tmp, resumed, "--precision", "bf16", *short, "--stop-after", "10")
    # Resumed without saying the precision: the checkpoint's (bf16) holds, and the weights are
    # those of the uninterrupted run.
    assert "resuming at iteration 10 (precision bf16)" in train(tmp, resumed, "--precision", "auto", *short)
    assert_same_weights(straight, resumed)
    # A fresh run asked for auto says what it chose and why.
    log = train(tmp, os.path.join(tmp, "auto"), "--precision", "auto", "--iters", "2", "--every", "2")
    assert "train: precision " in log


def test_from_head_continues_an_exported_head_and_refuses_another_variant(tmp_path):
    from prism.export import export, read_head

    tmp = prepare(tmp_path)
    first = os.path.join(tmp, "first")
    train(tmp, first, "--sigma", "1,2,2")
    gguf_head = os.path.join(tmp, "head.gguf")
    export(os.path.join(first, "head.pt"), gguf_head)
    trained = torch.load(os.path.join(first, "head.pt"), weights_only=False)["head"]
    cfg, weights, meta = read_head(gguf_head)
    assert (cfg["modules"], cfg["steps"], cfg["sigma"], cfg["vocab"]) == (2, 3, [1, 2, 2], 64)
    assert meta["variant"] == "prism"
    assert set(weights) == set(trained)
    for k, t in trained.items():
        want = t if k == "vocab_map" else t.half().float()  # the file stores float16
        assert torch.equal(weights[k], want), k

    # Continued with lr 0 (AdamW without weight decay: no update), the weights stay the file's,
    # and the arguments the head fixes (steps, sigma, vocabulary) are the head's, not the defaults.
    cont = os.path.join(tmp, "cont")
    log = train(tmp, cont, "--from-head", gguf_head, "--steps", "4", "--draft-vocab", "32", "--lr", "0", "--iters", "4", "--every", "4")
    assert "starting from" in log and "K = 3" in log, log
    after = torch.load(os.path.join(cont, "head.pt"), weights_only=False)
    assert after["config"]["sigma"] == [1, 2, 2]
    for k, t in weights.items():
        assert torch.equal(after["head"][k].float(), t.float()), k
    val = [json.loads(x)["val"] for x in open(os.path.join(cont, "metrics.jsonl")) if "val" in x][-1]
    assert val["acc"][0] > 0.9, val  # what the first run learnt is there from the first iteration

    cmd = [sys.executable, "-m", "prism.train", "--data", os.path.join(tmp, "data"), "--out", os.path.join(tmp, "bad"),
           "--variant", "eagle3", "--from-head", gguf_head, "--iters", "1"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert r.returncode != 0 and "is a prism head, not eagle3: pass --variant prism" in r.stderr, r.stderr


def test_data_module_turns_onnxruntime_telemetry_off_before_onnxruntime_loads():
    """prism.data (the only module that runs onnxruntime) sets ORT_DISABLE_TELEMETRY=1 when it is
    imported, before onnxruntime is, whatever the environment said (the language server does the
    same: server/engine/ort-private.ts)."""
    code = ("import os, sys; import prism.data; "
            "print(os.environ.get('ORT_DISABLE_TELEMETRY'), 'onnxruntime' in sys.modules)")
    env = {**os.environ, "ORT_DISABLE_TELEMETRY": "0"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=os.path.join(os.path.dirname(__file__), ".."), check=True).stdout.split()
    assert out == ["1", "False"]
