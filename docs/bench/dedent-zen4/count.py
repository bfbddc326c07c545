# How often the line after a statement dedents, in the dev split: lines whose line before has
# code, opens no block (no `{ : ( [ =>` at its end) and is no comment; the share indented less
# than that line, and of those, the share that start with a closer. Usage:
#   python3 docs/bench/dedent-zen4/count.py /work/shared/data/code
import glob, json, re, sys

root = sys.argv[1]
dev = {e['repo'] for e in json.load(open(f'{root}/splits.json'))['dev']}
ind = lambda l: len(l.expandtabs(4)) - len(l.expandtabs(4).lstrip(' '))
total = dedent = closers = 0
by_lang = {}
for shard in sorted(glob.glob(f'{root}/corpus/*.jsonl')):
    for rec in map(json.loads, open(shard)):
        if rec['repo'] not in dev:
            continue
        prev = None
        for line in rec['content'].split('\n'):
            if not line.strip():
                continue
            if prev is not None:
                p = prev.rstrip()
                if not re.search(r'[{:(\[]$|=>$', p) and not p.lstrip().startswith(('//', '#', '*', '/*')):
                    total += 1
                    if ind(line) < ind(prev):
                        dedent += 1
                        c = by_lang.setdefault(rec['lang'], [0, 0])
                        c[0] += 1
                        if re.match(r'\s*[)\]}]', line):
                            closers += 1
                            c[1] += 1
            prev = line
print(f'{total} lines after a statement, {dedent} dedent ({dedent / total:.1%}), {closers} of them start with a closer')
for lang, (d, c) in sorted(by_lang.items()):
    print(f'  {lang}: {d} dedent, {c} with a closer')
