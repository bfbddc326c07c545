"""Writes a tiny random-weight Llama-family GGUF, so every architecture and tensor type can be
tested against transformers without downloads.

usage: tiny_gguf.py OUT.gguf --arch llama|qwen2 --type Q4_0|Q4_1|Q5_0|Q5_1|Q8_0|Q4_K|Q6_K|F16|BF16|F32
                   [--untied] [--seed N] [--logit-scale X]
"""
import argparse

import gguf
import numpy as np
from gguf import GGMLQuantizationType as QT
from gguf import quants

HIDDEN, FFN, HEADS, KV_HEADS, LAYERS, CTX = 256, 512, 4, 2, 4, 512
HEAD_DIM = HIDDEN // HEADS


def byte_chars():
    bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def tokenizer():
    bc = byte_chars()
    tokens = [bc[b] for b in range(256)]
    merges = []
    # A few real merges so BPE has work to do: common code bigrams and their extensions.
    for pair in ["Ġ Ġ", "e r", "i n", "r e", "o n", "Ġ t", "Ġ a", "s e", "l f", "d e", "Ġ s", "ĠĠ ĠĠ",
                 "h e", "Ġt he", "Ġ (", ") :", "Ċ Ġ", "ĠĠĠĠ ĠĠĠĠ", "se lf", "de f", "Ġ =", "r n", "re t", "ret u", "retu rn"]:
        a, b = pair.split(" ")
        merges.append(pair)
        tokens.append(a + b)
    tokens.append("<|endoftext|>")
    types = [1] * (len(tokens) - 1) + [3]
    while len(tokens) < 320:
        tokens.append(f"<extra_{len(tokens)}>")
        types.append(4)
    return tokens, merges, types


def encode(x, qtype, rng):
    if qtype == QT.F32:
        return x.astype(np.float32)
    if qtype == QT.F16:
        return x.astype(np.float16)
    if qtype in (QT.Q4_K, QT.Q6_K):
        return random_kquant(x.shape, qtype, rng)
    return quants.quantize(x.astype(np.float32), qtype)


def random_kquant(shape, qtype, rng):
    """gguf cannot quantize K types: random blocks with sane scales decode to random weights."""
    rows, k = shape
    nblk = k // 256
    if qtype == QT.Q4_K:
        b = rng.integers(0, 256, size=(rows, nblk, 144), dtype=np.uint8)
        d = (rng.uniform(2e-5, 1e-4, size=(rows, nblk))).astype(np.float16).view(np.uint8).reshape(rows, nblk, 2)
        dmin = (rng.uniform(2e-5, 1e-4, size=(rows, nblk))).astype(np.float16).view(np.uint8).reshape(rows, nblk, 2)
        b[:, :, 0:2] = d
        b[:, :, 2:4] = dmin
    else:
        b = rng.integers(0, 256, size=(rows, nblk, 210), dtype=np.uint8)
        b[:, :, 192:208] = rng.integers(-40, 40, size=(rows, nblk, 16)).astype(np.int8).view(np.uint8)
        d = (rng.uniform(2e-5, 6e-5, size=(rows, nblk))).astype(np.float16).view(np.uint8).reshape(rows, nblk, 2)
        b[:, :, 208:210] = d
    return b.reshape(rows, nblk * b.shape[2])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--arch", default="llama")
    ap.add_argument("--type", default="F32")
    ap.add_argument("--untied", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--logit-scale", type=float, default=1.0, help="scales the final norm, so the logits")
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    qtype = getattr(QT, a.type)
    tokens, merges, types = tokenizer()
    vocab = len(tokens)

    w = gguf.GGUFWriter(a.out, a.arch)
    w.add_name(f"tiny-{a.arch}-{a.type}")
    w.add_block_count(LAYERS)
    w.add_context_length(CTX)
    w.add_embedding_length(HIDDEN)
    w.add_feed_forward_length(FFN)
    w.add_head_count(HEADS)
    w.add_head_count_kv(KV_HEADS)
    w.add_rope_freq_base(10000.0)
    w.add_rope_dimension_count(HEAD_DIM)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_vocab_size(vocab)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("smollm")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(vocab - 1 if False else tokens.index("<|endoftext|>"))
    w.add_eos_token_id(tokens.index("<|endoftext|>"))
    w.add_add_bos_token(False)

    def mat(rows, cols, scale):
        return (rng.standard_normal((rows, cols)) * scale).astype(np.float32)

    def add(name, x, q=qtype):
        w.add_tensor(name, encode(x, q, rng), raw_dtype=q if q not in (QT.F32, QT.F16) else None)

    # Like llama.cpp's Q4_K_M files, a Q4_K model keeps its embedding in Q6_K.
    add("token_embd.weight", mat(vocab, HIDDEN, 0.12), QT.Q6_K if qtype == QT.Q4_K else qtype)
    w.add_tensor("output_norm.weight", (a.logit_scale * (1 + 0.1 * rng.standard_normal(HIDDEN))).astype(np.float32))
    if a.untied:
        add("output.weight", mat(vocab, HIDDEN, 0.1))
    for i in range(LAYERS):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", (1 + 0.1 * rng.standard_normal(HIDDEN)).astype(np.float32))
        w.add_tensor(p + "ffn_norm.weight", (1 + 0.1 * rng.standard_normal(HIDDEN)).astype(np.float32))
        add(p + "attn_q.weight", mat(HIDDEN, HIDDEN, 0.08))
        add(p + "attn_k.weight", mat(KV_HEADS * HEAD_DIM, HIDDEN, 0.08))
        add(p + "attn_v.weight", mat(KV_HEADS * HEAD_DIM, HIDDEN, 0.08))
        add(p + "attn_output.weight", mat(HIDDEN, HIDDEN, 0.05))
        add(p + "ffn_gate.weight", mat(FFN, HIDDEN, 0.06))
        add(p + "ffn_up.weight", mat(FFN, HIDDEN, 0.06))
        add(p + "ffn_down.weight", mat(HIDDEN, FFN, 0.04))
        if a.arch == "qwen2":
            w.add_tensor(p + "attn_q.bias", (0.1 * rng.standard_normal(HIDDEN)).astype(np.float32))
            w.add_tensor(p + "attn_k.bias", (0.1 * rng.standard_normal(KV_HEADS * HEAD_DIM)).astype(np.float32))
            w.add_tensor(p + "attn_v.bias", (0.1 * rng.standard_normal(KV_HEADS * HEAD_DIM)).astype(np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    main()
