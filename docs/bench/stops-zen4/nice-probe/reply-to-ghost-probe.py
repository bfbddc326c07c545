# A probe build (not committed): the client's provide calls logged through a temporary hook, the
# server at PRISM_NICE=10 or 0 (os.setPriority at its start), the hand session still waiting with a
# Playwright locator. Server reply -> ghost text per step; the half-second values were the locator.
#   python3 reply-to-ghost-probe.py nice10-1 nice0-1 nice10-2 nice0-2 nice10-3 nice0-3
import json,re,sys,datetime as dt
def ts(s): return dt.datetime.fromisoformat(s.replace('Z','+00:00')).timestamp()
for d in sys.argv[1:]:
    steps=[json.loads(l) for l in open(f'{d}.txt') if l.startswith('{"step"') and 'ghost_ms' in l]
    log=open(f'{d}-prism-output.log').read().splitlines()
    outs=[]
    for l in log:
        m=re.search(r'\] (\S+Z) provide .* out server (\S.*) \+(\d+) ms',l)
        if m: outs.append((ts(m.group(1)),m.group(2)[:40]))
    for s in steps:
        k=ts(s['key_at']); g=k+s['ghost_ms']/1000
        before=[o for o in outs if k<=o[0]<=g+0.01]
        if not before: print(d,s['step'],'no out'); continue
        o=before[-1]
        print(d, f"{s['step']:22s} ghost {s['ghost_ms']:5d}  reply->ghost {int((g-o[0])*1000):4d} ms  {o[1]}")
