"""Trains a draft head (PRISM, EAGLE-3 or stacked EAGLE-3) on data from data.py.

    models/.venv/bin/python -m prism.train --data OUT/data --val OUT/dev-data --out OUT/prism \
        --variant prism --modules 3 --steps 4 --iters 4000
    torchrun --nproc-per-node 4 -m prism.train ...     (several GPUs: DDP)

Training-time test: each batch unrolls K draft steps (step k's input hidden state is the draft's
own output of step k-1), with soft cross-entropy against the target's next-token distribution on
the draft vocabulary and per-step weights w^(k-1). AdamW, linear warmup, cosine decay. The draft
vocabulary is the N most frequent top-1 predictions of the target on the training data.
Checkpoints (and the final head) are written atomically to --out; a rerun resumes from the last
one. Progress goes to stdout, metrics to --out/metrics.jsonl; validation reports per-step top-1
accuracy and the simulated acceptance length under teacher forcing on the dev-split data.

--precision: fp32, or bf16 autocast (matmuls in bfloat16, the loss and the weights in fp32).
auto (the default) times a few steps of each on the first batch when the machine can run bf16
natively (a CPU with AVX512-BF16 or AMX, a GPU with bf16) and keeps the faster; elsewhere fp32.
The choice is stored in the checkpoint, so a resumed run keeps it.
"""
import argparse
import glob
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from prism.init import init_from_target
from prism.model import DraftConfig, DraftHead

VARIANTS = ("prism", "eagle3", "stacked")


FIELDS = ("input_ids", "taps", "top_ids", "top_logp")


def load_shards(folder):
    """Every shard of a data folder as one array per field, filled shard by shard into arrays
    allocated once (a concatenate would hold every shard twice: 2x the data's size at its peak)."""
    files = sorted(glob.glob(os.path.join(folder, "shard-*.npz")))
    if not files:
        sys.exit(f"no shard-*.npz in {folder}: run python -m prism.data first")
    sizes = []
    for f in files:
        with np.load(f) as z:
            sizes.append(z["input_ids"].shape[0])
    out = {}
    at = 0
    for f, n in zip(files, sizes):
        with np.load(f) as z:
            for k in FIELDS:
                a = z[k]
                if k not in out:
                    out[k] = np.empty((sum(sizes), *a.shape[1:]), dtype=a.dtype)
                out[k][at: at + n] = a
        at += n
    return out


def draft_vocab(top_ids, n, vocab_size):
    """The n most frequent top-1 target predictions (ties by id), and target id -> draft index."""
    ids = vocab_from_counts(np.bincount(top_ids[..., 0].reshape(-1), minlength=vocab_size), n)
    return ids, draft_index(ids, vocab_size)


def vocab_from_counts(counts, n):
    """The n most counted target ids (ties by id), sorted, as int64 [n]."""
    counts = np.asarray(counts)
    ids = np.lexsort((np.arange(len(counts)), -counts))[:n]
    return torch.from_numpy(np.sort(ids).astype(np.int64))


def draft_index(vocab_ids, vocab_size):
    """Target id -> draft index (-1 outside the draft vocabulary), int64 [vocab_size]."""
    to_draft = torch.full((vocab_size,), -1, dtype=torch.int64)
    to_draft[vocab_ids] = torch.arange(len(vocab_ids))
    return to_draft


class Report:
    """Validation over batches: the mean loss, per-step top-1 agreement, simulated acceptance length."""

    def __init__(self):
        self.losses, self.hits = [], None

    def add(self, loss, hits):
        self.losses.append(loss.item())
        self.hits = hits if self.hits is None else [torch.cat([x, h]) for x, h in zip(self.hits, hits)]

    def result(self):
        return {"loss": round(float(np.mean(self.losses)), 4), "acc": [round(h.float().mean().item(), 4) for h in self.hits],
                "acceptance_length": round(acceptance_length(self.hits), 4)}


def target_embeddings(gguf_path):
    from gguf import GGUFReader
    from gguf.quants import dequantize

    for t in GGUFReader(gguf_path).tensors:
        if t.name == "token_embd.weight":
            return torch.from_numpy(np.asarray(dequantize(t.data, t.tensor_type), dtype=np.float32))
    sys.exit(f"{gguf_path} has no token_embd.weight")


def soft_targets(top_ids, top_logp, to_draft, n):
    """The target's distribution over the draft vocabulary, [..., n] (renormalised)."""
    idx = to_draft[top_ids]
    p = top_logp.float().exp() * (idx >= 0)
    out = torch.zeros(*top_ids.shape[:-1], n, device=top_ids.device)
    out.scatter_add_(-1, idx.clamp(min=0), p)
    return out / out.sum(-1, keepdim=True).clamp(min=1e-12)


