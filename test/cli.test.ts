// The bundled CLI (dist/cli.js) as a user runs it: JSON output, and one clear line per error.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { editorPrompt } from '../server/cli';
import { DT, GraphBuilder } from '../kernels/onnx';
import { defaultModel, ROOT, telemetryEnv } from './helpers';

const CLI = path.join(ROOT, 'dist', 'cli.js');

function cli(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, PRISM_MODEL: defaultModel(), ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('prism-complete CLI', () => {
  it('reports tau and acceptance by depth with a drafter, with the same text as plain decoding', () => {
    const args = ['complete', '--file', 'examples/event_emitter.ts', '--line', '30', '--column', '4', '--max-tokens', '24', '--json'];
    const plain = JSON.parse(cli([...args, '--draft', 'none']).stdout.trim()) as { text: string; tau?: number };
    // The default drafter ("auto": the policy's choice before any measurement) gives the same text.
    const auto = JSON.parse(cli(args).stdout.trim()) as { text: string; drafter?: string };
    assert.equal(auto.text, plain.text);
    assert.equal(auto.drafter, 'hybrid(prism)', 'auto starts with the hybrid where the PRISM head ships (the measured priors)');
    const r = cli([...args, '--draft', 'ngram', '--depth', '4']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout.trim()) as { text: string; tau: number; acceptance_by_depth: number[]; target_runs: number };
    assert.equal(j.text, plain.text);
    assert.equal(plain.tau, undefined);
    assert.ok(j.tau >= 1 && j.target_runs > 0);
    assert.ok(Array.isArray(j.acceptance_by_depth) && j.acceptance_by_depth.length >= 1 && j.acceptance_by_depth.length <= 4);
  });

  it('bench-decode --only: the rows it names beside plain, and depth tuning only for the heads that ran', () => {
    const r = cli(['bench-decode', '--dir', 'examples', '--positions', '1', '--tokens', '6', '--depths', '2', '--only', 'prism chain', '--no-llama', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as { decode: { results: { config: string; mismatches: number }[]; tuning: { drafter: string }[] }[] };
    const j = out.decode[0] as (typeof out.decode)[0];
    assert.deepEqual(j.results.map((x) => x.config), ['plain', 'prism chain d2']);
    assert.equal(j.results[1]?.mismatches, 0);
    // Not eagle3's: its row did not run, and its curve would have been the tuner's prior.
    assert.deepEqual(j.tuning.map((t) => t.drafter), ['prism']);
  });

  it('drafts trees in the exact numerics with the tree-exact attention, with the text of plain decoding in the same numerics', () => {
    const args = ['complete', '--file', 'examples/event_emitter.ts', '--line', '30', '--column', '4', '--max-tokens', '24', '--json', '--tree', 'dynamic'];
    const plain = JSON.parse(cli([...args, '--draft', 'none']).stdout.trim()) as { text: string };
    const r = cli([...args, '--draft', 'ngram', '--depth', '4', '--tree-width', '2']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout.trim()) as { text: string; tau: number; target_runs: number };
    assert.equal(j.text, plain.text);
    assert.ok(j.tau >= 1 && j.target_runs > 0);
  });

  it('starts no onnxruntime telemetry, where onnxruntime loaded alone does (target and PRISM head)', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prism-telemetry-'));
    try {
      // The control: onnxruntime-node alone, one session, in the same environment, writes its store.
      const g = new GraphBuilder('identity');
      g.op('Identity', [g.input('x', DT.FLOAT, [1])], {}, { out: 'y' });
      g.output('y', DT.FLOAT, [1]);
      fs.writeFileSync(path.join(tmp, 'identity.onnx'), g.build());
      const script = `require('onnxruntime-node').InferenceSession.create(${JSON.stringify(path.join(tmp, 'identity.onnx'))}).then(() => setTimeout(() => process.exit(0), 500))`;
      const control = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, ...telemetryEnv(path.join(tmp, 'alone')) } });
      assert.equal(control.status, 0, control.stderr);
      assert.ok(fs.existsSync(path.join(tmp, 'alone', 'Microsoft', 'DeveloperTools', '.onnxruntime')), 'this onnxruntime keeps no telemetry store: the check below proves nothing, update this test');
      // The CLI with the hybrid drafter: the target's session and the head's two.
      const r = cli(['complete', '--file', 'examples/lru_cache.py', '--line', '20', '--column', '8', '--max-tokens', '8', '--draft', 'hybrid', '--json'], telemetryEnv(path.join(tmp, 'ours')));
      assert.equal(r.code, 0, r.stderr);
      assert.equal(fs.existsSync(path.join(tmp, 'ours', 'Microsoft')), false, 'no onnxruntime telemetry store');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('completes real code at a cursor and prints one JSON line', () => {
    const r = cli(['complete', '--file', 'examples/lru_cache.py', '--line', '20', '--column', '8', '--max-tokens', '12', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const j = JSON.parse(lines[0] as string) as Record<string, unknown>;
    assert.equal(typeof j.text, 'string');
    assert.ok(Array.isArray(j.tokens) && j.tokens.length > 0 && j.tokens.length <= 12);
    for (const k of ['prefill_ms', 'decode_tokens_per_s', 'total_ms', 'prompt_tokens']) assert.equal(typeof j[k], 'number', k);
    // The same cursor through --prompt gives the same greedy text.
    const text = fs.readFileSync(path.join(ROOT, 'examples/lru_cache.py'), 'utf8').split('\n');
    const prompt = `${text.slice(0, 20).join('\n')}\n${(text[20] as string).slice(0, 8)}`;
    const r2 = cli(['complete', '--prompt', prompt, '--max-tokens', '12', '--json']);
    assert.equal((JSON.parse(r2.stdout.trim()) as { text: string }).text, j.text);
  });

  // A long file, so that the editor's budget cuts the prefix: 600 numbered lines of about 40 characters.
  const longLines = Array.from({ length: 600 }, (_, i) => `    total = total + values[${i}]  # step ${i}`);
  const longText = `def accumulate(values):\n    total = 0\n${longLines.join('\n')}\n    return total\n`;

  it('builds the editor\'s prompt for --file: a line-aligned prefix within the budget, the suffix only for fill-in-the-middle models', () => {
    const offset = longText.indexOf('    return total');
    const small = editorPrompt(longText, offset, undefined, 64);
    assert.equal(small.prompt.mode, 'prefix');
    assert.ok(longText.endsWith(small.prompt.text + longText.slice(offset)), 'the prompt ends exactly at the cursor');
    assert.equal(longText[small.prompt.prefixStart - 1], '\n', 'the prefix starts at a line start');
    // 64 tokens at the builder's first estimate (3 characters a token) keep 0.7 of 192 characters.
    assert.ok(small.prompt.text.length > 64 && small.prompt.text.length <= 192, `${small.prompt.text.length} characters`);
    const dropped = longText.slice(0, small.prompt.prefixStart).split('\n').length - 1;
    assert.equal(small.note, `the text before the cursor from line ${dropped} (0-based; the ${dropped} lines above it are outside the budget); budget 64 tokens (--context-tokens)`);
    // At the file's own ratio (the server counts it first): half the characters at 1.5 a token.
    const dense = editorPrompt(longText, offset, undefined, 64, 1.5);
    assert.ok(dense.prompt.text.length > 32 && dense.prompt.text.length <= 96, `${dense.prompt.text.length} characters`);
    const whole = editorPrompt(longText, offset, undefined, 8000, 4);
    assert.equal(whole.prompt.text, longText.slice(0, offset));
    assert.equal(whole.note, 'the whole text before the cursor; budget 8000 tokens (--context-tokens)');
    const short = 'def f(x):\n    return x\n\nprint(f(1))\n';
    const fim = editorPrompt(short, 14, { prefix: '<P>', suffix: '<S>', middle: '<M>' }, 1024);
    assert.equal(fim.prompt.text, `<P>def f(x):\n    <S>return x\n\nprint(f(1))\n<M>`);
    assert.equal(fim.note, 'the whole text before the cursor, and 3 lines after it; budget 1024 tokens (--context-tokens)');
  });

  it('sends --file within the editor\'s budget (--context-tokens), so a long file costs a short prompt', () => {
    const file = path.join(tmp, 'long.py');
    fs.writeFileSync(file, longText);
    const args = ['complete', '--file', file, '--line', String(longLines.length + 2), '--column', '4', '--max-tokens', '4', '--draft', 'none'];
    const small = cli([...args, '--context-tokens', '64', '--json']);
    assert.equal(small.code, 0, small.stderr);
    const big = cli([...args, '--json']);
    const s = JSON.parse(small.stdout.trim()) as { prompt_tokens: number };
    const b = JSON.parse(big.stdout.trim()) as { prompt_tokens: number };
    assert.ok(s.prompt_tokens >= 16 && s.prompt_tokens <= 128, `${s.prompt_tokens} prompt tokens at a 64-token budget`);
    assert.ok(b.prompt_tokens >= 500 && b.prompt_tokens <= 1400, `${b.prompt_tokens} prompt tokens at the default budget (1,024)`);
    const shown = cli([...args, '--context-tokens', '64']);
    assert.match(shown.stderr, /^prism: prompt: the text before the cursor from line \d+ \(0-based; the \d+ lines above it are outside the budget\); budget 64 tokens \(--context-tokens\)$/m);
  });

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prism-cli-'));
  const cases: [string, string[], number, RegExp][] = [
    ['a missing source file', ['complete', '--file', path.join(tmp, 'nope.py'), '--line', '0', '--column', '0'], 2, /^prism-complete: cannot read .*nope\.py: ENOENT$/m],
    ['a line past the end', ['complete', '--file', 'examples/lru_cache.py', '--line', '9999', '--column', '0'], 2, /^prism-complete: examples\/lru_cache\.py has \d+ lines; --line 9999 is past the end \(lines are 0-based\)$/m],
    ['a budget for a --prompt', ['complete', '--prompt', 'x', '--context-tokens', '512'], 2, /^prism-complete: --context-tokens applies to --file \(the editor's prompt budget\); --prompt is sent as given$/m],
    ['two budgets for one completion', ['complete', '--file', 'examples/lru_cache.py', '--line', '20', '--column', '8', '--context-tokens', '512,1024'], 2, /^prism-complete: complete takes one --context-tokens budget, got '512,1024'$/m],
    ['a bad number', ['complete', '--prompt', 'x', '--max-tokens', 'lots'], 2, /^prism-complete: --max-tokens must be an integer >= 1, got 'lots'$/m],
    ['a prompt length too short', ['bench-plain', '--prompt-tokens', '256,8'], 2, /^prism-complete: --prompt-tokens must be an integer >= 16, got '8'$/m],
    ['a prompt budget too small', ['bench-quality', '--context-tokens', '1024,20'], 2, /^prism-complete: --context-tokens must be an integer >= 64, got '20'$/m],
    ['a prompt budget too large', ['bench', '--no-decode', '--context-tokens', '9000'], 2, /^prism-complete: --context-tokens takes prompt budgets from 64 to 8000 tokens \(prism\.contextTokens\), got '9000'$/m],
    ['tree shapes without the tree-exact attention', ['bench-decode', '--tree-shapes', 'd3k2n5'], 2, /^prism-complete: --tree-shapes needs the tree-exact attention: add --tree dynamic \(or --inexact\)$/m],
    ['a malformed tree shape', ['bench-decode', '--tree', 'dynamic', '--tree-shapes', 'd3k2n5,d3k2'], 2, /^prism-complete: --tree-shapes takes dynamic trees as dDEPTHkCHILDRENnNODES \(depth 1-12, 1-8 children, depth to 64 nodes\), comma-separated \(e\.g\. d3k2n5,d4k2n8\), got 'd3k2'$/m],
    ['a time budget too small', ['bench', '--no-decode', '--time-budget', '300,20'], 2, /^prism-complete: --time-budget must be an integer >= 50, got '20'$/m],
    ['a time budget too large', ['bench', '--no-decode', '--time-budget', '40000'], 2, /^prism-complete: --time-budget takes completion time budgets from 50 to 30000 ms \(prism\.timeBudgetMs\), got '40000'$/m],
    ['a first-line budget that is not a number of ms', ['bench', '--no-decode', '--first-line-budget', '250,soon'], 2, /^prism-complete: --first-line-budget takes first-line time budgets from 0 \(none\) to 30000 ms \(prism\.firstLineBudgetMs\), comma-separated, got 'soon'$/m],
    ['a progressive setting that is neither on nor off', ['bench', '--no-decode', '--progressive', 'on,maybe'], 2, /^prism-complete: --progressive takes on \(a reply's beginning at once, the rest when done\) or off \(one reply, when done\), comma-separated, got 'maybe'$/m],
    ['an unknown wait after Enter', ['bench', '--no-decode', '--enter-wait', 'min,later'], 2, /^prism-complete: --enter-wait takes min \(ask at the shortest wait after Enter\) or rhythm \(the typing rhythm's wait\), comma-separated, got 'later'$/m],
    ['a growing chain too deep', ['bench-decode', '--grow', '16'], 2, /^prism-complete: --grow takes the deepest a growing chain may go, 2 to 12 \(prism\.draft\.grow\), got '16'$/m],
    ['a head sibling without the tree-exact attention', ['bench-decode', '--head-sibling', '0.3'], 2, /^prism-complete: --head-sibling drafts trees, which need the tree-exact attention: add --tree dynamic \(or --inexact\)$/m],
    ['a head sibling probability above 1', ['bench-decode', '--tree', 'dynamic', '--head-sibling', '0.3,2'], 2, /^prism-complete: --head-sibling takes the head probabilities \(0 to 1\) at which its top token joins lookup's first, each with :N to do so only beside lookup matches of at most N tokens, comma-separated \(e\.g\. 0\.2,0\.2:3\), got '2'$/m],
    ['an int8 head with fp32 activations', ['complete', '--prompt', 'x', '--activations', 'fp32', '--head', 'int8'], 2, /^prism-complete: --head int8 needs --activations int8 \(ORT's 8-bit kernel is only fast with int8 activations\)$/m],
    ['a top-p outside (0, 1]', ['complete', '--prompt', 'x', '--top-p', '1.5'], 2, /^prism-complete: --top-p must be in \(0, 1\], got '1\.5'$/m],
    ['unknown activations', ['complete', '--prompt', 'x', '--activations', 'int4'], 2, /^prism-complete: --activations must be fp32 or int8, got 'int4'$/m],
    ['an unknown drafter', ['complete', '--prompt', 'x', '--draft', 'eagle9'], 2, /^prism-complete: --draft must be auto, hybrid, prism, eagle3, ngram, none or the path of a draft head \(\.gguf\), got 'eagle9'$/m],
    ['a missing draft head', ['complete', '--prompt', 'x', '--draft', '/nonexistent/head.gguf'], 1, /^prism-complete: draft head not found: \/nonexistent\/head\.gguf; check the draft head path, or use the n-gram drafter$/m],
    ['a model given as a draft head', ['complete', '--prompt', 'x', '--draft', defaultModel()], 1, /^prism-complete: SmolLM2-135M-Instruct\.Q4_1\.gguf is not a draft head \(architecture 'llama'\); point the draft setting at a head exported by models\/prism\/export\.py$/m],
    ['a bench head that is not a .gguf', ['bench-decode', '--draft', 'models/heads/smollm2-135m-prism.gguf,prism'], 2, /^prism-complete: --draft takes the paths of trained heads \(\.gguf\), comma-separated, got 'prism'$/m],
    ['a bad auto start', ['bench-decode', '--auto-start', '4+0'], 2, /^prism-complete: --auto-start takes lookup\+head chain depths \(1-12\), comma-separated \(e\.g\. 3\+3,5\+2\), got '4\+0'$/m],
    ['a bad hybrid mix', ['bench-decode', '--hybrid', '3+3,5'], 2, /^prism-complete: --hybrid takes lookup\+head chain depths \(1-12\), comma-separated \(e\.g\. 3\+3,5\+2\), got '3\+3,5'$/m],
    ['a missing bench head', ['bench-decode', '--draft', '/nonexistent/run/head.gguf'], 2, /^prism-complete: draft head not found: \/nonexistent\/run\/head\.gguf; check the path$/m],
    ['a missing model', ['complete', '--prompt', 'x', '--model', path.join(tmp, 'missing.gguf')], 1, /^prism-complete: model file not found: .*missing\.gguf; set the model path or run the setup command to fetch the default model$/m],
  ];
  for (const [what, args, code, pattern] of cases) {
    it(`reports ${what} in one line`, () => {
      const r = cli(args);
      assert.equal(r.code, code, r.stderr);
      assert.match(r.stderr, pattern);
    });
  }

  it('reports a truncated model in one line', () => {
    const p = path.join(tmp, 'cut.gguf');
    const fd = fs.openSync(defaultModel(), 'r');
    const buf = Buffer.alloc(4 << 20);
    fs.readSync(fd, buf, 0, buf.length, 0);
    fs.closeSync(fd);
    fs.writeFileSync(p, buf);
    const r = cli(['complete', '--prompt', 'x', '--model', p]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^prism-complete: .*cut\.gguf: truncated GGUF \(tensor .* ends at byte \d+, file has 4194304\); re-download the model file$/m);
  });

  it('refuses a binary source file', () => {
    const p = path.join(tmp, 'blob.py');
    fs.writeFileSync(p, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 3]));
    const r = cli(['complete', '--file', p, '--line', '0', '--column', '0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /looks binary \(it has NUL bytes\); point --file at a text file/);
  });
});
