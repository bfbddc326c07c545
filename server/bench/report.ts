// The benchmark report: JSON, a markdown page with the tables, and SVG charts (latency
// distribution, acceptance by depth, tokens/s vs depth with the tuner's choice). The CLI and the
// command palette ("PRISM: Run Benchmark") write the same files.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '../engine/graph-cache';
import { type DecodeReport, decodeTable } from './decode';
import { cdf, lineChart, type Series } from './svg';
import { type TraceRow, traceTable } from './trace';
import { type QualityReport, qualityTable } from './quality';

export interface BenchReport { command: string; date: string; machine: string; decode: DecodeReport[]; trace: TraceRow[]; quality?: QualityReport }

export function writeReport(dir: string, r: BenchReport): string {
  fs.mkdirSync(dir, { recursive: true });
  const charts: string[] = [];
  const chart = (name: string, svg: string, alt: string): void => {
    writeFileAtomic(path.join(dir, name), svg);
    charts.push(`![${alt}](${name})`);
  };
  if (r.trace.length > 0) {
    chart('latency.svg', lineChart(r.trace.map((t) => ({ name: t.mode, points: cdf(t.latencies) })), {
      title: 'Request to ghost text (typing trace)', xLabel: 'ms', yLabel: 'share of suggestions',
    }), 'latency distribution');
  }
  const main = r.decode[0];
  if (main) {
    const acc: Series[] = main.results.filter((x) => x.acceptance_by_depth.length > 0 && x.config.includes('chain') && x.depth === Math.max(...main.results.filter((y) => y.drafter === x.drafter).map((y) => y.depth)))
      .map((x) => ({ name: x.config, points: x.acceptance_by_depth.map((a, d) => [d + 1, a] as [number, number]), dots: true }));
    if (acc.length > 0) chart('acceptance.svg', lineChart(acc, { title: `Acceptance by depth (${main.source})`, xLabel: 'draft depth', yLabel: 'accepted | reached' }), 'acceptance by depth');
    const series: Series[] = [];
    for (const t of main.tuning) {
      series.push({ name: `${t.drafter} expected`, points: t.curve.map((p) => [p.depth, p.tokensPerS] as [number, number]), dashed: true });
      const measured = main.results.filter((x) => x.drafter === t.drafter && x.config.includes('chain')).map((x) => [x.depth, x.tokens_per_s] as [number, number]);
      const plain = main.results.find((x) => x.config === 'plain');
      if (plain) measured.unshift([0, plain.tokens_per_s]);
      series.push({ name: `${t.drafter} measured`, points: measured.sort((a, b) => a[0] - b[0]), dots: true });
    }
    const chosen = main.tuning[0];
    if (series.length > 0) {
      chart('depth.svg', lineChart(series, {
        title: 'Tokens/s vs draft depth (0 = plain)', xLabel: 'draft depth', yLabel: 'tokens/s',
        highlight: chosen ? { x: chosen.chosen.depth, y: chosen.chosen.tokensPerS, label: `${chosen.drafter}: chosen d${chosen.chosen.depth}` } : undefined,
      }), 'tokens per second vs depth');
    }
  }
  const md = [
    `# PRISM Complete benchmark`, '',
    `${r.date}, ${r.machine}. Command: \`${r.command}\`.`, '',
    ...r.decode.flatMap((d) => [
      `## Decoding at fixed cursor positions (${d.source}: ${d.positions} prompts, ${d.tokens} tokens, ${d.threads} threads, ${d.model})`, '',
      `Target numerics: ${d.numerics}. CPU: ${d.cpu}.`, '',
      'Speedup is tokens/s over our plain decoding measured in the same run; every speculative output of ours was compared with plain greedy output (mismatches must be 0). node-llama-cpp runs the same GGUF with the same threads.', '',
      decodeTable(d), '',
    ]),
    ...(r.trace.length > 0 ? [
      '## Typing trace (what a user feels)', '',
      'The language server answers a simulated editor that types real dev-split code with the extension\'s debounce and cache; ghost text arrives whole (LSP inline completions do not stream), so time to first and to complete ghost text are the same number here.', '',
      traceTable(r.trace), '',
    ] : []),
    ...(r.quality ? [
      `## Is the ghost text right? (${r.quality.positions} positions, ${r.quality.model})`, '',
      'The rest of real lines removed after Enter, after a few typed characters and mid-line (or the infilling sets\' middles), completed through the language server\'s path; scored against the real text.', '',
      qualityTable(r.quality), '',
    ] : []),
    ...charts.map((c) => `${c}\n`),
  ].join('\n');
  writeFileAtomic(path.join(dir, 'report.md'), md);
  writeFileAtomic(path.join(dir, 'report.json'), JSON.stringify(r, null, 1));
  return md;
}

export function machine(): string {
  return `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown CPU'}${cpuDetails()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.arch()}, Node ${process.version}`;
}

/** The SIMD features that decide which kernels run (family/model and flags from /proc/cpuinfo). */
export function cpuDetails(): string {
  let info = '';
  try { info = fs.readFileSync('/proc/cpuinfo', 'utf8'); } catch { return ''; }
  const field = (name: string): string => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(info)?.[1]?.trim() ?? '?';
  const flags = field('flags').split(/\s+/).filter((f) => /^(avx2|fma|f16c|avx512(f|bw|vl|_vnni|_bf16|_fp16)|avx_vnni|amx_(int8|bf16|tile))$/.test(f));
  return ` (family ${field('cpu family')} model ${field('model')}; ${flags.join(' ') || 'no avx2'})`;
}
