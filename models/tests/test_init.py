"""Initialisation from the target is exact where it claims to be: the copied decoder layer
computes what the target's layer computes (transformers, same weights, same rope), the LM head
holds the target's rows of the draft vocabulary, and both fusions start as identities."""
import os
import subprocess
import sys

import pytest
import torch

from prism.init import init_from_target
from prism.model import DraftConfig, DraftHead
from prism.reference import hf_model
from prism.train import target_embeddings


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("init") / "tiny.gguf")
    subprocess.run([sys.executable, "-m", "prism.tiny_gguf", path, "--type", "F32", "--seed", "3"], check=True)
    return path


def make_head(gguf, modules=2, layers_per_module=1, rope_base=10000.0):
    torch.manual_seed(0)
    c = DraftConfig(hidden=256, width=256, heads=4, kv_heads=2, ffn=512, modules=modules, steps=3, vocab=40,
                    layers_per_module=layers_per_module, rope_base=rope_base)
    vocab = torch.arange(3, 123, 3)  # 40 target ids, not a prefix
    return DraftHead(c, target_embeddings(gguf), vocab)


def test_the_copied_layer_computes_the_target_layer(tiny):
    head = make_head(tiny)
    assert init_from_target(head, tiny, layer=-2) == [2]
    target = hf_model(tiny)
    src = target.model.layers[2]
    torch.manual_seed(1)
    T = 9
    x = torch.randn(1, T, 256)
    pos = torch.arange(T)[None]
    causal = torch.triu(torch.full((T, T), float("-inf")), 1)
    with torch.no_grad():
        for mod in head.mods:
            layer = mod.layers[0]
            k, v = layer.kv(x, pos)
            ours = layer(x, pos, k, v, causal)
            out = src(x, attention_mask=causal[None, None], position_ids=pos,
                      position_embeddings=target.model.rotary_emb(x, pos))
            theirs = out[0] if isinstance(out, tuple) else out
            assert torch.allclose(ours, theirs, atol=1e-5, rtol=1e-5), (ours - theirs).abs().max()


def test_head_rows_norm_and_fusions_are_copies_and_identities(tiny):
    head = make_head(tiny)
    init_from_target(head, tiny)
    target = hf_model(tiny)
    assert torch.equal(head.head.weight, target.lm_head.weight[head.vocab_map])
    assert torch.equal(head.norm.weight, target.model.norm.weight)
    torch.manual_seed(2)
    taps = torch.randn(1, 5, 3 * 256)
    with torch.no_grad():
        assert torch.equal(head.fc(taps), taps[..., 512:])  # the last tap, unchanged
        h = torch.randn(1, 5, 256)
        emb = torch.randn(1, 5, 256)
        for mod in head.mods:
            assert torch.equal(mod.inputs(emb, h), mod.norm_h(h))  # the embedding starts ignored


def test_a_stacked_head_takes_the_layers_ending_at_the_chosen_one(tiny):
    head = make_head(tiny, modules=1, layers_per_module=3)
    assert init_from_target(head, tiny) == [1, 2, 3]
    target = hf_model(tiny)
    for dst, i in zip(head.mods[0].layers, [1, 2, 3]):
        assert torch.equal(dst.down.weight, target.model.layers[i].mlp.down_proj.weight)


def test_refused_where_the_shapes_or_the_rope_differ(tiny):
    with pytest.raises(SystemExit, match="rope base"):
        init_from_target(make_head(tiny, rope_base=100000.0), tiny)
    torch.manual_seed(0)
    narrow = DraftHead(DraftConfig(hidden=256, width=128, heads=4, kv_heads=2, ffn=512, modules=1, steps=2, vocab=8),
                       target_embeddings(tiny), torch.arange(8))
    with pytest.raises(SystemExit, match="width"):
        init_from_target(narrow, tiny)


def test_train_accepts_init_target(tmp_path):
    from test_train import prepare, train

    tmp = prepare(tmp_path)
    out = os.path.join(tmp, "init")
    log = train(tmp, out, "--init", "target", "--iters", "2", "--every", "2")
    assert "initialised from the target (decoder layer(s) [3]" in log
