"""Writes a draft head's model card (markdown) from what was measured: the training data manifest,
the training run (arguments, metrics.jsonl: per-step accuracy, validation, wall time), the exported
head, and a benchmark report (`node dist/cli.js bench --out DIR`: tau, speedup, acceptance by depth).

    models/.venv/bin/python -m prism.card --run OUT/prism --data OUT/data --val OUT/dev \\
        --head models/heads/smollm2-135m-prism.gguf --bench docs/bench/report.json --out models/heads/smollm2-135m-prism.md
"""
import argparse
import json
import os

import torch

from prism.constants import default_sigma


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--val", required=True)
    ap.add_argument("--head", required=True)
    ap.add_argument("--bench", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--wall-minutes", type=float, default=0.0, help="wall time, when metrics.jsonl lacks elapsed_s")
    ap.add_argument("--machine", default="2 CPU cores (AMD EPYC)", help="where it trained, for the Training section")
    ap.add_argument("--earlier", default="", help="for a run started from a shipped head (--from-head): what that head was trained on")
    ap.add_argument("--bench-drafter", default="", help="this head's drafter name in the benchmark report (default: the variant; "
                    "e.g. the file's name when it ran beside the shipped head with --draft HEAD.gguf)")
    a = ap.parse_args()

    ck = torch.load(os.path.join(a.run, "checkpoint.pt"), map_location="cpu", weights_only=False)
    args, cfg = ck["args"], ck["config"]
    lines = [json.loads(x) for x in open(os.path.join(a.run, "metrics.jsonl"))]
    train = [x for x in lines if "loss" in x]
    vals = [x for x in lines if "val" in x]
    last_val = vals[-1]["val"] if vals else {}
    elapsed = next((x["elapsed_s"] for x in reversed(train) if "elapsed_s" in x), None)
    # Positions trained on as the run counted them (a window of W tokens gives W - K + 1 unrolled positions).
    positions = next((x["positions"] for x in reversed(vals) if "positions" in x), None)
    wall = elapsed / 60 if elapsed else a.wall_minutes
    man = json.load(open(os.path.join(a.data, "manifest.json")))
    vman = json.load(open(os.path.join(a.val, "manifest.json")))
    tokens = man["shards"] * man["options"]["shard_windows"] * man["options"]["window"]
    skip = man["options"].get("skip_windows", 0)
    after = f", the stream after its first {skip * man['options']['window']:,} tokens" if skip else ""
    vtokens = vman["shards"] * vman["options"]["shard_windows"] * vman["options"]["window"]
    variant = args["variant"]
    bench = json.load(open(a.bench))
    rows = []
    for d in bench["decode"]:
        for r in d["results"]:
            if r["drafter"] == (a.bench_drafter or variant) or r["config"] == "plain":
                rows.append((d["source"], d["positions"], d["tokens"], {**r, "config": r["config"].replace(a.bench_drafter or variant, variant, 1)}))
    size = os.path.getsize(a.head) / 2**20
    name = os.path.basename(a.head)
    M = cfg["modules"] if variant == "prism" else 1
    desc = {"prism": f"PRISM: {M} processing modules (each a fusion layer + one Llama decoder layer), step k runs module sigma(k) = {cfg['sigma'] or default_sigma(cfg['steps'], M)}; one draft KV cache shared by all modules",
            "eagle3": "EAGLE-3: one module (a fusion layer + one Llama decoder layer) for every step",
            "stacked": f"stacked EAGLE-3: one module of {cfg['layers_per_module']} decoder layers at every step"}[variant]
    out = [
        f"# {name}", "",
        f"Draft head for **SmolLM2-135M-Instruct Q4_1** (GGUF sha256 `{man['gguf_sha256'][:16]}...`), used by PRISM Complete for lossless speculative decoding: the output is exactly what the target alone produces; the head only changes speed.", "",
        "## Architecture", "",
        f"- {desc}.",
        f"- Input: the target's hidden states entering layers {man['graph']['config']['tapLayers']} (concatenated, fused by one linear layer) and the target's token embeddings (frozen, read from the target GGUF, not stored here).",
        f"- Width {cfg['width']}, {cfg['heads']} heads / {cfg['kv_heads']} KV heads, FFN {cfg['ffn']}, draft vocabulary {cfg['vocab']} tokens (the most frequent target top-1 predictions on the training data) mapped to target ids.",
        f"- Trained with {cfg['steps']} unrolled draft steps (training-time test); context window {man['options']['window']} positions (the server's drafter attends no further back).",
        f"- File: {size:.1f} MiB, float16 tensors, manifest in the GGUF metadata (`prism.*`). The server runs the weights as symmetric 8-bit blocks of 32 (kernels/draft-graph.ts); drafts only propose, so the output stays exactly the target's.", "",
        "## Data", "",
        *([f"- Started from the earlier shipped head ({a.earlier}), then trained on the data below."] if args.get("from_head") else []),
        f"- {tokens:,} tokens of code from the **train split** of `../shared/data/code` (47 repositories in 7 languages; files in a fixed shuffled order{after}; windows of {man['options']['window']} tokens), never the dev split or the eval sets.",
        f"- Features and targets from the server's own target graph (onnxruntime 1.30, the same graph and version the server runs): taps, and the target's top-64 next-token log-probabilities at T = 1.",
        f"- Validation: {vtokens:,} tokens of the dev split (8 other repositories).", "",
        "## Training", "",
        f"- {args['iters']} iterations, batch {args['batch']} x {man['options']['window']} tokens ({positions or args['iters'] * args['batch'] * man['options']['window']:,} token positions), AdamW (lr {args['lr']}, betas 0.9/0.95), {args['warmup']} warm-up iterations then cosine decay, gradient clip 1.0, per-step loss weights {args['step_weight']}^(k-1), soft cross-entropy against the target distribution on the draft vocabulary.",
        f"- Wall time: {wall:.0f} min on {a.machine}, {args.get('threads', 0) or 'default'} torch thread(s), precision {args.get('precision_used', 'fp32')}.",
        f"- Command: `models/.venv/bin/python -m prism.train --variant {variant} " + (f"--from-head {args['from_head']} " if args.get("from_head") else f"--modules {args['modules']} --steps {args['steps']} --draft-vocab {args['draft_vocab']} ") + f"--iters {args['iters']} --batch {args['batch']} --lr {args['lr']} --warmup {args['warmup']} --every {args['every']} --threads {args.get('threads', 0)} --data DATA --val DEV --out OUT`", "",
        "## Measured", "",
        f"Validation on the dev split after the last iteration (teacher-forced windows): per-step top-1 agreement with the target {last_val.get('acc')}, simulated acceptance length {last_val.get('acceptance_length')}, loss {last_val.get('loss')}.", "",
        f"Decoding ({bench['machine']}; `{bench['command']}`; greedy; side by side with plain decoding in the same run; 0 mismatches means every output equalled plain decoding):", "",
        "| prompts | config | tokens/s | speedup vs plain | tau | acceptance by depth | draft ms/run | verify ms/run | mismatches |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for src, n, toks, r in rows:
        out.append(f"| {src} ({n} x {toks} tokens) | {r['config']} | {r['tokens_per_s']:.1f} | {r['speedup']:.2f}x | {r['tau']:.2f} | {' '.join(f'{x:.2f}' for x in r['acceptance_by_depth']) or '-'} | {r['draft_ms_per_step']:.2f} | {r['verify_ms_per_step']:.1f} | {r['mismatches']} |")
    out += ["", "## Limits", "",
            f"- Trained on CPU with far less data and compute than the paper's heads ({'millions' if tokens >= 10**6 else 'hundreds of thousands'} of tokens, not billions): acceptance is correspondingly lower; the pipeline runs unchanged on CUDA and with torchrun for a real training budget.",
            "- Fits only the exact GGUF above (the server refuses it for any other model, in one line).", ""]
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(out))
    os.replace(tmp, a.out)
    print(f"card: {a.out}")


if __name__ == "__main__":
    main()
