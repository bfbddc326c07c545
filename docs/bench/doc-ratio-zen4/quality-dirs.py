# The --dir folders of the Python and Java quality rows: the first 20 dev-split files of 6-40 KB
# per language, written to /tmp/qdir-LANG (outside the repository; the data stays in shared/).
#   python3 docs/bench/doc-ratio-zen4/quality-dirs.py [SHARED_DATA_CODE]
import json, os, sys
data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'shared', 'data', 'code')
dev = {r['repo'] for r in json.load(open(os.path.join(data, 'splits.json')))['dev']}
for lang in ('python', 'java'):
    out = f'/tmp/qdir-{lang}'
    os.makedirs(out, exist_ok=True)
    n = 0
    for line in open(os.path.join(data, 'corpus', f'{lang}.jsonl')):
        r = json.loads(line)
        if r['repo'] not in dev or not 6000 <= len(r['content']) <= 40000:
            continue
        with open(os.path.join(out, r['repo'].replace('/', '_') + '_' + r['path'].replace('/', '_')), 'w') as f:
            f.write(r['content'])
        n += 1
        if n >= 20:
            break
    print(lang, n, out)
