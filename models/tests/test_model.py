"""The draft-head blocks: the unrolled training-time test equals explicit step-by-step drafting
with a KV cache, losses route to the right modules, and the unroll mask is what it claims."""

import pytest
import torch

from prism.model import MASK_NEG, DraftConfig, DraftHead, unroll_mask


def make(modules=3, steps=4, sigma=(), layers=1, seed=0):
    torch.manual_seed(seed)
    c = DraftConfig(hidden=32, width=32, heads=4, kv_heads=2, ffn=64, modules=modules, steps=steps, vocab=50,
                    layers_per_module=layers, sigma=list(sigma))
    head = DraftHead(c, torch.randn(80, 24), torch.arange(50) * 1 + 7)
    for p in head.parameters():
        p.data.normal_(0, 0.2)
    return head


def test_unroll_mask_by_hand():
    N = MASK_NEG
    assert unroll_mask(3, 1).tolist() == [[0, N, N], [0, 0, N], [0, 0, 0]]
    assert unroll_mask(3, 2).tolist() == [
        [0, N, N, 0, N, N],
        [0, 0, N, N, 0, N],
        [0, 0, 0, N, N, 0],
    ]


@pytest.mark.parametrize("modules,sigma,layers", [(3, (), 1), (2, (1, 2, 2, 1), 1), (1, (), 3)])
def test_unrolled_step_k_equals_inference_at_depth_k(modules, sigma, layers):
    head = make(modules=modules, sigma=sigma, layers=layers)
    T, K = 7, 4
    taps = torch.randn(1, T, 96)
    tokens = torch.randint(0, 80, (1, T + K))
    with torch.no_grad():
        unrolled = head.unroll(taps, tokens, K)
    for n in (1, 4, T):
        # Inference after n accepted positions: prefill with tokens x_1..x_n, then steps fed the
        # same tokens the unroll uses (x_{n-1+k} at step k).
        forced = [int(tokens[0, n - 1 + k]) for k in range(2, K + 1)]
        _, logits = head.draft_chain(taps[:, :n], tokens[:, 1:n + 1], K, forced=forced)
        for k in range(1, K + 1):
            diff = (logits[k - 1][0] - unrolled[k - 1][0, n - 1]).abs().max().item()
            assert diff < 1e-5, f"n={n} step {k}: {diff}"


@pytest.mark.parametrize("sigma,step,expected", [
    ((), 1, {0}), ((), 2, {0, 1}), ((), 4, {0, 1, 2}),
    ((1, 3, 3, 2), 2, {0, 2}), ((1, 3, 3, 2), 3, {0, 2}), ((1, 3, 3, 2), 4, {0, 1, 2}),
])
def test_a_loss_on_step_k_reaches_only_the_first_module_and_those_of_steps_up_to_k(sigma, step, expected):
    head = make(modules=3, sigma=sigma)
    taps = torch.randn(2, 6, 96)
    tokens = torch.randint(0, 80, (2, 10))
    head.unroll(taps, tokens, 4)[step - 1].square().mean().backward()
    got = {m for m, mod in enumerate(head.mods) if any(p.grad is not None and p.grad.abs().sum() > 0 for p in mod.parameters())}
    assert got == expected
    assert head.fc.weight.grad.abs().sum() > 0  # the feature fusion always learns (through the prefill)


def test_embeddings_are_frozen_and_not_saved():
    head = make()
    assert "embed" not in head.state_dict()
    assert all(p.data_ptr() != head.embed.data_ptr() for p in head.parameters())


def test_sigma_must_be_a_module():
    with pytest.raises(ValueError, match="sigma"):
        make(modules=2, sigma=(1, 3)).unroll(torch.randn(1, 3, 96), torch.randint(0, 80, (1, 8)), 2)
