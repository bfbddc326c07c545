"""The draft heads: one set of blocks for PRISM and its baselines, used identically by training
(the unrolled training-time test) and inference (prefill + draft steps over one KV cache).

PRISM (arXiv 2602.01762): M processing modules, each a fusion layer (the current token's
embedding with the incoming hidden state) plus one Llama decoder layer. Draft step k runs module
sigma(k) (a surjective map; default min(k, M), 1-based); the prefill over accepted tokens runs the
first module on the target's fused features; all modules share one draft KV cache.
EAGLE-3 is M = 1; "stacked EAGLE-3" is one module of M decoder layers at every step.

Positions and names: the draft input at position i is (feature of position i, token x_{i+1}) and
its output predicts x_{i+2}. Step 1 of the unroll is exactly the prefill; step k >= 2 takes the
previous step's output hidden state and token x_{i+k}, at position i + k - 1.
"""
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from prism.constants import MASK_NEG, default_sigma


@dataclass
class DraftConfig:
    hidden: int  # target hidden size H (taps are 3H wide)
    width: int  # draft width d
    heads: int
    kv_heads: int
    ffn: int
    modules: int  # M
    steps: int  # K
    vocab: int  # draft vocabulary size N
    layers_per_module: int = 1  # > 1 only for stacked EAGLE-3
    rope_base: float = 10000.0
    eps: float = 1e-5
    sigma: list = field(default_factory=list)  # 1-based module of each step; default min(k, M)

    def module_of(self, k):
        """0-based module index run at draft step k (1-based)."""
        s = (self.sigma or default_sigma(self.steps, self.modules))[k - 1]
        if not 1 <= s <= self.modules:
            raise ValueError(f"sigma({k}) = {s} is not a module (1..{self.modules})")
        return s - 1


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope(x, positions, base):
    """Rotary embedding, rotate-half layout. x [B, h, T, hd], positions [B, T]."""
    hd = x.shape[-1]
    inv = 1.0 / base ** (torch.arange(0, hd, 2, dtype=torch.float32, device=x.device) / hd)
    ang = positions[:, None, :, None].float() * inv
    cos, sin = ang.cos(), ang.sin()
    x1, x2 = x[..., : hd // 2], x[..., hd // 2:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], -1)


class DecoderLayer(nn.Module):
    """A Llama decoder layer whose attention reads given keys/values besides its own."""

    def __init__(self, c: DraftConfig):
        super().__init__()
        self.c = c
        hd = c.width // c.heads
        self.hd = hd
        self.attn_norm = RMSNorm(c.width, c.eps)
        self.q = nn.Linear(c.width, c.heads * hd, bias=False)
        self.k = nn.Linear(c.width, c.kv_heads * hd, bias=False)
        self.v = nn.Linear(c.width, c.kv_heads * hd, bias=False)
        self.o = nn.Linear(c.heads * hd, c.width, bias=False)
        self.ffn_norm = RMSNorm(c.width, c.eps)
        self.gate = nn.Linear(c.width, c.ffn, bias=False)
        self.up = nn.Linear(c.width, c.ffn, bias=False)
        self.down = nn.Linear(c.ffn, c.width, bias=False)

    def kv(self, h, positions):
        """This layer's keys (with rope) and values for hidden states h [B, T, d]."""
        B, T, _ = h.shape
        x = self.attn_norm(h)
        k = rope(self.k(x).view(B, T, self.c.kv_heads, self.hd).transpose(1, 2), positions, self.c.rope_base)
        v = self.v(x).view(B, T, self.c.kv_heads, self.hd).transpose(1, 2)
        return k, v

    def forward(self, h, positions, keys, values, mask, chain=None):
        """h [B,T,d]; keys/values [B, kv_heads, S, hd]; mask [T, S] additive. Returns the new
        hidden states [B,T,d].

        Inference (chain None): keys/values are everything attended to, own ones included.
        Training-time test (chain given): keys/values are the step-1 (prefill) entries of the T
        positions, seen causally through mask [T, T], and chain = (kc, vc) [B, kv_heads, T, j, hd]
        the j later steps' entries of each query's own position (or None at step 1). This is the
        attention of unroll_mask's layout without its k*T-wide score matrix, most of which is
        masked: each query sees T + j keys, not k*T."""
        B, T, _ = h.shape
        x = self.attn_norm(h)
        q = rope(self.q(x).view(B, T, self.c.heads, self.hd).transpose(1, 2), positions, self.c.rope_base)
        kvh, g = self.c.kv_heads, self.c.heads // self.c.kv_heads
        scale = self.hd ** -0.5
        # Query head i reads key/value head i // g (grouped-query attention), by broadcasting.
        qg = q.view(B, kvh, g, T, self.hd)
        att = (qg @ keys[:, :, None].transpose(-1, -2)) * scale + mask
        if chain is not None:
            kc, vc = chain
            att = torch.cat([att, torch.einsum("bkgtd,bktjd->bkgtj", qg, kc) * scale], -1)
        p = att.softmax(-1)
        S = keys.shape[2]
        y = p[..., :S] @ values[:, :, None]
        if chain is not None:
            y = y + torch.einsum("bkgtj,bktjd->bkgtd", p[..., S:], vc)
        y = y.reshape(B, self.c.heads, T, self.hd).transpose(1, 2).reshape(B, T, -1)
        h = h + self.o(y)
        x = self.ffn_norm(h)
        return h + self.down(F.silu(self.gate(x)) * self.up(x))


class Module(nn.Module):
    """A processing module: fusion of (token embedding, incoming hidden) + decoder layer(s)."""

    def __init__(self, c: DraftConfig, embed_dim):
        super().__init__()
        self.norm_e = RMSNorm(embed_dim, c.eps)
        self.norm_h = RMSNorm(c.width, c.eps)
        self.fuse = nn.Linear(embed_dim + c.width, c.width, bias=False)
        self.layers = nn.ModuleList([DecoderLayer(c) for _ in range(c.layers_per_module)])

    def inputs(self, emb, h_in):
        return self.fuse(torch.cat([self.norm_e(emb), self.norm_h(h_in)], -1))


def unroll_mask(T, k):
    """Training-time-test attention at step k for a window of T positions.

    Keys are ordered [step-1 keys of positions 0..T-1, then for j = 2..k the step-j keys of
    positions 0..T-1]. The query of position i at step k sees step-1 keys of positions <= i (the
    prefill cache at inference) and its own chain's keys of steps 2..k (the draft steps' cache
    entries) — nothing else. [T, k*T]
    """
    m = torch.full((T, k * T), MASK_NEG)
    idx = torch.arange(T)
    m[:, :T] = torch.where(idx[None, :] <= idx[:, None], 0.0, MASK_NEG)
    for j in range(2, k + 1):
        m[idx, (j - 1) * T + idx] = 0.0
    return m


class DraftHead(nn.Module):
    def __init__(self, c: DraftConfig, target_embeddings: torch.Tensor, vocab_map: torch.Tensor):
        """target_embeddings [V, H] (frozen, not a parameter); vocab_map [N] draft id -> target id."""
        super().__init__()
        self.c = c
        self.register_buffer("embed", target_embeddings.detach().float(), persistent=False)
        self.register_buffer("vocab_map", vocab_map.long())
        self.fc = nn.Linear(3 * c.hidden, c.width, bias=False)
        self.mods = nn.ModuleList([Module(c, target_embeddings.shape[1]) for _ in range(c.modules)])
        self.norm = RMSNorm(c.width, c.eps)
        self.head = nn.Linear(c.width, c.vocab, bias=False)

    def run_module(self, m, emb, h_in, positions, past_kv, mask):
        """Runs module m over new positions; past_kv: per layer (K, V) already cached, or None.
        Returns (output hidden, this call's per-layer (K, V), per-layer past + new (K, V))."""
        mod = self.mods[m]
        h = mod.inputs(emb, h_in)
        new, full = [], []
        for li, layer in enumerate(mod.layers):
            k, v = layer.kv(h, positions)
            new.append((k, v))
            if past_kv is not None:
                pk, pv = past_kv[li]
                k, v = torch.cat([pk, k], 2), torch.cat([pv, v], 2)
            full.append((k, v))
            h = layer(h, positions, k, v, mask)
        return h, new, full

    def logits(self, h):
        return self.head(self.norm(h))

    def unroll(self, taps, tokens, steps=None):
        """Training-time test. taps [B, T, 3H] for positions 0..T-1; tokens [B, T + steps] with
        tokens[:, i] = x_i (so the input token at position i, step k is x_{i+k}). Returns the logits
        of every step: list of [B, T, N]; step k at position i predicts x_{i+k+1}.

        Attention follows unroll_mask(T, k): step 1's keys causally, then each position's own
        chain of keys from steps 2..k (kept per position, [B, kvh, T, j, hd], so no query scores
        the masked-out keys of other positions' chains)."""
        K = steps or self.c.steps
        B, T, _ = taps.shape
        assert tokens.shape[1] >= T + K, "tokens must extend K past the window"
        pos0 = torch.arange(T, device=taps.device)[None].expand(B, T)
        causal = unroll_mask(T, 1).to(taps.device)
        h = self.fc(taps)
        prefix = None  # per layer: step 1's (K, V) [B, kvh, T, hd]
        chains = None  # per layer: steps 2..k's (K, V) [B, kvh, T, k-1, hd]
        out = []
        for k in range(1, K + 1):
            mod = self.mods[self.c.module_of(k)]
            positions = pos0 + (k - 1)
            h = mod.inputs(self.embed[tokens[:, k: k + T]], h)
            new_chains = []
            for li, layer in enumerate(mod.layers):
                kn, vn = layer.kv(h, positions)
                if prefix is None or li >= len(prefix):
                    # Step 1 (or a stacked layer's first visit): these are the prefill entries.
                    prefix = (prefix or []) + [(kn, vn)]
                    h = layer(h, positions, kn, vn, causal)
                    continue
                kc, vc = kn[:, :, :, None], vn[:, :, :, None]
                if chains is not None:
                    kc, vc = torch.cat([chains[li][0], kc], 3), torch.cat([chains[li][1], vc], 3)
                new_chains.append((kc, vc))
                h = layer(h, positions, prefix[li][0], prefix[li][1], causal, chain=(kc, vc))
            if k > 1:
                chains = new_chains
            out.append(self.logits(h))
        return out

    @torch.no_grad()
    def draft_chain(self, taps, tokens, steps, forced=None):
        """Inference, explicitly: prefill the first module over the n accepted positions (taps
        [1, n, 3H]; tokens [1, n], the token after each position, the last being the root), then
        draft steps 2..steps with a KV cache, each feeding the previous step's token: its argmax,
        or forced[k - 2] when given (teacher forcing, for tests). Returns (drafts, step logits)."""
        n = taps.shape[1]
        positions = torch.arange(n)[None]
        mask = torch.where(torch.arange(n)[None, :] <= torch.arange(n)[:, None], 0.0, MASK_NEG)
        h, kv, _ = self.run_module(self.c.module_of(1), self.embed[tokens], self.fc(taps), positions, None, mask)
        g = h[:, -1:]
        logits = [self.logits(g)[:, 0]]
        drafted = []
        for k in range(2, steps + 1):
            tok = self.vocab_map[logits[-1].argmax(-1)]
            drafted.append(int(tok))
            if forced is not None:
                tok = torch.tensor([forced[k - 2]])
            pos = torch.tensor([[n - 1 + k - 1]])
            g, _, kv = self.run_module(self.c.module_of(k), self.embed[tok][:, None], g, pos, kv, torch.zeros(1, kv[0][0].shape[2] + 1))
            logits.append(self.logits(g)[:, 0])
        drafted.append(int(self.vocab_map[logits[-1].argmax(-1)]))
        return drafted, logits
