# Cores each process used in a window of cpu-sampler.py's samples: python3 cpu-window.py SAMPLES ISO_KEY_TIME
# (the hand session's step key_at), for [key - 2.5 s, key] and [key, key + 1.8 s].
import json, datetime, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
key = datetime.datetime.fromisoformat(sys.argv[2].replace('Z', '+00:00')).timestamp()
def window(a, b):
    r0 = min(rows, key=lambda r: abs(r['t'] - a)); r1 = min(rows, key=lambda r: abs(r['t'] - b))
    dt = r1['t'] - r0['t']; agg = {}
    for pid, (t1, cmd) in r1['p'].items():
        d = (t1 - r0['p'].get(pid, [0])[0]) / 100 / dt
        if d > 0.02:
            name = cmd.split(' ')[0].split('/')[-1] + ' ' + ' '.join(x.split('/')[-1] for x in cmd.split(' ')[1:3])
            agg[name] = agg.get(name, 0) + d
    return dt, sorted(agg.items(), key=lambda x: -x[1])
for a, b, label in [(key - 2.5, key, 'open -> Enter'), (key, key + 1.8, 'Enter -> ghost')]:
    dt, agg = window(a, b)
    print(label, f'{dt:.2f} s', 'cores in all', round(sum(v for _, v in agg), 2))
    for n, v in agg[:8]: print(f'   {v:.2f}  {n[:110]}')
