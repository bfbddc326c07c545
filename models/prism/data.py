"""Training data for draft heads (PRISM, EAGLE-3): the target's hidden-state taps and next-token
distributions on code of the train split, computed by the server's own target graph in
onnxruntime (the same version as onnxruntime-node), so training sees exactly the features the
server produces at inference time.

    node dist/cli.js export-graph --out OUT/target.onnx
    models/.venv/bin/python -m prism.data --graph OUT/target.onnx --out OUT/data --tokens 1000000

Output, in --out:
  shard-00000.npz ...   input_ids [n, W] int32, taps [n, W, 3H] float16 (hidden states entering
                        the tap layers), top_ids [n, W, K] int32 and top_logp [n, W, K] float16
                        (the target's K most likely next tokens and their log-probabilities at
                        T = 1 over the whole vocabulary), for n windows of W tokens each
  manifest.json         the graph's config (GGUF sha256, taps), the options, and the shards done
Each shard is written atomically; a rerun resumes after the last complete shard (windows are
enumerated in a fixed order). Only repositories of the train split are read (--split dev makes
validation data from the dev repositories; nothing ever reads the eval sets).
"""
import argparse
import json
import os
import random
import sys
import time

import numpy as np

from prism.constants import MASK_NEG

# onnxruntime 1.30.0 starts Microsoft's telemetry uploader on Linux and macOS unless this is set
# before it loads (server/engine/ort-private.ts says what it keeps and sends): off, as in the server.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

from prism.reference import hf_tokenizer  # the tokenizer the tests prove equal to ours


def split_files(data_dir, split="train", seed=0):
    """(repo, path, content) of every file of a split's repositories, in a fixed shuffled order:
    any prefix of the stream mixes every language and repository (the corpus is stored one
    language per shard, so reading it in order would train on C alone)."""
    with open(os.path.join(data_dir, "splits.json")) as f:
        train = {e["repo"] for e in json.load(f)[split]}
    corpus = os.path.join(data_dir, "corpus")
    files = []
    for shard in sorted(os.listdir(corpus)):
        if not shard.endswith(".jsonl"):
            continue
        with open(os.path.join(corpus, shard)) as f:
            for line in f:
                if not line.strip():
                    continue
                rec = json.loads(line)
                if rec["repo"] in train:
                    files.append((rec["repo"], rec["path"], rec["content"]))
    random.Random(seed).shuffle(files)
    yield from files


def windows(data_dir, tok, width, sep_id, split="train"):
    """Token windows of `width` over a split's files, joined with the end-of-text token."""
    buf = []
    for _, _, content in split_files(data_dir, split):
        buf.extend(tok.encode(content, add_special_tokens=False).ids)
        buf.append(sep_id)
        while len(buf) >= width:
            yield np.asarray(buf[:width], dtype=np.int32)
            buf = buf[width:]


class TargetGraph:
    """The exported step graph, run over one window at a time with an empty cache."""

    def __init__(self, graph_path, threads):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        self.sess = ort.InferenceSession(graph_path, opts, providers=["CPUExecutionProvider"])
        self.past = [i for i in self.sess.get_inputs() if i.name.startswith("past_")]
        self.width = self.past[0].shape[2]

    def run(self, ids):
        s = len(ids)
        mask = np.triu(np.full((s, s), MASK_NEG, dtype=np.float32), 1)
        feeds = {
            "input_ids": ids[None].astype(np.int64),
            "position_ids": np.arange(s, dtype=np.int64)[None],
            "attn_mask": mask,
            "logits_index": np.arange(s, dtype=np.int64),
            "inv_temperature": np.ones(1, dtype=np.float32),
        }
        for p in self.past:
            feeds[p.name] = np.zeros((1, 0, self.width), dtype=np.float32)
        taps, top_logits, top_ids, lse = self.sess.run(["taps", "top_logits", "top_ids", "lse"], feeds)
        return taps, top_ids.astype(np.int32), top_logits - lse[:, None]


def save_atomic(path, **arrays):
    tmp = f"{path}.tmp.{os.getpid()}.npz"
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--graph", required=True, help="target.onnx from `node dist/cli.js export-graph`")
    ap.add_argument("--out", required=True)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "code"))
    ap.add_argument("--tokens", type=int, default=1_000_000, help="total tokens to produce")
    ap.add_argument("--window", type=int, default=512)
    ap.add_argument("--shard-windows", type=int, default=64)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--split", default="train", choices=["train", "dev"], help="dev only for validation data")
    ap.add_argument("--skip-tokens", type=int, default=0,
                    help="start after this many tokens of the stream (windows an earlier head was trained on)")
    a = ap.parse_args()

    with open(a.graph[: -len(".onnx")] + ".json") as f:
        graph_info = json.load(f)
    tok = hf_tokenizer(graph_info["model"])
    sep = tok.token_to_id("<|endoftext|>")
    if sep is None:
        sep = 0
    os.makedirs(a.out, exist_ok=True)
    manifest_path = os.path.join(a.out, "manifest.json")
    options = {"window": a.window, "shard_windows": a.shard_windows, "data": os.path.abspath(a.data), "split": a.split,
               "order": "shuffled files, seed 0"}
    if a.skip_tokens:
        options["skip_windows"] = a.skip_tokens // a.window
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            old = json.load(f)
        if old["gguf_sha256"] != graph_info["gguf_sha256"] or old["options"] != options:
            sys.exit(f"{a.out} holds data for another model or other options; use a new --out folder")

    total_windows = a.tokens // a.window
    n_shards = -(-total_windows // a.shard_windows)
    done = 0
    while done < n_shards and os.path.exists(os.path.join(a.out, f"shard-{done:05d}.npz")):
        done += 1
    if done == n_shards:
        print(f"data: {n_shards} shards already in {a.out}; nothing to do", flush=True)
        return
    print(f"data: {done}/{n_shards} shards present, resuming", flush=True)

    graph = TargetGraph(a.graph, a.threads)
    it = windows(a.data, tok, a.window, sep, a.split)
    for _ in range(options.get("skip_windows", 0) + done * a.shard_windows):
        next(it)
    t0 = time.time()
    made = 0
    for shard in range(done, n_shards):
        ids, taps, top_ids, top_logp = [], [], [], []
        for _ in range(min(a.shard_windows, total_windows - shard * a.shard_windows)):
            w = next(it, None)
            if w is None:
                break
            t, i, lp = graph.run(w)
            ids.append(w)
            taps.append(t.astype(np.float16))
            top_ids.append(i)
            top_logp.append(lp.astype(np.float16))
        if not ids:
            print("data: the train split has no more text", flush=True)
            break
        save_atomic(os.path.join(a.out, f"shard-{shard:05d}.npz"), input_ids=np.stack(ids), taps=np.stack(taps),
                    top_ids=np.stack(top_ids), top_logp=np.stack(top_logp))
        made += len(ids) * a.window
        rate = made / max(1e-9, time.time() - t0)
        left = (n_shards - shard - 1) * a.shard_windows * a.window / max(rate, 1e-9)
        print(f"data: shard {shard + 1}/{n_shards}, {rate:.0f} tokens/s, about {left / 60:.1f} min left", flush=True)
        with open(manifest_path + ".tmp", "w") as f:
            json.dump({"gguf_sha256": graph_info["gguf_sha256"], "graph": graph_info, "options": options,
                       "shards": shard + 1}, f, indent=1)
        os.replace(manifest_path + ".tmp", manifest_path)


if __name__ == "__main__":
    main()
