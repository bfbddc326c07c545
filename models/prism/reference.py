"""Reference implementations the TypeScript runtime is tested against.

Reads one JSON request on stdin, writes one JSON reply on stdout:
  {"op": "tokenize", "gguf": PATH, "texts": [...]}
      -> {"ids": [[...], ...]}  (Hugging Face `tokenizers` built from the GGUF vocabulary; control
         tokens written in the text are parsed as such, as transformers does by default)
  {"op": "logits", "gguf": PATH, "ids": [...], "mask": [[...]] | null, "positions": [...] | null,
   "rows": [...] | null}
      -> {"logits": base64 of float32 [R, V] for the requested rows (default all), "shape": [R, V],
          "argmax": [...] per requested row}
  {"op": "greedy", "gguf": PATH, "ids": [...], "n": N} -> {"ids": [...]}
  {"op": "score", "gguf": PATH, "windows": [[...], ...]}
      -> {"argmax": [[...]], "logp": [[...]]} per window: the top-1 token at every position and
         log p(next token of the window) (one shorter); teacher-forced, for the numerics benchmark
  {"op": "dequantize", "gguf": PATH, "names": [...]} -> {"values": {name: [...]}}
{"batch": [request, ...]} -> [reply, ...] runs several in one process.
The model is transformers' Llama/Qwen2 loaded from the same GGUF (weights dequantized to fp32).
"""
import base64
import json
import os
import sys

import numpy as np


def hf_tokenizer(gguf_path):
    from gguf import GGUFReader
    from tokenizers import Tokenizer, AddedToken, models, pre_tokenizers, decoders

    r = GGUFReader(gguf_path)
    f = r.fields
    tokens = f["tokenizer.ggml.tokens"].contents()
    merges = f["tokenizer.ggml.merges"].contents()
    types = f["tokenizer.ggml.token_type"].contents()
    pre = f["tokenizer.ggml.pre"].contents() if "tokenizer.ggml.pre" in f else "default"
    vocab = {t: i for i, t in reversed(list(enumerate(tokens)))}
    bpe = models.BPE(vocab=vocab, merges=[tuple(m.split(" ", 1)) for m in merges], fuse_unk=False)
    tok = Tokenizer(bpe)
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    if pre in ("smollm", "starcoder", "refact"):
        tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True), byte_level])
    elif pre in ("gpt2", "default"):
        tok.pre_tokenizer = byte_level
    else:
        raise SystemExit(f"reference tokenizer: pre-tokenizer {pre} not modelled here")
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t, ty in zip(tokens, types) if ty in (3, 4)])
    return tok


_models = {}