def batch_terms(head, batch, to_draft, K, weights):
    """Loss, per-step accuracy and acceptance flags for one batch of windows [B, W]."""
    ids, taps, top_ids, top_logp = batch
    T = ids.shape[1] - K - 1
    q = soft_targets(top_ids[:, 1: T + K], top_logp[:, 1: T + K], to_draft, head.c.vocab)
    return unroll_terms(head, ids, taps, q, top_ids[:, 1: T + K, 0], K, weights)


def unroll_terms(head, ids, taps, q, top1, K, weights):
    """Loss and per-step hits of the unrolled head on windows ids [B, W] with taps [B, W, 3H],
    against q [B, W - 2, N] (the target's distribution on the draft vocabulary at positions
    1..W-2) and top1 [B, W - 2] (its argmax over the whole vocabulary there). Shared by the
    trainer on stored features and the online trainer (prism/online.py)."""
    T = ids.shape[1] - K - 1
    steps = head.unroll(taps[:, :T].float(), ids[:, : T + K], K)
    loss = 0.0
    hits = []
    for k, logits in enumerate(steps, start=1):
        tgt = q[:, k - 1: k - 1 + T]
        loss = loss + weights[k - 1] * -(tgt * F.log_softmax(logits.float(), -1)).sum(-1).mean()
        pred = head.vocab_map[logits.argmax(-1)]
        hits.append(pred == top1[:, k - 1: k - 1 + T])
    return loss / sum(weights), hits


def acceptance_length(hits):
    """Simulated greedy acceptance length: 1 + the run of correct leading steps, averaged."""
    run = torch.ones_like(hits[0], dtype=torch.float32)
    total = torch.ones_like(run)
    for h in hits:
        run = run * h.float()
        total = total + run
    return total.mean().item()


def cpu_has_bf16():
    """Whether the CPU computes bfloat16 natively (lscpu flags avx512_bf16 or amx_bf16)."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def step_seconds(model, batch, to_draft, K, weights, device, bf16, reps=3):
    """Median seconds of forward + backward on one batch (gradients discarded; no state changes)."""
    times = []
    for _ in range(reps + 1):
        t = time.perf_counter()
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            loss, _ = batch_terms(model, batch, to_draft, K, weights)
        loss.backward()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t)
        model.zero_grad(set_to_none=True)
    return sorted(times[1:])[len(times[1:]) // 2]


def choose_precision(asked, model, batch, to_draft, K, weights, device, say):
    """fp32 or bf16: as asked, or for auto the faster of the two where bf16 is native."""
    if asked != "auto":
        return asked
    native = torch.cuda.is_bf16_supported() if device.type == "cuda" else cpu_has_bf16()
    if not native:
        say("train: precision fp32 (no native bf16 on this machine)")
        return "fp32"
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        # Several GPUs: no timing (each rank would time its own), bf16 where it is native.
        say("train: precision bf16 (native on these GPUs)")
        return "bf16"
    f = step_seconds(model, batch, to_draft, K, weights, device, False)
    b = step_seconds(model, batch, to_draft, K, weights, device, True)
    pick = "bf16" if b < f else "fp32"
    say(f"train: precision {pick} (a step took {f * 1000:.0f} ms in fp32, {b * 1000:.0f} ms in bf16 autocast)")
    return pick


def head_to_continue(a, manifest, say):
    """The configuration and weights of --from-head, checked against the data: the same target
    GGUF, the same taps, the same variant. The head's own settings override --steps and friends."""
    from prism.export import read_head

    cfg, weights, meta = read_head(a.from_head)
    if meta["variant"] != a.variant:
        sys.exit(f"{a.from_head} is a {meta['variant']} head, not {a.variant}: pass --variant {meta['variant']}")
    if meta["target_sha256"] != manifest["gguf_sha256"]:
        sys.exit(f"{a.from_head} was trained for another target than the one in {a.data}; make data with that target")
    if [int(t) for t in meta["taps"]] != [int(t) for t in manifest["graph"]["config"]["tapLayers"]]:
        sys.exit(f"{a.from_head} reads taps {meta['taps']}, the data has {manifest['graph']['config']['tapLayers']}")
    a.steps = cfg["steps"]
    c = DraftConfig(**cfg)
    say(f"train: starting from {a.from_head} (M = {c.modules}, K = {c.steps}, sigma {c.sigma}, vocabulary {c.vocab})")
    return c, weights


