"""Training-step throughput of the draft-head pipeline, before and after, side by side in one
process: the model code of a git revision (--base, default HEAD) against the working tree's, each
in the settings given, on the same random batch of the real shapes (SmolLM2-135M: taps 3 x 576,
windows of 512, PRISM M = 3, K = 4). A step is forward + backward + AdamW, as in prism.train.
Runs are interleaved (A, B, A, B, ...) and the median is reported, with the CPU and its flags.

    models/.venv/bin/python scripts/bench-train-step.py [--base REV] [--reps 5] \
        --config "base threads=1 batch=2 precision=fp32 vocab=2048" \
        --config "tree threads=2 batch=8 precision=bf16 vocab=2048"
"""
import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def model_module(code, name):
    """prism.model from source text (a git revision's or the tree's), imported under its own name."""
    path = os.path.join(tempfile.mkdtemp(), f"{name}.py")
    with open(path, "w") as f:
        f.write(code)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def parse(cfg):
    src, *kv = cfg.split()
    opts = dict(x.split("=") for x in kv)
    return src, int(opts.get("threads", 2)), int(opts.get("batch", 8)), opts.get("precision", "bf16"), int(opts.get("vocab", 2048))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", default="HEAD")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--config", action="append", required=True, help='"base|tree threads=N batch=N precision=fp32|bf16 vocab=N"')
    a = ap.parse_args()
    base_code = subprocess.run(["git", "show", f"{a.base}:models/prism/model.py"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    with open(os.path.join(ROOT, "models", "prism", "model.py")) as f:
        tree_code = f.read()
    mods = {"base": model_module(base_code, "model_base"), "tree": model_module(tree_code, "model_tree")}
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    flags = next((line.split(":", 1)[1].split() for line in open("/proc/cpuinfo") if line.startswith("flags")), [])
    print(f"{os.cpu_count()} x {cpu}; bf16/AMX flags: {' '.join(f for f in flags if f in ('avx512_bf16', 'amx_bf16', 'amx_tile', 'amx_int8')) or 'none'}; torch {torch.__version__}")
    print(f"base = models/prism/model.py at {a.base}, tree = the working tree's")

    runs = []
    for cfg in a.config:
        src, threads, batch, precision, vocab = parse(cfg)
        m = mods[src]
        torch.manual_seed(0)
        K, T = 4, 512 - 4 - 1
        c = m.DraftConfig(hidden=576, width=576, heads=9, kv_heads=3, ffn=1536, modules=3, steps=K, vocab=vocab, rope_base=100000.0)
        head = m.DraftHead(c, torch.randn(49152, 576) * 0.02, torch.arange(vocab))
        opt = torch.optim.AdamW(head.parameters(), lr=1e-4)
        batch_t = (torch.randn(batch, T, 3 * 576), torch.randint(0, vocab, (batch, T + K)),
                   torch.softmax(torch.randn(batch, T, vocab), -1))
        runs.append((cfg, threads, batch * T, precision == "bf16", head, opt, batch_t, []))

    def step(threads, bf16, head, opt, batch_t):
        torch.set_num_threads(threads)
        taps, tokens, target = batch_t
        t = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            outs = head.unroll(taps, tokens, 4)
            loss = sum(0.8 ** k * -(target * F.log_softmax(o.float(), -1)).sum(-1).mean() for k, o in enumerate(outs))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return time.perf_counter() - t

    for r in range(a.reps + 1):
        for cfg, threads, positions, bf16, head, opt, batch_t, times in runs:
            s = step(threads, bf16, head, opt, batch_t)
            if r:  # the first round warms up
                times.append(s)
    first = None
    for cfg, threads, positions, bf16, head, opt, batch_t, times in runs:
        med = statistics.median(times)
        rate = positions / med
        first = first or rate
        print(f"{cfg:60s} step {med * 1000:7.0f} ms  {rate:6.0f} positions/s  {rate / first:5.2f}x")


if __name__ == "__main__":
    sys.exit(main())
