"""Initialising a draft head from its target (`prism.train --init target`).

What is copied, and exactly:
  - every module's decoder layer(s) from a late target layer (`--init-layer`, default the last;
    a stacked head's M layers from the M layers ending there): attention, MLP and both norms,
    with q/k in the rotate-half layout transformers uses (the draft's rope), so a draft layer
    computes what that target layer computes on the same input, given the target's rope base;
  - the draft LM head from the target's (tied) output rows of the draft vocabulary, and the final
    norm from the target's;
  - the fusion of the taps (`fc`) as the identity on the last tap, and each module's fusion of
    (token embedding, incoming hidden) as the identity on the incoming hidden, the embedding part
    zero (it starts ignored and is learned).
The RMSNorm on the incoming hidden state (norm_h) stays, so the head as a whole is an
approximation of "the target's last layers", not equal to it; the copied parts are exact, and
models/tests/test_init.py checks them.
"""
import torch

from prism.reference import hf_model


@torch.no_grad()
def init_from_target(head, gguf_path, layer=-1):
    """Copies the target's weights into `head` (a DraftHead) in place; returns the source layers."""
    target = hf_model(gguf_path)
    layers = target.model.layers
    c = head.c
    tc = target.config
    if (c.width, c.heads, c.kv_heads, c.ffn) != (tc.hidden_size, tc.num_attention_heads, tc.num_key_value_heads, tc.intermediate_size):
        raise SystemExit("--init target needs the draft's width, heads and FFN equal to the target's")
    theta = float(getattr(tc, "rope_theta", None) or tc.rope_parameters["rope_theta"])
    if abs(c.rope_base - theta) > 1e-3:
        raise SystemExit(f"--init target needs the target's rope base ({theta:g}), not {c.rope_base:g}")
    last = layer % len(layers)
    sources = list(range(last - c.layers_per_module + 1, last + 1))
    if sources[0] < 0:
        raise SystemExit(f"--init-layer {layer}: a stacked head of {c.layers_per_module} layers needs that many layers up to it")
    for mod in head.mods:
        for dst, i in zip(mod.layers, sources):
            src = layers[i]
            pairs = [(dst.attn_norm, src.input_layernorm), (dst.q, src.self_attn.q_proj), (dst.k, src.self_attn.k_proj),
                     (dst.v, src.self_attn.v_proj), (dst.o, src.self_attn.o_proj), (dst.ffn_norm, src.post_attention_layernorm),
                     (dst.gate, src.mlp.gate_proj), (dst.up, src.mlp.up_proj), (dst.down, src.mlp.down_proj)]
            for d, s in pairs:
                d.weight.copy_(s.weight)
        e = mod.fuse.weight.shape[1] - c.width
        mod.fuse.weight.zero_()
        mod.fuse.weight[:, e:].copy_(torch.eye(c.width))
    h = c.hidden
    head.fc.weight.zero_()
    head.fc.weight[:, 2 * h: 3 * h].copy_(torch.eye(h))
    head.norm.weight.copy_(target.model.norm.weight)
    head.head.weight.copy_(target.lm_head.weight[head.vocab_map.cpu()])
    return sources
