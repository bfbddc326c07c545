# Does an orthogonal rotation of each linear's input make per-row int8 activations (the arithmetic
# MatMulInteger allows) as good as today's int8 per block of 32? Simulated on the GGUF's dequantized
# weights: top-1 agreement with the fp32 reference on teacher-forced dev windows (12 x 256 tokens),
# the same windows and reference as docs/bench/qgemm-zen4/numerics-sim.py.
# x W^T = (x R)(W R)^T for orthogonal R: the rotation moves outlier channels' energy across all
# channels, so one scale per row loses less (QuaRot / SpinQuant's argument).
# cd models && .venv/bin/python ../docs/bench/rotation-zen4/rotation-sim.py 12 [WORD,WORD...: only arms whose label has one]
import sys, os, torch, torch.nn.functional as F
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '../qgemm-zen4'))
from simlib import GGUF as G, windows as _windows, qrow, qblk, wchan
from prism.reference import hf_model, hf_tokenizer
torch.set_num_threads(2)
m = hf_model(G); tok = hf_tokenizer(G)
def windows(split, n, W=256, seed=0): return _windows(tok, split, n, W, seed)
dev = windows('dev', int(sys.argv[1]) if len(sys.argv) > 1 else 12)
lins = []
for L in m.model.layers:
    for name in ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.o_proj', 'mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj']:
        lins.append((name, L.get_submodule(name)))
W0 = {id(mod): mod.weight.data.clone() for _, mod in lins}
fwd0 = {id(mod): mod.forward for _, mod in lins}
def run(ws):
    with torch.no_grad():
        return torch.stack([m(input_ids=torch.tensor([w])).logits[0].argmax(-1) for w in ws])
ref = run(dev)
g = torch.Generator().manual_seed(0)
def orth(n):
    q, r = torch.linalg.qr(torch.randn(n, n, generator=g, dtype=torch.float64))
    return (q * torch.sign(torch.diagonal(r))[None, :]).float()
def hadamard(n):
    h = torch.ones(1, 1)
    while h.shape[0] < n: h = torch.cat([torch.cat([h, h], 1), torch.cat([h, -h], 1)], 0).contiguous()
    assert h.shape[0] == n
    return h / n ** 0.5
def factors(K):  # the two factors closest to sqrt(K)
    a = int(K ** 0.5)
    while K % a: a -= 1
    return a, K // a
def rotation(K, kind):
    if kind == 'dense': return orth(K)
    a, b = factors(K)
    if kind == 'kron': return torch.kron(orth(a), orth(b))
    if kind == 'hadamard':  # a power-of-two Hadamard times a small random orthogonal factor
        p = 1
        while K % (p * 2) == 0: p *= 2
        return torch.kron(orth(K // p).contiguous(), hadamard(p).contiguous())
    raise ValueError(kind)
rots = {}
def setup(act, wq, kind=None):
    for _, mod in lins:
        k = id(mod); w = W0[k]; K = w.shape[1]
        R = None
        if kind:
            key = (K, kind, mod.weight.data_ptr())  # one rotation per linear (weights differ per layer anyway)
            R = rots.setdefault(key, rotation(K, kind))
        ww = w @ R if R is not None else w
        mod.weight.data = wq(ww) if wq else ww.clone()
        def f(x, mod=mod, R=R):
            if R is not None: x = x @ R
            return F.linear(act(x) if act else x, mod.weight)
        mod.forward = f
def reset():
    for _, mod in lins: mod.weight.data = W0[id(mod)].clone(); mod.forward = fwd0[id(mod)]
ONLY = sys.argv[2].split(',') if len(sys.argv) > 2 else None
arms = [('blk32 act, exact w (today)', (qblk, None)),
        ('row act, chan8 w', (qrow, wchan)),
        ('kron rot, row act, exact w', (qrow, None, 'kron')),
        ('kron rot, exact act, chan8 w', (None, wchan, 'kron')),
        ('kron rot, row act, chan8 w', (qrow, wchan, 'kron')),
        ('hadamard rot, row act, chan8 w', (qrow, wchan, 'hadamard')),
        ('dense rot, row act, chan8 w', (qrow, wchan, 'dense')),
        ('kron rot, blk32 act, chan8 w', (qblk, wchan, 'kron'))]
for label, args in arms:
    if ONLY and not any(o in label for o in ONLY): continue
    setup(*args); p = run(dev); reset()
    print(f'{label:34s} top-1 agreement {(p == ref).float().mean().item() * 100:.2f}% over {ref.numel()} positions', flush=True)