def save_atomic(obj, path):
    tmp = f"{path}.tmp.{os.getpid()}"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def add_head_shape_args(ap, draft_vocab):
    """The head's shape options, shared by prism.train and prism.online (only the draft vocabulary's default differs)."""
    ap.add_argument("--modules", type=int, default=3, help="M (PRISM modules, or stacked layers)")
    ap.add_argument("--steps", type=int, default=4, help="K draft steps unrolled")
    ap.add_argument("--sigma", default="", help="comma-separated 1-based module per step (PRISM)")
    ap.add_argument("--draft-vocab", type=int, default=draft_vocab)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--val")
    ap.add_argument("--out", required=True)
    ap.add_argument("--variant", choices=VARIANTS, default="prism")
    add_head_shape_args(ap, draft_vocab=8192)
    ap.add_argument("--iters", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--step-weight", type=float, default=0.8)
    ap.add_argument("--every", type=int, default=100, help="checkpoint and validation interval")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    ap.add_argument("--precision", choices=("auto", "fp32", "bf16"), default="auto",
                    help="bf16 autocast or fp32; auto: the faster where bf16 is native, else fp32")
    ap.add_argument("--init", choices=("random", "target"), default="random",
                    help="target: decoder layer(s), LM head and final norm copied from the target, fusions as identities (prism/init.py)")
    ap.add_argument("--init-layer", type=int, default=-1, help="the target layer --init target copies (negative: from the end)")
    ap.add_argument("--from-head", default="",
                    help="start from this head GGUF (a shipped head): its weights, configuration and draft vocabulary; "
                         "--variant must match, --modules/--steps/--sigma/--draft-vocab are the head's")
    ap.add_argument("--stop-after", type=int, default=0, help="stop (with a checkpoint) after this iteration; rerun to go on")
    ap.add_argument("--evaluate", action="store_true",
                    help="only validate --from-head on --val (the data and --out are not read) and print the report as JSON")
    a = ap.parse_args()
    if a.evaluate:
        evaluate(a)
        return
    if a.threads > 0:
        torch.set_num_threads(a.threads)

    ddp = int(os.environ.get("WORLD_SIZE", "1")) > 1
    rank = 0
    if ddp:
        torch.distributed.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
        rank = torch.distributed.get_rank()
    device = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(a.seed + rank)
    say = (lambda *m: print(*m, flush=True)) if rank == 0 else (lambda *m: None)

    with open(os.path.join(a.data, "manifest.json")) as f:
        manifest = json.load(f)
    g = manifest["graph"]["config"]
    data = load_shards(a.data)
    if a.from_head:
        c, start_weights = head_to_continue(a, manifest, say)
        vocab_ids = start_weights["vocab_map"]
        to_draft = draft_index(vocab_ids, g["vocabSize"])
    else:
        vocab_ids, to_draft = draft_vocab(data["top_ids"], a.draft_vocab, g["vocabSize"])
        m = 1 if a.variant == "eagle3" else a.modules
        c = DraftConfig(hidden=g["hidden"], width=g["hidden"], heads=g["nHeads"], kv_heads=g["nKvHeads"], ffn=g["ffn"],
                        modules=1 if a.variant != "prism" else m, steps=a.steps, vocab=len(vocab_ids),
                        layers_per_module=m if a.variant == "stacked" else 1, rope_base=float(g.get("ropeBase", 10000.0)),
                        sigma=[int(x) for x in a.sigma.split(",")] if a.sigma else [])
    head = DraftHead(c, target_embeddings(manifest["graph"]["model"]), vocab_ids)
    if a.from_head:
        head.load_state_dict(start_weights)
    elif a.init == "target":
        src = init_from_target(head, manifest["graph"]["model"], a.init_layer)
        say(f"train: initialised from the target (decoder layer(s) {src}, LM head rows, final norm)")
    head = head.to(device)
    model = torch.nn.parallel.DistributedDataParallel(head) if ddp else head
    opt = torch.optim.AdamW(head.parameters(), lr=a.lr, betas=(0.9, 0.95), weight_decay=0.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / a.warmup) * 0.5 * (1 + math.cos(math.pi * min(1.0, s / a.iters))))
    weights = [a.step_weight ** k for k in range(a.steps)]
    os.makedirs(a.out, exist_ok=True)
    ckpt = os.path.join(a.out, "checkpoint.pt")
    start = 0
    elapsed_before = 0.0
    if os.path.exists(ckpt):
        state = torch.load(ckpt, map_location=device, weights_only=False)
        if state["args"]["variant"] != a.variant or state["config"] != c.__dict__:
            sys.exit(f"{ckpt} belongs to another variant or configuration; use a new --out folder")
        head.load_state_dict(state["head"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        torch.set_rng_state(state["rng"])
        start = state["iter"]
        elapsed_before = state.get("elapsed_s", 0.0)
        a.precision = state["args"].get("precision_used", "fp32")
        say(f"train: resuming at iteration {start} (precision {a.precision})")

    tensors = {k: torch.from_numpy(v) for k, v in data.items()}
    n = tensors["input_ids"].shape[0]
    val = load_shards(a.val) if a.val else None
    metrics = open(os.path.join(a.out, "metrics.jsonl"), "a")
    first = [tensors[k][: a.batch].to(device) for k in ("input_ids", "taps", "top_ids", "top_logp")]
    first[0], first[2] = first[0].long(), first[2].long()
    a.precision = choose_precision(a.precision, head, first, to_draft.to(device), a.steps, weights, device, say)
    a.precision_used = a.precision
    bf16 = a.precision == "bf16"
    t0 = time.time()
    for it in range(start, a.iters):
        pick = torch.randint(0, n, (a.batch,))
        batch = [tensors[k][pick].to(device) for k in ("input_ids", "taps", "top_ids", "top_logp")]
        batch[0] = batch[0].long()
        batch[2] = batch[2].long()
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            loss, hits = batch_terms(model if not ddp else model.module, batch, to_draft.to(device), a.steps, weights)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(head.parameters(), 1.0)
        opt.step()
        sched.step()
        done = it + 1
        if done % 10 == 0 or done == a.iters:
            rate = (done - start) / (time.time() - t0)
            acc = [round(h.float().mean().item(), 3) for h in hits]
            say(f"train: {done}/{a.iters} loss {loss.item():.3f} acc/step {acc} {rate:.2f} it/s, about {(a.iters - done) / max(rate, 1e-9) / 60:.1f} min left")
            if rank == 0:
                metrics.write(json.dumps({"iter": done, "loss": loss.item(), "acc": acc, "lr": sched.get_last_lr()[0],
                                          "elapsed_s": round(elapsed_before + time.time() - t0, 1)}) + "\n")
                metrics.flush()
        stopping = done == a.stop_after
        if rank == 0 and (done % a.every == 0 or done == a.iters or stopping):
            if val is not None:
                report = validate(head, val, to_draft.to(device), a.steps, weights, device)
                say(f"validate: {report}")
                positions = done * a.batch * (tensors["input_ids"].shape[1] - a.steps - 1)
                metrics.write(json.dumps({"iter": done, "positions": positions, "val": report}) + "\n")
                metrics.flush()
            save_atomic({"iter": done, "head": head.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                         "rng": torch.get_rng_state(), "args": vars(a), "config": c.__dict__,
                         "elapsed_s": elapsed_before + time.time() - t0}, ckpt)
        if stopping:
            say(f"train: stopped after iteration {done}; rerun the same command to resume")
            return
    if rank == 0:
        save_atomic({"config": c.__dict__, "head": head.state_dict(), "variant": a.variant,
                     "gguf_sha256": manifest["gguf_sha256"], "taps": g["tapLayers"],
                     "window": int(tensors["input_ids"].shape[1])}, os.path.join(a.out, "head.pt"))
        say(f"train: done; {os.path.join(a.out, 'head.pt')}")


def evaluate(a):
    """Validation of a head GGUF on stored features (--val), as training reports it."""
    from prism.export import read_head

    if not a.from_head or not a.val:
        sys.exit("--evaluate needs --from-head HEAD.gguf and --val DATA")
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    with open(os.path.join(a.val, "manifest.json")) as f:
        manifest = json.load(f)
    cfg, weights, meta = read_head(a.from_head)
    if meta["target_sha256"] != manifest["gguf_sha256"]:
        sys.exit(f"{a.from_head} was trained for another target than the one in {a.val}")
    g = manifest["graph"]["config"]
    head = DraftHead(DraftConfig(**cfg), target_embeddings(manifest["graph"]["model"]), weights["vocab_map"])
    head.load_state_dict(weights)
    to_draft = draft_index(weights["vocab_map"], g["vocabSize"])
    steps = cfg["steps"]
    report = validate(head, load_shards(a.val), to_draft, steps, [a.step_weight ** k for k in range(steps)], torch.device("cpu"))
    print(json.dumps({"head": a.from_head, "variant": meta["variant"], **report}), flush=True)


@torch.no_grad()
def validate(head, val, to_draft, K, weights, device, batch=8):
    ids, taps, top_ids, top_logp = (torch.from_numpy(val[k]) for k in ("input_ids", "taps", "top_ids", "top_logp"))
    report = Report()
    for s in range(0, ids.shape[0], batch):
        b = [ids[s: s + batch].long().to(device), taps[s: s + batch].to(device), top_ids[s: s + batch].long().to(device), top_logp[s: s + batch].to(device)]
        loss, hits = batch_terms(head, b, to_draft, K, weights)
        report.add(loss, hits)
    return report.result()


if __name__ == "__main__":
    main()
