"""Trains draft heads on features computed online from the target: no feature files. Each batch
of token windows runs through the target (transformers on the GGUF's dequantized weights, fp32;
TF32 matmuls on a GPU) for its taps and its next-token distribution, and every head asked for
(PRISM, EAGLE-3, stacked EAGLE-3) takes one training step on that same batch: equal data, steps
and settings for all of them, one target pass for all of them.

    models/.venv/bin/python -m prism.online --gguf MODEL.gguf --tokens STREAM.npy --val-tokens DEV.npy \\
        --out OUT --variants prism,eagle3 --budget-s 400 --batch 32
    (STREAM.npy: the train split's token stream, uint16, from `python -m prism.online --write-stream`)

The token stream is prism.data's: the split's files in the same fixed shuffled order, joined by the
end-of-text token, cut into windows of --window tokens; validation uses the first --val-windows
windows of the dev split's stream (prism.data --split dev --tokens 32768 reads the same ones).
Batches are windows without replacement, reshuffled each epoch (numpy seed + epoch), so a
resumed run sees the same batches as an uninterrupted one. The draft vocabulary is the
--draft-vocab most frequent target top-1 predictions on the first --vocab-windows windows.

--from-head HEAD.gguf (one per variant) continues a head instead of starting from random weights:
the shipped heads, or a head whose run's checkpoint was lost. --iters fixes the run's length;
--budget-s instead times the first iterations and fixes --iters to fill that many seconds
(printed, and stored in the checkpoint, so a resumed run keeps it). The heads run in bf16 autocast
on a GPU, in fp32 on the CPU.
A variant written VARIANT:greedy (e.g. --variants prism,prism:greedy) trains on the target's own
greedy continuations instead: each of its windows keeps the first --greedy-prompt tokens of the
same corpus window and continues it greedily (what decoding verifies), so the two arms see the
same prompts and steps. Greedy windows are generated --greedy-chunk batches at a time.
Soft targets are the target's whole distribution restricted to the draft vocabulary and
renormalised (prism.train's stored features keep its top 64 tokens; the difference is the mass
outside the top 64). Checkpoints (every --every iterations and at the end) are written
atomically to --out/checkpoint.pt, a rerun resumes from it; each head's head.pt goes to
--out/VARIANT/ (prism.export turns it into the GGUF the server reads), validation to
--out/metrics.jsonl.
"""
import argparse
import hashlib
import inspect
import json
import math
import os
import sys
import time

import numpy as np
import torch

from prism.model import DraftConfig, DraftHead
from prism.train import Report, add_head_shape_args, save_atomic, unroll_terms, vocab_from_counts


