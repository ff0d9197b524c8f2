import { CREDIT_METRICS, type CreditCompareData, type CreditData, type CreditMetric } from "../shared/types.js";
import { lineChartSvg } from "./svg/line-chart.js";

import { COLORS, diverging } from "../shared/colors.js";
import { Widget } from "./widget.js";

/** What the credit view reads of an episode (lib's EpisodeRecord). */
export interface CreditEpisode {
  readonly id: number;
  readonly length: number;
  readonly totalReturn: number;
  readonly returns: ArrayLike<number>;
  readonly advantages?: ArrayLike<number> | undefined;
  readonly tdErrors?: ArrayLike<number> | undefined;
  readonly ratio?: ArrayLike<number> | undefined;
  readonly kl?: ArrayLike<number> | undefined;
  readonly klRef?: ArrayLike<number> | undefined;
  readonly entropy?: ArrayLike<number> | undefined;
  /** Per-step constraint cost, for envs with costs. */
  readonly costs?: ArrayLike<number> | undefined;
  readonly source?: readonly string[];
}

const PICK: Record<CreditMetric, (e: CreditEpisode) => ArrayLike<number> | undefined> = {
  advantage: (e) => e.advantages,
  return: (e) => e.returns,
  td_error: (e) => e.tdErrors,
  ratio: (e) => e.ratio,
  kl: (e) => e.kl,
  kl_ref: (e) => e.klRef,
  entropy: (e) => e.entropy,
  cost: (e) => e.costs,
};

/** The heatmap of one metric as SVG rects (columns averaged into at most 160 bins). */
function heatmapSvg(rows: (number | null)[][], title: string): string {
  const W = 720;
  const cell = Math.max(4, Math.min(18, Math.floor(300 / Math.max(1, rows.length))));
  const longest = Math.max(1, ...rows.map((r) => r.length));
  const bins = Math.min(160, longest);
  const per = longest / bins;
  const cw = (W - 80) / bins;
  let scale = 0;
  for (const r of rows) for (const v of r) if (v !== null && Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${rows.length * cell + 50}" font-family="Helvetica, Arial, sans-serif" font-size="11"><rect width="100%" height="100%" fill="#fff"/><text x="80" y="14">${title}</text>`];
  rows.forEach((r, i) => {
    parts.push(`<text x="74" y="${30 + i * cell + cell * 0.8}" text-anchor="end" fill="#57606a">ep ${i}</text>`);
    for (let b = 0; b < bins; b++) {
      let sum = 0;
      let n = 0;
      for (let t = Math.floor(b * per); t < Math.floor((b + 1) * per) && t < r.length; t++) {
        const v = r[t];
        if (v !== null && v !== undefined && Number.isFinite(v)) {
          sum += v;
          n++;
        }
      }
      if (n) parts.push(`<rect x="${(80 + b * cw).toFixed(1)}" y="${20 + i * cell + 10}" width="${(cw + 0.3).toFixed(1)}" height="${cell}" fill="${diverging(scale ? sum / n / scale : 0)}"/>`);
    }
  });
  parts.push(`<text x="80" y="${rows.length * cell + 46}" fill="#57606a">t → (0 … ${longest - 1}); colour: −${scale.toPrecision(3)} red … +${scale.toPrecision(3)} blue</text></svg>`);
  return parts.join("");
}

/**
 * The credit-assignment view: for each episode (a row) and step (a column),
 * advantage, return, TD error, the current policy's ratio to the behavior
 * (steps PPO clipped marked), KL to the behavior, KL to a reference policy
 * (when given), entropy and, for envs with costs, the constraint cost; segments that
 * came from offline data, hints or teachers marked.
 */
export function creditWidget(title: string, episodes: readonly CreditEpisode[], options: { clip?: number } = {}): Widget {
  const clip = options.clip ?? 0.2;
  const metrics: CreditData["metrics"] = {};
  for (const m of CREDIT_METRICS) {
    if (!episodes.length || !episodes.every((e) => PICK[m](e))) continue;
    metrics[m] = episodes.map((e) => Array.from(PICK[m](e)!, (v) => (Number.isFinite(v) ? v : null)));
  }
  const clipped: [number, number][] = [];
  episodes.forEach((e, i) => {
    if (!e.ratio) return;
    for (let t = 0; t < e.ratio.length; t++) if (Math.abs(e.ratio[t]! - 1) > clip) clipped.push([i, t]);
  });
  const segments: [number, number, number, string][] = [];
  episodes.forEach((e, i) => {
    const src = e.source ?? [];
    for (let t = 0; t < src.length; ) {
      let u = t;
      while (u + 1 < src.length && src[u + 1] === src[t]) u++;
      if (src[t] !== "online") segments.push([i, t, u, src[t]!]);
      t = u + 1;
    }
  });
  const data: CreditData = { title, episodes: episodes.map((e) => ({ id: e.id, length: e.length, totalReturn: e.totalReturn })), metrics, clipped, clip, segments };
  const first = (metrics.advantage ? "advantage" : "return") as CreditMetric;
  const svg = () => heatmapSvg(metrics[first] ?? [], `${first} per step (${episodes.length} episodes)`);
  const text = `credit view — ${title}: ${episodes.length} episodes; ${Object.keys(metrics).join(", ")}${metrics.ratio ? `; ${clipped.length} steps outside the ±${clip} clip` : ""}`;
  return new Widget("credit", { credit: data }, svg, text);
}

/**
 * Advantage estimators side by side on the same episodes (e.g. TD(0), GAE,
 * Monte Carlo): a heatmap per estimator on one colour scale, and one
 * episode's advantages overlaid along t.
 */
export function creditCompareWidget(title: string, episodes: readonly (CreditEpisode & { readonly rewards: ArrayLike<number> })[], estimators: readonly { name: string; advantages: readonly ArrayLike<number>[] }[]): Widget {
  for (const e of estimators) {
    if (e.advantages.length !== episodes.length) throw new RangeError(`creditCompareWidget: estimator "${e.name}" has ${e.advantages.length} episodes, expected ${episodes.length}`);
  }
  const data: CreditCompareData = {
    title,
    episodes: episodes.map((e) => ({ id: e.id, length: e.length, totalReturn: e.totalReturn })),
    estimators: estimators.map((e) => ({ name: e.name, rows: e.advantages.map((a) => Array.from(a, (v) => (Number.isFinite(v) ? v : null))) })),
    rewards: episodes.map((e) => Array.from(e.rewards)),
  };
  const first = episodes[0];
  const svg = () => {
    if (!first) return lineChartSvg([], { title: "no episodes" });
    const t = Array.from({ length: first.length }, (_, i) => i);
    return lineChartSvg(
      estimators.map((e, i) => ({ name: e.name, x: t, y: e.advantages[0]!, color: COLORS[i % COLORS.length]! })),
      { title: `advantage estimators — episode ${first.id} (${first.length} steps)`, xLabel: "t", yLabel: "advantage", width: 720, height: 300 },
    );
  };
  const std = (rows: readonly ArrayLike<number>[]) => {
    const all = rows.flatMap((r) => Array.from(r));
    const m = all.reduce((s, x) => s + x, 0) / Math.max(1, all.length);
    return Math.sqrt(all.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, all.length));
  };
  const text = `credit comparison — ${title}: ${episodes.length} episodes; ${estimators.map((e) => `${e.name} std ${std(e.advantages).toPrecision(3)}`).join(", ")}`;
  return new Widget("credit-compare", { creditCompare: data }, svg, text);
}
