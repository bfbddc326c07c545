"""Where draft-head features should come from: the server's target graph in onnxruntime (what
prism.data runs: taps and the top-64 of every row) against the target in PyTorch (transformers on
the GGUF's dequantized weights, fp32 and bf16 autocast: the "online features" option), on the same
windows of train-split code, interleaved, median of --reps. Prints tokens/s and the CPU.

    node dist/cli.js export-graph --out /tmp/f/target.onnx
    models/.venv/bin/python scripts/bench-features.py /tmp/f/target.onnx [--reps 3] [--threads 2]
"""
import argparse
import json
import os
import statistics
import time

import numpy as np
import torch

from prism.data import TargetGraph, windows
from prism.reference import hf_model, hf_tokenizer


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("graph")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--windows", type=int, default=2)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "code"))
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    info = json.load(open(a.graph[: -len(".onnx")] + ".json"))
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    print(f"{os.cpu_count()} x {cpu}, {a.threads} threads, {a.windows} windows of 512 tokens, graph {info['graph']}")
    tok = hf_tokenizer(info["model"])
    it = windows(a.data, tok, 512, tok.token_to_id("<|endoftext|>") or 0)
    wins = [next(it) for _ in range(a.windows)]
    ort_graph = TargetGraph(a.graph, a.threads)
    model = hf_model(info["model"]).eval()
    batch = torch.from_numpy(np.stack(wins).astype(np.int64))

    def run_ort():
        for w in wins:
            ort_graph.run(w)

    def run_torch(bf16):
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            out = model(batch, output_hidden_states=True)
            out.logits.float().log_softmax(-1).topk(64, -1)

    contenders = {"onnxruntime (server graph)": run_ort, "transformers fp32": lambda: run_torch(False),
                  "transformers bf16 autocast": lambda: run_torch(True)}
    times = {k: [] for k in contenders}
    for r in range(a.reps + 1):
        for k, f in contenders.items():
            t = time.perf_counter()
            f()
            if r:
                times[k].append(time.perf_counter() - t)
    n = a.windows * 512
    for k, ts in times.items():
        print(f"{k:30s} {n / statistics.median(ts):7.0f} tokens/s")


if __name__ == "__main__":
    main()
