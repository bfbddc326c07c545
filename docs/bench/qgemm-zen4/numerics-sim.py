# Simulated numerics vs the fp32 reference (transformers on the GGUF's dequantized weights): top-1
# agreement on teacher-forced dev windows (12 x 256 tokens), for the arithmetic MatMulInteger allows
# (activations quantized per row, weights per output column) against int8 activations per block of 32.
# cd models && .venv/bin/python ../docs/bench/qgemm-zen4/numerics-sim.py 12
import json, sys, random, torch, torch.nn.functional as F, numpy as np
import os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simlib import GGUF as G, windows as _windows, qrow, qblk, wchan
from prism.reference import hf_model, hf_tokenizer
torch.set_num_threads(2)
m=hf_model(G); tok=hf_tokenizer(G)
def windows(split, n, W=256, seed=0): return _windows(tok, split, n, W, seed)
dev=windows('dev', int(sys.argv[1]) if len(sys.argv)>1 else 12)
cal=windows('train', 8, seed=1)
lins=[]
for L in m.model.layers:
    for name in ['self_attn.q_proj','self_attn.k_proj','self_attn.v_proj','self_attn.o_proj','mlp.gate_proj','mlp.up_proj','mlp.down_proj']:
        mod=L.get_submodule(name); lins.append((name,mod))
W0={id(mod):mod.weight.data.clone() for _,mod in lins}
fwd0={id(mod):mod.forward for _,mod in lins}
def run(ws):
    with torch.no_grad():
        return torch.stack([m(input_ids=torch.tensor([w])).logits[0].argmax(-1) for w in ws])
ref=run(dev)
# calibration: per-input-channel absmax for each linear
amax={}
def hook(mod, inp, out):
    a=inp[0].detach().abs().reshape(-1,inp[0].shape[-1]).amax(0); k=id(mod)
    amax[k]=torch.maximum(amax[k],a) if k in amax else a
hs=[mod.register_forward_hook(hook) for _,mod in lins]; run(cal); [h.remove() for h in hs]
def setup(act, wq, alpha=None):
    for _,mod in lins:
        k=id(mod); w=W0[k]
        sm=None
        if alpha is not None:
            wmax=w.abs().amax(0).clamp_min(1e-8); sm=(amax[k].clamp_min(1e-8)**alpha/wmax**(1-alpha))
        ww=w*sm[None,:] if sm is not None else w
        mod.weight.data=wq(ww) if wq else ww.clone()
        def f(x, mod=mod, sm=sm):
            if sm is not None: x=x/sm
            return F.linear(act(x) if act else x, mod.weight)
        mod.forward=f
def reset():
    for _,mod in lins: mod.weight.data=W0[id(mod)].clone(); mod.forward=fwd0[id(mod)]
def setup_out(k, wq):
    for _,mod in lins:
        key=id(mod); w=W0[key]
        idx=amax[key].topk(k).indices if k>0 else torch.zeros(0,dtype=torch.long)
        mask=torch.ones(w.shape[1]); mask[idx]=0
        wi=wq(w*mask[None,:]) if wq else w*mask[None,:]
        wo=w[:,idx]
        def f(x, mask=mask, idx=idx, wi=wi, wo=wo):
            return F.linear(qrow(x*mask), wi)+F.linear(x[...,idx], wo)
        mod.forward=f
for label,args in [('blk32 act, exact w',(qblk,None)),('row act, exact w',(qrow,None)),('exact act, chan8 w',(None,wchan)),('row act, chan8 w',(qrow,wchan)),
                   ('row+smooth0.5, chan8',(qrow,wchan,0.5)),('row+smooth0.7, chan8',(qrow,wchan,0.7)),('row+smooth0.3, chan8',(qrow,wchan,0.3))]:
    setup(*args); p=run(dev); reset()
    print(f'{label:28s} top-1 agreement {(p==ref).float().mean().item()*100:.2f}% over {ref.numel()} positions', flush=True)
for k in [4,16,32]:
    for wq,lab in [(None,'exact w'),(wchan,'chan8 w')]:
        setup_out(k,wq); p=run(dev); reset()
        print(f'row act, {k} outlier ch fp32, {lab}: top-1 agreement {(p==ref).float().mean().item()*100:.2f}%', flush=True)
