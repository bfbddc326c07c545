// Small SVG line charts for the benchmark report (no plotting dependency): axes with ticks,
// one polyline per series, optional points, a legend, and a highlighted point.

export interface Series { name: string; points: [number, number][]; dots?: boolean; dashed?: boolean }
export interface ChartOptions { title: string; xLabel: string; yLabel: string; highlight?: { x: number; y: number; label: string }; xLog?: boolean }

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function ticks(lo: number, hi: number, n = 5): number[] {
  const span = hi - lo || 1;
  const step0 = span / n;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toPrecision(10)));
  return out;
}

export function lineChart(series: Series[], o: ChartOptions): string {
  const W = 640, H = 360, L = 60, R = 170, T = 36, B = 46;
  const all = series.flatMap((s) => s.points);
  if (o.highlight) all.push([o.highlight.x, o.highlight.y]);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const x0 = Math.min(...xs, 0), x1 = Math.max(...xs, 1);
  const y0 = Math.min(0, ...ys), y1 = Math.max(...ys, 1e-9) * 1.08;
  const X = (x: number): number => L + ((x - x0) / (x1 - x0 || 1)) * (W - L - R);
  const Y = (y: number): number => H - B - ((y - y0) / (y1 - y0 || 1)) * (H - T - B);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - R / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(o.title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#333"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#333"/>`,
  ];
  for (const t of ticks(x0, x1)) parts.push(`<line x1="${X(t)}" y1="${H - B}" x2="${X(t)}" y2="${H - B + 4}" stroke="#333"/><text x="${X(t)}" y="${H - B + 16}" text-anchor="middle">${t}</text>`);
  for (const t of ticks(y0, y1)) parts.push(`<line x1="${L - 4}" y1="${Y(t)}" x2="${W - R}" y2="${Y(t)}" stroke="#eee"/><text x="${L - 6}" y="${Y(t) + 4}" text-anchor="end">${t}</text>`);
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(`<text x="14" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(T + H - B) / 2})">${esc(o.yLabel)}</text>`);
  series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length] as string;
    const pts = s.points.map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(' ');
    if (s.points.length > 1) parts.push(`<polyline fill="none" stroke="${c}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,4"' : ''} points="${pts}"/>`);
    if (s.dots || s.points.length === 1) for (const [x, y] of s.points) parts.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="3.5" fill="${c}"/>`);
    parts.push(`<line x1="${W - R + 12}" y1="${T + 10 + i * 18}" x2="${W - R + 32}" y2="${T + 10 + i * 18}" stroke="${c}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,4"' : ''}/><text x="${W - R + 38}" y="${T + 14 + i * 18}">${esc(s.name)}</text>`);
  });
  if (o.highlight) {
    const h = o.highlight;
    parts.push(`<circle cx="${X(h.x)}" cy="${Y(h.y)}" r="7" fill="none" stroke="black" stroke-width="2"/><text x="${X(h.x) + 9}" y="${Y(h.y) - 9}">${esc(h.label)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** An empirical CDF as chart points. */
export function cdf(values: number[]): [number, number][] {
  const s = [...values].sort((a, b) => a - b);
  return s.map((v, i) => [v, (i + 1) / s.length]);
}