def cache_dir():
    """The user cache the TypeScript side uses too (PRISM_CACHE_DIR, else $XDG_CACHE_HOME/prism-complete)."""
    return os.environ.get("PRISM_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "prism-complete")


def load_model(gguf_path, use_cache=True):
    """transformers' model from the GGUF (its own conversion, weights dequantized to fp32).

    Converting takes transformers 18-30 s on these CPUs, nearly all of it parsing the GGUF's
    metadata in Python (the dequantization itself ~3 s); the converted weights and config are kept
    in the user cache, keyed by the GGUF's content and the transformers and torch versions, and a
    later load reads them back (~2 s): the same tensors, bit for bit (tests/test_reference.py).
    """
    import torch
    import transformers
    from prism.online import file_sha256
    from transformers import AutoConfig, AutoModelForCausalLM

    key = f"{file_sha256(gguf_path)}-transformers{transformers.__version__}-torch{torch.__version__}"
    cached = os.path.join(cache_dir(), "reference", f"{key}.pt")
    if use_cache and os.path.exists(cached):
        try:
            saved = torch.load(cached, weights_only=True)
            cfg = AutoConfig.for_model(**json.loads(saved["config"]))
            m = AutoModelForCausalLM.from_config(cfg, dtype=torch.float32)
            m.load_state_dict(saved["state"], strict=True)
            m.tie_weights()
            m.eval()
            return m
        except Exception as e:  # a damaged or foreign file: convert again and replace it
            print(f"reference: the cached model {cached} could not be read ({e}); converting the GGUF again", file=sys.stderr)
    m = AutoModelForCausalLM.from_pretrained(
        os.path.dirname(os.path.abspath(gguf_path)), gguf_file=os.path.basename(gguf_path), dtype=torch.float32
    )
    m.eval()
    if use_cache:
        os.makedirs(os.path.dirname(cached), exist_ok=True)
        tmp = f"{cached}.{os.getpid()}.tmp"
        try:
            torch.save({"config": m.config.to_json_string(), "state": m.state_dict()}, tmp)
            os.replace(tmp, cached)
            # One file per GGUF: the one kept for other transformers or torch versions goes.
            sha = key.split("-", 1)[0]
            for f in os.listdir(os.path.dirname(cached)):
                if f.startswith(sha) and f.endswith(".pt") and f != os.path.basename(cached):
                    os.unlink(os.path.join(os.path.dirname(cached), f))
        except OSError as e:  # a full or read-only cache costs the next load time, nothing else
            print(f"reference: could not keep the converted model in {cached} ({e})", file=sys.stderr)
            if os.path.exists(tmp):
                os.unlink(tmp)
    return m


def hf_model(gguf_path):
    if gguf_path not in _models:
        import torch

        torch.set_num_threads(max(1, os.cpu_count() or 1))
        _models[gguf_path] = load_model(gguf_path)
    return _models[gguf_path]


def op_logits(req):
    import torch

    m = hf_model(req["gguf"])
    ids = torch.tensor([req["ids"]], dtype=torch.long)
    kwargs = {}
    if req.get("positions") is not None:
        kwargs["position_ids"] = torch.tensor([req["positions"]], dtype=torch.long)
    if req.get("mask") is not None:
        # 4-D additive mask [1,1,S,S]: transformers uses it as given.
        allowed = torch.tensor(req["mask"], dtype=torch.bool)
        add = torch.zeros(allowed.shape, dtype=torch.float32).masked_fill(~allowed, torch.finfo(torch.float32).min)
        kwargs["attention_mask"] = add[None, None]
    with torch.no_grad():
        out = m(input_ids=ids, **kwargs).logits[0].float().numpy()
    if req.get("rows") is not None:
        out = out[req["rows"]]
    out = np.ascontiguousarray(out, dtype="<f4")
    return {"logits": base64.b64encode(out.tobytes()).decode(), "shape": list(out.shape), "argmax": out.argmax(-1).tolist()}


def op_greedy(req):
    import torch

    m = hf_model(req["gguf"])
    ids = torch.tensor([req["ids"]], dtype=torch.long)
    with torch.no_grad():
        out = m.generate(ids, max_new_tokens=req["n"], do_sample=False, attention_mask=torch.ones_like(ids))
    return {"ids": out[0, ids.shape[1]:].tolist()}


def op_score(req):
    import torch

    m = hf_model(req["gguf"])
    argmax, logp = [], []
    with torch.no_grad():
        for w in req["windows"]:
            ids = torch.tensor([w], dtype=torch.long)
            lp = torch.log_softmax(m(input_ids=ids).logits[0].double(), -1)
            argmax.append(lp.argmax(-1).tolist())
            logp.append(lp[:-1].gather(-1, ids[0, 1:, None]).squeeze(-1).tolist())
    return {"argmax": argmax, "logp": logp}


def op_dequantize(req):
    from gguf import GGUFReader
    from gguf.quants import dequantize

    r = GGUFReader(req["gguf"])
    vals = {}
    for t in r.tensors:
        if t.name in req["names"]:
            vals[t.name] = dequantize(t.data, t.tensor_type).astype(np.float32).reshape(-1).tolist()
    return {"values": vals}


def run(req):
    op = req["op"]
    if op == "tokenize":
        tok = hf_tokenizer(req["gguf"])
        return {"ids": [tok.encode(t, add_special_tokens=False).ids for t in req["texts"]]}
    if op == "logits":
        return op_logits(req)
    if op == "greedy":
        return op_greedy(req)
    if op == "dequantize":
        return op_dequantize(req)
    if op == "score":
        return op_score(req)
    raise SystemExit(f"unknown op {op}")


def main():
    req = json.load(sys.stdin)
    out = [run(r) for r in req["batch"]] if "batch" in req else run(req)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
