"""Exports a trained draft head (head.pt from train.py) as a GGUF the server reads with its own
GGUF reader: the head's tensors in float16 and its manifest in the metadata.

    models/.venv/bin/python -m prism.export OUT/prism/head.pt models/heads/smollm2-135m-prism.gguf

Manifest keys (prism.*): variant, target_sha256 (the GGUF the head was trained on), taps (target
layers whose inputs feed the head), modules (M), steps (K), sigma (1-based module per step),
layers_per_module, width, heads, kv_heads, ffn, rope_base, eps, vocab (N), context (the training
window: the server's drafter attends no further back). The tensor
`vocab_map` (int32 [N]) maps draft ids to target ids. The target's embeddings are not stored.

read_head() is the inverse (train.py --from-head continues training a shipped head): the config,
the tensors (as float32; the file's float16 values exactly) and the manifest.
"""
import argparse
import os

import numpy as np
import torch

import gguf

from prism.constants import default_sigma


def export(head_pt, out):
    state = torch.load(head_pt, map_location="cpu", weights_only=False)
    c = state["config"]
    w = gguf.GGUFWriter(out + ".tmp", "prism-draft")
    w.add_string("prism.variant", state["variant"])
    w.add_string("prism.target_sha256", state["gguf_sha256"])
    w.add_array("prism.taps", [int(t) for t in state["taps"]])
    for key in CONFIG_KEYS:
        w.add_uint32(f"prism.{key}", int(c[key]))
    w.add_uint32("prism.context", int(state.get("window", 512)))
    w.add_float32("prism.rope_base", float(c["rope_base"]))
    w.add_float32("prism.eps", float(c["eps"]))
    sigma = c["sigma"] or default_sigma(c["steps"], c["modules"])
    w.add_array("prism.sigma", [int(s) for s in sigma])
    for name, t in state["head"].items():
        if name == "vocab_map":
            w.add_tensor("vocab_map", t.numpy().astype(np.int32))
        else:
            w.add_tensor(name, t.float().numpy().astype(np.float16))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    os.replace(out + ".tmp", out)


CONFIG_KEYS = ("modules", "steps", "layers_per_module", "width", "heads", "kv_heads", "ffn", "vocab", "hidden")


def read_head(path):
    """(config dict as DraftConfig takes it, state dict, manifest) of a head GGUF written by export()."""
    r = gguf.GGUFReader(path)
    meta = {k[len("prism."):]: f.contents() for k, f in r.fields.items() if k.startswith("prism.")}
    if "variant" not in meta:
        raise SystemExit(f"{path} is not a draft head (no prism.* manifest)")
    c = {k: int(meta[k]) for k in CONFIG_KEYS}
    c.update(rope_base=float(meta["rope_base"]), eps=float(meta["eps"]), sigma=[int(s) for s in meta["sigma"]])
    state = {}
    for t in r.tensors:
        # GGUF lists dimensions innermost first; torch wants them outermost first.
        a = np.asarray(t.data).reshape([int(d) for d in reversed(t.shape)])
        state[t.name] = torch.from_numpy(a.astype(np.int64 if t.name == "vocab_map" else np.float32))
    return c, state, meta


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("head_pt")
    ap.add_argument("out")
    a = ap.parse_args()
    export(a.head_pt, a.out)
    print(f"export: {a.out} ({os.path.getsize(a.out) / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main()