def tap_layers(n_layers):
    """The layers whose inputs the server taps (kernels/model-config.ts, tapLayersFor)."""
    return [min(2, n_layers - 1), n_layers // 2, max(0, n_layers - 3)]


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


class OnlineTarget:
    """The target in PyTorch: taps and next-token logits for a batch of windows."""

    def __init__(self, gguf_path, device):
        from prism.reference import hf_model

        self.model = hf_model(gguf_path).to(device)
        cfg = self.model.config
        self.cfg = cfg
        self.taps = tap_layers(cfg.num_hidden_layers)
        self.vocab = cfg.vocab_size
        self.rope_base = float(getattr(cfg, "rope_theta", None) or cfg.rope_parameters["rope_theta"])

    @torch.no_grad()
    def features(self, ids):
        """ids [B, W] -> taps [B, W, 3H] (the hidden states entering the tap layers) and logits [B, W, V]."""
        out = self.model(input_ids=ids, output_hidden_states=True, use_cache=False)
        taps = torch.cat([out.hidden_states[layer] for layer in self.taps], -1)
        return taps.float(), out.logits.float()

    @torch.no_grad()
    def continue_greedy(self, prompts, total):
        """prompts [B, P] -> [B, total]: each prompt followed by the target's greedy continuation, one
        token a step on a preallocated (static) cache. End-of-text does not stop it: the target goes
        on as it would after a document boundary in the stream."""
        from transformers import StaticCache

        b, p = prompts.shape
        dev = prompts.device
        params = inspect.signature(type(self.model.model).forward).parameters
        key = "cache" if "cache" in params else "past_key_values"
        cache = StaticCache(config=self.cfg, max_cache_len=total)
        ids = torch.empty(b, total, dtype=torch.long, device=dev)
        ids[:, :p] = prompts

        def step(x, start):
            pos = torch.arange(start, start + x.shape[1], device=dev)
            kw = {key: cache, "use_cache": True, "position_ids": pos[None].expand(b, -1), "logits_to_keep": 1}
            if "cache_position" in params:
                kw["cache_position"] = pos
            return self.model(input_ids=x, **kw).logits[:, -1].argmax(-1)

        nxt = step(prompts, 0)
        for t in range(p, total):
            ids[:, t] = nxt
            if t + 1 < total:
                nxt = step(nxt[:, None], t)
        return ids

    def embeddings(self):
        return self.model.get_input_embeddings().weight.detach().float().cpu()


def targets(logits, vocab_ids):
    """(q, top1) at positions 1..W-2 of each window, as prism.train.unroll_terms takes them."""
    part = logits[:, 1:-1]
    return torch.softmax(part[..., vocab_ids], -1), part.argmax(-1)


def head_config(variant, target, modules, steps, vocab, sigma):
    c = target.cfg
    return DraftConfig(hidden=c.hidden_size, width=c.hidden_size, heads=c.num_attention_heads,
                       kv_heads=c.num_key_value_heads, ffn=c.intermediate_size,
                       modules=modules if variant == "prism" else 1, steps=steps, vocab=vocab,
                       layers_per_module=modules if variant == "stacked" else 1, rope_base=target.rope_base,
                       sigma=sigma if variant == "prism" else [])


def write_stream(gguf_path, data_dir, split, out):
    """The split's token stream (prism.data's order and separators) as uint16 .npy."""
    from prism.data import split_files
    from prism.reference import hf_tokenizer

    tok = hf_tokenizer(gguf_path)
    sep = tok.token_to_id("<|endoftext|>") or 0
    files = [content for _, _, content in split_files(data_dir, split)]
    ids = []
    for enc in tok.encode_batch(files, add_special_tokens=False):
        ids.extend(enc.ids)
        ids.append(sep)
    if max(ids) >= 1 << 16:
        sys.exit("write-stream: token ids do not fit in uint16")
    tmp = f"{out}.tmp.{os.getpid()}.npy"
    np.save(tmp, np.asarray(ids, dtype=np.uint16))
    os.replace(tmp, out)
    print(f"stream: {split} split, {len(files)} files, {len(ids)} tokens -> {out}", flush=True)


def batch_order(n, batch, epoch, seed):
    """Window indices of every full batch of one epoch."""
    perm = np.random.RandomState(seed + epoch).permutation(n)
    return perm[: n - n % batch].reshape(-1, batch)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gguf", required=True)
    ap.add_argument("--tokens", help="the train split's token stream (.npy, uint16)")
    ap.add_argument("--val-tokens", help="the dev split's token stream (.npy)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--write-stream", choices=("train", "dev"),
                    help="write that split's token stream to --out (a .npy) and stop")
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "code"))
    ap.add_argument("--variants", default="prism,eagle3",
                    help="comma-separated heads: prism, eagle3, stacked; VARIANT:greedy trains that variant on the "
                         "target's greedy continuations instead of corpus windows (its name: VARIANT-greedy)")
    ap.add_argument("--greedy-prompt", type=int, default=256,
                    help="greedy windows: the first this many tokens of the corpus window, then the target's continuation")
    ap.add_argument("--greedy-chunk", type=int, default=32, help="greedy windows are generated this many batches at a time")
    add_head_shape_args(ap, draft_vocab=2048)
    ap.add_argument("--vocab-windows", type=int, default=1024)
    ap.add_argument("--window", type=int, default=512)
    ap.add_argument("--val-windows", type=int, default=64)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--iters", type=int, default=0, help="iterations (0: from --budget-s)")
    ap.add_argument("--budget-s", type=float, default=0, help="fill this many seconds (timed on the first iterations)")
    ap.add_argument("--lr", type=float, default=6e-4)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--step-weight", type=float, default=0.8)
    ap.add_argument("--val-every", type=int, default=0, help="validation interval (0: 16 points over the run)")
    ap.add_argument("--every", type=int, default=0, help="checkpoint interval (0: only at the end)")
    ap.add_argument("--stop-after", type=int, default=0, help="stop (with a checkpoint) after this iteration")
    ap.add_argument("--from-head", action="append", default=[],
                    help="continue this head GGUF (repeatable, one per variant; e.g. the shipped heads): its weights, "
                         "configuration and draft vocabulary replace --modules/--sigma/--draft-vocab for it")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    if a.write_stream:
        write_stream(a.gguf, a.data, a.write_stream, a.out)
        return
    if not a.tokens:
        sys.exit("online: --tokens STREAM.npy is needed (make it with --write-stream train --out STREAM.npy)")
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    say = lambda *m: print(*m, flush=True)  # noqa: E731
    os.makedirs(a.out, exist_ok=True)
    arms = {}  # name -> (variant, data source)
    for spec in (v for v in a.variants.split(",") if v):
        v, _, source = spec.partition(":")
        if v not in ("prism", "eagle3", "stacked"):
            sys.exit(f"online: unknown variant {v} (prism, eagle3, stacked)")
        if source not in ("", "greedy"):
            sys.exit(f"online: unknown data source {source} in {spec} (VARIANT or VARIANT:greedy)")
        arms[v if not source else f"{v}-{source}"] = (v, source or "corpus")
    variants = list(arms)
    if any(s == "greedy" for _, s in arms.values()) and not 0 < a.greedy_prompt < a.window:
        sys.exit(f"online: --greedy-prompt must lie between 0 and --window {a.window}")

    ckpt = os.path.join(a.out, "checkpoint.pt")
    if not a.iters and not a.budget_s and not os.path.exists(ckpt):
        sys.exit("online: give --iters N or --budget-s SECONDS")
    t_load = time.time()
    target = OnlineTarget(a.gguf, device)
    sha = file_sha256(a.gguf)
    stream = np.load(a.tokens)
    W = a.window
    windows = torch.from_numpy(stream[: len(stream) // W * W].astype(np.int64).reshape(-1, W))
    n = windows.shape[0]
    if n < a.batch:
        sys.exit(f"online: {a.tokens} holds {n} windows of {W}, fewer than one batch of {a.batch}")
    val = None
    if a.val_tokens:
        vs = np.load(a.val_tokens)
        val = torch.from_numpy(vs[: a.val_windows * W].astype(np.int64).reshape(-1, W))
    say(f"online: target {os.path.basename(a.gguf)} on {device} ({torch.cuda.get_device_name() if device.type == 'cuda' else 'cpu'}), "
        f"taps {target.taps}, {n} windows of {W} ({n * W} tokens), loaded in {time.time() - t_load:.0f} s")

    starts = {}
    for spec in a.from_head:
        from prism.export import read_head

        cfg, start_weights, meta = read_head(spec)
        if meta["variant"] not in {v for v, _ in arms.values()}:
            sys.exit(f"{spec} is a {meta['variant']} head; add {meta['variant']} to --variants or leave it out")
        if meta["target_sha256"] != sha:
            sys.exit(f"{spec} was trained for another target than {a.gguf}")
        if [int(t) for t in meta["taps"]] != target.taps or cfg["steps"] != a.steps:
            sys.exit(f"{spec} reads taps {list(meta['taps'])} with {cfg['steps']} steps; this run has taps {target.taps}, --steps {a.steps}")
        starts[meta["variant"]] = (DraftConfig(**cfg), start_weights, spec)
    maps = [w["vocab_map"] for _, w, _ in starts.values()]
    if any(not torch.equal(m, maps[0]) for m in maps):
        sys.exit("the --from-head heads have different draft vocabularies; continue them in separate runs")
    state = torch.load(ckpt, map_location="cpu", weights_only=False) if os.path.exists(ckpt) else None
    if state is None and maps:
        vocab_ids = maps[0]
    elif state is None:
        counts = torch.zeros(target.vocab, dtype=torch.int64)
        for s in range(0, min(a.vocab_windows, n), a.batch):
            _, logits = target.features(windows[s: s + a.batch].to(device))
            counts += torch.bincount(logits.argmax(-1).reshape(-1).cpu(), minlength=target.vocab)
        vocab_ids = vocab_from_counts(counts.numpy(), a.draft_vocab)
    else:
        vocab_ids = state["vocab_ids"]
        if state["variants"] != variants or state["gguf_sha256"] != sha:
            sys.exit(f"{ckpt} belongs to another run (variants or target); use a new --out folder")
    vocab_dev = vocab_ids.to(device)
    sigma = [int(x) for x in a.sigma.split(",")] if a.sigma else []
    emb = target.embeddings()
    heads, opts, scheds = {}, {}, {}
    weights = [a.step_weight ** k for k in range(a.steps)]
    for v in variants:
        base = arms[v][0]
        torch.manual_seed(a.seed)
        c = starts[base][0] if base in starts else head_config(base, target, a.modules, a.steps, len(vocab_ids), sigma)
        heads[v] = DraftHead(c, emb, vocab_ids)
        if base in starts and state is None:
            heads[v].load_state_dict(starts[base][1])
            say(f"online: {v} starts from {starts[base][2]}")
        heads[v] = heads[v].to(device)
        opts[v] = torch.optim.AdamW(heads[v].parameters(), lr=a.lr, betas=(0.9, 0.95), weight_decay=0.0)

    total = {"iters": a.iters}

    def lr_factor(s):
        """Linear warm-up, then cosine decay to 0 at the last iteration (constant until it is known)."""
        t = total["iters"] or 10 ** 9
        return min(1.0, (s + 1) / a.warmup) * 0.5 * (1 + math.cos(math.pi * min(1.0, s / t)))

    for v in variants:
        scheds[v] = torch.optim.lr_scheduler.LambdaLR(opts[v], lr_factor)
    start, elapsed_before = 0, 0.0
    if state is not None:
        start, total["iters"], elapsed_before = state["iter"], state["iters"], state["elapsed_s"]
        for v in variants:
            heads[v].load_state_dict(state["heads"][v])
            opts[v].load_state_dict(state["opts"][v])
            scheds[v].load_state_dict(state["scheds"][v])
        say(f"online: resuming at iteration {start} of {total['iters']}")

    bf16 = device.type == "cuda" and torch.cuda.is_bf16_supported()
    per_epoch = n // a.batch
    metrics = open(os.path.join(a.out, "metrics.jsonl"), "a")
    positions_per_iter = a.batch * (W - a.steps - 1)

    def batch_at(it):
        return windows[torch.from_numpy(batch_order(n, a.batch, it // per_epoch, a.seed)[it % per_epoch])]

    greedy = {"chunk": -1, "windows": None, "s": 0.0}

    def greedy_batch_at(it):
        """Batch `it`'s windows with all but their first --greedy-prompt tokens replaced by the
        target's greedy continuation; generated --greedy-chunk batches at a time (a resumed run
        regenerates its chunk, so it sees the same windows)."""
        c = it // a.greedy_chunk
        if greedy["chunk"] != c:
            t = time.time()
            ids = torch.cat([batch_at(i) for i in range(c * a.greedy_chunk, (c + 1) * a.greedy_chunk)])
            greedy["windows"] = target.continue_greedy(ids[:, : a.greedy_prompt].to(device), W).view(a.greedy_chunk, a.batch, W)
            greedy["chunk"] = c
            sync()
            greedy["s"] += time.time() - t
        return greedy["windows"][it % a.greedy_chunk]

    def validate(done):
        if val is None:
            return
        acc = {v: Report() for v in heads}
        with torch.no_grad():
            for s in range(0, val.shape[0], a.batch):
                # One target pass per validation batch serves every head.
                ids = val[s: s + a.batch].to(device)
                taps, logits = target.features(ids)
                q, top1 = targets(logits, vocab_dev)
                for v, head in heads.items():
                    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                        acc[v].add(*unroll_terms(head, ids, taps, q, top1, a.steps, weights))
        reports = {v: r.result() for v, r in acc.items()}
        for v, r in reports.items():
            say(f"validate {v}: iteration {done}, {done * positions_per_iter} positions: {r}")
        metrics.write(json.dumps({"iter": done, "positions": done * positions_per_iter, "val": reports}) + "\n")
        metrics.flush()

    def checkpoint(done, elapsed):
        save_atomic({"iter": done, "iters": total["iters"], "elapsed_s": elapsed, "variants": variants, "gguf_sha256": sha,
                     "vocab_ids": vocab_ids, "args": vars(a),
                     "heads": {v: h.state_dict() for v, h in heads.items()},
                     "opts": {v: o.state_dict() for v, o in opts.items()},
                     "scheds": {v: s.state_dict() for v, s in scheds.items()}}, ckpt)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    t0 = time.time()
    it = start
    probe, t_probe = 8, 0.0
    while not total["iters"] or it < total["iters"]:
        if not total["iters"] and it - start == 2:
            sync()
            t_probe = time.time()
        if not total["iters"] and it - start == probe + 2:
            # Time the last `probe` iterations and fill the budget with as many.
            sync()
            # Greedy arms: each iteration also pays its share of its chunk's generation.
            per = (time.time() - t_probe) / probe + greedy["s"] / a.greedy_chunk
            left = a.budget_s - (time.time() - t_load)
            total["iters"] = it + max(1, int(left * 0.92 / per))
            say(f"online: {per * 1000:.0f} ms per iteration ({positions_per_iter / per:.0f} positions/s per head); "
                f"{total['iters']} iterations fill the budget ({total['iters'] * positions_per_iter} positions per head, "
                f"{total['iters'] * a.batch / n:.2f} epochs)")
        if a.budget_s and time.time() - t_load > a.budget_s:
            say(f"online: the budget of {a.budget_s:.0f} s is spent at iteration {it}; stopping there")
            break
        iters = total["iters"]
        feats = {}
        for source in dict.fromkeys(s for _, s in arms.values()):
            ids = batch_at(it).to(device, non_blocking=True) if source == "corpus" else greedy_batch_at(it)
            taps, logits = target.features(ids)
            feats[source] = (ids, taps, *targets(logits, vocab_dev))
            del logits
        accs = {}
        for v, head in heads.items():
            ids, taps, q, top1 = feats[arms[v][1]]
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                loss, hits = unroll_terms(head, ids, taps, q, top1, a.steps, weights)
            opts[v].zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(head.parameters(), 1.0)
            opts[v].step()
            scheds[v].step()
            accs[v] = (loss, hits)
        it += 1
        if it % 10 == 0 or it == iters:
            rate = (it - start) / (time.time() - t0)
            parts = [f"{v} loss {l.item():.3f} acc1 {h[0].float().mean().item():.3f}" for v, (l, h) in accs.items()]
            left = f"about {(iters - it) / rate / 60:.1f} min left" if iters else "timing"
            gen = f", {greedy['s']:.0f} s generating" if greedy["s"] else ""
            say(f"online: {it}/{iters or '?'} {'; '.join(parts)}; {rate * positions_per_iter:.0f} positions/s per head{gen}, {left}")
        val_every = a.val_every or max(1, (iters or 10 ** 9) // 16)
        if it % val_every == 0 or it == iters:
            validate(it)
        if (a.every and it % a.every == 0) or it == a.stop_after:
            checkpoint(it, elapsed_before + time.time() - t0)
        if it == a.stop_after:
            say(f"online: stopped after iteration {it}; rerun the same command to resume")
            return
    checkpoint(it, elapsed_before + time.time() - t0)
    for v, head in heads.items():
        d = os.path.join(a.out, v)
        os.makedirs(d, exist_ok=True)
        save_atomic({"config": head.c.__dict__, "head": {k: t.cpu() for k, t in head.state_dict().items()}, "variant": arms[v][0],
                     "data": arms[v][1],
                     "gguf_sha256": sha, "taps": target.taps, "window": W}, os.path.join(d, "head.pt"))
    say(f"online: done; {it} iterations, {it * positions_per_iter} positions per head, "
        f"{elapsed_before + time.time() - t0:.0f} s; heads in {a.out}/{{{','.join(variants)}}}/head.pt")


if __name__ == "__main__":
    main()
