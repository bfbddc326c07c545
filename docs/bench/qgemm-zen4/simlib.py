# What the numerics simulations share (numerics-sim.py here, ../rotation-zen4/rotation-sim.py):
# the dev windows they measure on and the quantizers they simulate.
import json, os, random
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../..')
GGUF = os.path.join(ROOT, '.models/SmolLM2-135M-Instruct.Q4_1.gguf')
DATA = os.environ.get('PRISM_SHARED_DATA', os.path.join(ROOT, '../shared/data/code'))

def windows(tok, split, n, W=256, seed=0):
    """The first W tokens of n files over 3,000 characters of the split's repositories, in a seeded shuffle."""
    splits = json.load(open(os.path.join(DATA, 'splits.json')))
    rs = {e['repo'] for e in splits[split]}; files = []
    for lang in ['python', 'typescript', 'javascript', 'go', 'rust', 'java', 'c_cpp']:
        for line in open(os.path.join(DATA, 'corpus', lang + '.jsonl')):
            r = json.loads(line)
            if r['repo'] in rs and len(r['content']) > 3000: files.append(r['content'])
    random.Random(seed).shuffle(files); out = []
    for c in files:
        ids = tok.encode(c).ids
        if len(ids) >= W + 1: out.append(ids[:W])
        if len(out) == n: break
    return out

def qrow(x):
    """int8 per row (one scale per activation row: MatMulInteger's arithmetic)."""
    s = x.abs().amax(-1, keepdim=True).clamp_min(1e-30) / 127
    return (x / s).round().clamp(-128, 127) * s

def qblk(x, b=32):
    """int8 per block of b along the row (MatMulNBits' int8 activations)."""
    sh = x.shape; xb = x.reshape(*sh[:-1], sh[-1] // b, b); s = xb.abs().amax(-1, keepdim=True).clamp_min(1e-30) / 127
    return ((xb / s).round().clamp(-127, 127) * s).reshape(sh)

def wchan(w):
    """int8 per output column of the GEMM (a row of w [N, K])."""
    s = w.abs().amax(1, keepdim=True).clamp_min(1e-30) / 127
    return (w / s).round().clamp(-127, 127) * s
