// The typing trace's table: one row per mode and prompt budget, the budget named where a run set one;
// the wait after Enter and keystroke to ghost after Enter.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type TraceRow, traceTable } from '../../server/bench/trace';

function row(mode: string, context?: number): TraceRow {
  return {
    mode, ...(context !== undefined ? { context_tokens: context } : {}), prefill: true, first_reply_ms: 188.2, later_reply_ms: 122, later_same_kind_reply_ms: 121,
    first_replies_ms: [188], first_repeats_ms: [167], first_over_repeat: 1.13, keystrokes: 640, requests: 245, replies: 77, cancelled: 160,
    cache_hits: 205, cache_hit_rate: 0.32, latency_ms: { p50: 130.4, p95: 354, p99: 517 }, single_line_latency_ms: { p50: 130, p95: 354, p99: 517, n: 62 },
    keystroke_to_ghost_ms: { p50: 0, p95: 400 }, prompt_tokens: 1000, reused_tokens: 990, accepted_chars: 192, suggestions_fully_right: 9,
    cpu_s: 76.4, cpu_ms_per_accepted_char: 397.9, server_rss_peak_mib: 561.2, idle_cpu_pct: 0, latencies: [130.4],
  };
}

describe('typing trace table', () => {
  it('names the prompt budget of runs that set one, and only those', () => {
    const lines = traceTable([row('auto', 1024), row('auto', 1536), row('none')]).split('\n');
    assert.equal(lines.length, 5, 'a header, a rule and three rows');
    assert.match(lines[2] as string, /^\| auto \(1024-token prompts\) \| yes \| 188 \(122; 121\) \| 1\.13x \| 640 \| 245 \(160\) \| 32% \| 130 \/ 354 \/ 517 \| 130 \(62\) \| 0 \| 99% of 1000 \| 192 \(9\) \| 397\.9 \| 561 \| 0\.0% \|$/);
    assert.match(lines[3] as string, /^\| auto \(1536-token prompts\) \| yes \|/);
    assert.match(lines[4] as string, /^\| none \| yes \|/);
  });

  it('names the wait after Enter and auto-indent, and lists keystroke to ghost after Enter where there were replies', () => {
    const rhythm = { ...row('auto'), enter_wait: 'rhythm' as const, auto_indent: true, after_enter_ms: { p50: 330.4, p95: 399, n: 4 } };
    const min = { ...row('auto'), enter_wait: 'min' as const, auto_indent: true, after_enter_ms: { p50: 149, p95: 296.2, n: 5 } };
    const none = { ...row('none'), after_enter_ms: { p50: 0, p95: 0, n: 0 } };
    const lines = traceTable([rhythm, min, none]).split('\n');
    assert.match(lines[2] as string, /^\| auto \(after Enter: the typing rhythm's wait\) \(Enter with auto-indent\) \| yes \|/);
    assert.match(lines[3] as string, /^\| auto \(after Enter: the shortest wait\) \(Enter with auto-indent\) \| yes \|/);
    assert.deepEqual(lines.slice(5), [
      '',
      '| row | after Enter: keystroke to ghost p50 / p95 ms (server replies) | after Enter: keystroke to the whole p50 / p95 ms (replies in two parts) |',
      '|---|---|---|',
      '| auto (rhythm wait) | 330 / 399 (4) | - |',
      '| auto (min wait) | 149 / 296 (5) | - |',
    ], 'a row without replies after Enter is left out');
  });

  it('names auto-closing pairs with the keys the cache answered there, and lists the keys answered with ghost text', () => {
    const closing = { ...row('auto'), auto_close: true, auto_closed_keys: { keys: 84, cache: 62 }, ghost_keys: { shown: 270, right: 190, right_from_cache: 150 } };
    const lines = traceTable([closing, row('none')]).split('\n');
    assert.match(lines[2] as string, /^\| auto \(auto-closing pairs: 62 of 84 keys with closers after the cursor from the cache\) \| yes \|/);
    assert.match(lines[3] as string, /^\| none \| yes \|/);
    assert.deepEqual(lines.slice(4), [
      '',
      '| row | keystrokes answered with ghost text | ... that begins with the next character typed (from the cache) |',
      '|---|---|---|',
      '| auto (auto-closing pairs) | 270 of 640 | 190 (150) |',
    ], 'a row without the count (an older report) is left out');
  });

  it('names progressive on and off, and lists keystroke to the whole of replies that came in two parts', () => {
    const on = { ...row('auto'), progressive: true, after_enter_ms: { p50: 120.2, p95: 180, n: 6 }, after_enter_whole_ms: { p50: 640.4, p95: 910, n: 3 }, whole_ms: { p50: 400, p95: 900.2, n: 11 } };
    const off = { ...row('auto'), progressive: false, after_enter_ms: { p50: 420, p95: 700, n: 6 }, after_enter_whole_ms: { p50: 0, p95: 0, n: 0 }, whole_ms: { p50: 0, p95: 0, n: 0 } };
    const lines = traceTable([on, off]).split('\n');
    assert.match(lines[2] as string, /^\| auto \(progressive on\) \| yes \|/);
    assert.match(lines[3] as string, /^\| auto \(progressive off\) \| yes \|/);
    assert.deepEqual(lines.slice(7), [
      '| auto (progressive on) | 120 / 180 (6) | 640 / 910 (3) |',
      '| auto (progressive off) | 420 / 700 (6) | - |',
      '',
      '| row | replies in two parts: keystroke to the whole p50 / p95 ms (n) |',
      '|---|---|',
      '| auto (progressive on) | 400 / 900 (11) |',
    ]);
  });
});
