import { escapeXml } from "../../shared/xml.js";

/** One line of a static chart. */
export interface ChartLine {
  readonly name: string;
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  readonly color: string;
  readonly opacity?: number;
  readonly width?: number;
  /** Marks each point with a dot (sparse series). */
  readonly markers?: boolean;
}

/** A filled band (e.g. mean ± std across seeds). */
export interface ChartBand {
  readonly x: ArrayLike<number>;
  readonly lower: ArrayLike<number>;
  readonly upper: ArrayLike<number>;
  readonly color: string;
}



/** Round tick values covering [lo, hi] (1, 2 or 5 times a power of ten apart). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) return [];
  // A span lost in rounding (a constant series after smoothing): one tick, not 10^14 of them.
  if (hi - lo <= 1e-9 * Math.max(Math.abs(lo), Math.abs(hi))) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  // Integer multiples of the step, rounded: 0.1 + 0.05 is 0.15 here, not 0.15000000000000002.
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) ticks.push(k === 0 ? 0 : Number((k * step).toPrecision(12)));
  return ticks;
}

const fmt = (v: number) => (Math.abs(v) >= 10_000 ? `${(v / 1000).toLocaleString("en-US", { maximumFractionDigits: 1 })}k` : Number(v.toPrecision(6)).toLocaleString("en-US"));

/**
 * A line chart as a standalone SVG (for viewers that run no scripts, and the
 * picture a widget shows before its interactive view loads).
 */
export function lineChartSvg(lines: readonly ChartLine[], options: { title?: string; xLabel?: string; yLabel?: string; width?: number; height?: number; bands?: readonly ChartBand[] } = {}): string {
  const W = options.width ?? 640;
  const H = options.height ?? 300;
  const m = { l: 56, r: 12, t: options.title ? 26 : 10, b: 38 };
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  const extend = (xs: ArrayLike<number>, ys: ArrayLike<number>) => {
    for (let i = 0; i < xs.length; i++) {
      if (!Number.isFinite(xs[i]!) || !Number.isFinite(ys[i]!)) continue;
      x0 = Math.min(x0, xs[i]!);
      x1 = Math.max(x1, xs[i]!);
      y0 = Math.min(y0, ys[i]!);
      y1 = Math.max(y1, ys[i]!);
    }
  };
  for (const l of lines) extend(l.x, l.y);
  for (const b of options.bands ?? []) {
    extend(b.x, b.lower);
    extend(b.x, b.upper);
  }
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="11">`, `<rect width="${W}" height="${H}" fill="#fff"/>`];
  if (options.title) parts.push(`<text x="${W / 2}" y="16" text-anchor="middle" font-size="13">${escapeXml(options.title)}</text>`);
  if (!Number.isFinite(x0)) {
    parts.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle" fill="#57606a">no data yet</text></svg>`);
    return parts.join("");
  }
  // Flat data (up to rounding) gets a visible range around it.
  if (x1 - x0 <= 1e-9 * Math.max(1, Math.abs(x0))) x1 = x0 + 1;
  if (y1 - y0 <= 1e-9 * Math.max(1, Math.abs(y0))) {
    const pad = Math.max(1, Math.abs(y0) * 0.01);
    y0 -= pad;
    y1 += pad;
  }
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const sx = (v: number) => m.l + ((v - x0) / (x1 - x0)) * pw;
  const sy = (v: number) => m.t + ph - ((v - y0) / (y1 - y0)) * ph;
  for (const t of niceTicks(y0, y1)) parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#eaeef2"/><text x="${m.l - 4}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" fill="#57606a">${fmt(t)}</text>`);
  for (const t of niceTicks(x0, x1)) parts.push(`<text x="${sx(t).toFixed(1)}" y="${m.t + ph + 14}" text-anchor="middle" fill="#57606a">${fmt(t)}</text>`);
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#d0d7de"/>`);
  for (const b of options.bands ?? []) {
    const up: string[] = [];
    const down: string[] = [];
    for (let i = 0; i < b.x.length; i++) if (Number.isFinite(b.upper[i]!) && Number.isFinite(b.lower[i]!)) {
      up.push(`${sx(b.x[i]!).toFixed(1)},${sy(b.upper[i]!).toFixed(1)}`);
      down.unshift(`${sx(b.x[i]!).toFixed(1)},${sy(b.lower[i]!).toFixed(1)}`);
    }
    if (up.length) parts.push(`<polygon points="${[...up, ...down].join(" ")}" fill="${b.color}" fill-opacity="0.18" stroke="none"/>`);
  }
  for (const l of lines) {
    const pts: string[] = [];
    for (let i = 0; i < l.x.length; i++) if (Number.isFinite(l.y[i]!) && Number.isFinite(l.x[i]!)) pts.push(`${sx(l.x[i]!).toFixed(1)},${sy(l.y[i]!).toFixed(1)}`);
    if (pts.length) parts.push(`<polyline points="${pts.join(" ")}" fill="none" stroke="${l.color}" stroke-width="${l.width ?? 1.8}" stroke-opacity="${l.opacity ?? 1}"/>`);
    if (l.markers) for (const p of pts) parts.push(`<circle cx="${p.split(",")[0]}" cy="${p.split(",")[1]}" r="2.5" fill="${l.color}"/>`);
  }
  if (options.xLabel) parts.push(`<text x="${m.l + pw / 2}" y="${H - 6}" text-anchor="middle" fill="#57606a">${escapeXml(options.xLabel)}</text>`);
  if (options.yLabel) parts.push(`<text transform="translate(12 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle" fill="#57606a">${escapeXml(options.yLabel)}</text>`);
  const named = lines.filter((l) => (l.opacity ?? 1) >= 0.9);
  named.forEach((l, i) => parts.push(`<rect x="${m.l + 8}" y="${m.t + 6 + i * 14}" width="10" height="3" fill="${l.color}"/><text x="${m.l + 22}" y="${m.t + 11 + i * 14}" fill="#1f2328">${escapeXml(l.name)}</text>`));
  parts.push("</svg>");
  return parts.join("");
}
