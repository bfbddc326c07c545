# From the server's reply (the client's trace line 'answered ... server/cache') to the ghost text on screen, per hand-session step.
#   cd docs/bench/stops-zen4/hand && python3 reply-to-ghost.py h-new-1 h-new-2
import json,re,sys,datetime as dt
def ts(s): return dt.datetime.fromisoformat(s.replace('Z','+00:00')).timestamp()
for d in sys.argv[1:]:
    steps=[json.loads(l) for l in open(f'{d}.txt') if l.startswith('{"step"') and 'ghost_ms' in l]
    outs=[]
    for l in open(f'{d}-prism-output.log'):
        m=re.match(r'(\S+ \S+) \[trace\] answered .* after \d+ ms: (server|cache) (.*)',l)
        if m: outs.append((ts(m.group(1).replace(' ','T')+'+00:00'),m.group(3)[:30]))
    for s in steps:
        k=ts(s['key_at']); g=k+s['ghost_ms']/1000
        before=[o for o in outs if k<=o[0]<=g+0.01]
        if not before: print(d,s['step'],'no reply before the ghost'); continue
        print(d, f"{s['step']:22s} ghost {s['ghost_ms']:5d} ms after the key; reply -> ghost {int((g-before[-1][0])*1000):4d} ms")
