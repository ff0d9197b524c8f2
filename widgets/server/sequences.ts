import { CLIPPED_COLOR, diverging, sourceColor } from "../shared/colors.js";
import type { SequenceCompletionData, SequenceCreditData } from "../shared/types.js";
import { escapeXml } from "../shared/xml.js";
import { Widget } from "./widget.js";

/** What the view reads of a completion (lib's SequenceCompletion). */
export interface SequenceCompletionSource {
  readonly episodeId: number;
  readonly groupId: number | undefined;
  readonly reward: number;
  readonly advantage: number | undefined;
  readonly zeroVariance: boolean;
  readonly tokens: ArrayLike<number>;
  readonly tokenLogp: ArrayLike<number> | undefined;
  readonly tokenAdv: ArrayLike<number> | undefined;
  /** Per token, nonzero where the update clipped its ratio (absent for tables without `token_clipped`). */
  readonly tokenClipped?: ArrayLike<number> | undefined;
  readonly segments: readonly { from: number; to: number; source: string }[];
}

export interface SequenceCreditSource {
  readonly completions: readonly SequenceCompletionSource[];
  readonly groups: readonly { id: number; members: readonly number[]; mean: number; std: number; zeroVariance: boolean }[];
}

export interface SequenceViewOptions {
  /** Token text: a vocabulary (index = id) or a function; default: the id. */
  decode?: readonly string[] | ((token: number) => string);
  /** Completions embedded (default 200) and tokens per completion (default 512). */
  maxCompletions?: number;
  maxTokens?: number;
}

const finite = (v: number) => (Number.isFinite(v) ? v : null);

/** Clipped tokens of all completions (undefined when none has the column). */
function clippedTotal(completions: readonly SequenceCompletionSource[]): number | undefined {
  let total: number | undefined;
  for (const c of completions) {
    if (!c.tokenClipped) continue;
    total ??= 0;
    for (let k = 0; k < c.tokenClipped.length; k++) if (c.tokenClipped[k]) total++;
  }
  return total;
}

/** The embedded data: decoded tokens, bounded sizes, groups re-indexed to the kept completions. */
export function sequenceData(title: string, credit: SequenceCreditSource, options: SequenceViewOptions = {}): SequenceCreditData {
  const maxCompletions = options.maxCompletions ?? 200;
  const maxTokens = options.maxTokens ?? 512;
  const { decode } = options;
  const text = (id: number): string => (typeof decode === "function" ? decode(id) : decode ? (decode[id] ?? `⟨${id}⟩`) : String(id));
  // Whole groups first (side by side is the point), then ungrouped completions, up to the bound.
  const keep: number[] = [];
  for (const g of credit.groups) if (keep.length + g.members.length <= maxCompletions) keep.push(...g.members);
  credit.completions.forEach((c, i) => {
    if (c.groupId === undefined && keep.length < maxCompletions) keep.push(i);
  });
  const position = new Map(keep.map((i, k) => [i, k]));
  const completions: SequenceCompletionData[] = keep.map((i) => {
    const c = credit.completions[i]!;
    const n = Math.min(c.tokens.length, maxTokens);
    const cut = <T extends ArrayLike<number>>(a: T) => Array.from({ length: n }, (_, k) => finite(a[k]!));
    return {
      episode: c.episodeId,
      group: c.groupId ?? null,
      reward: c.reward,
      advantage: c.advantage ?? null,
      zeroVariance: c.zeroVariance,
      tokens: Array.from({ length: n }, (_, k) => text(c.tokens[k]!)),
      ...(c.tokenAdv ? { adv: cut(c.tokenAdv) } : {}),
      ...(c.tokenLogp ? { logp: cut(c.tokenLogp) } : {}),
      ...(c.tokenClipped ? { clipped: Array.from({ length: n }, (_, k) => k).filter((k) => c.tokenClipped![k]) } : {}),
      segments: c.segments.filter((s) => s.source !== "online" && s.from < n).map((s) => [s.from, Math.min(s.to, n - 1), s.source] as [number, number, string]),
      cut: c.tokens.length - n,
    };
  });
  const groups = credit.groups.filter((g) => g.members.every((m) => position.has(m))).map((g) => ({ id: g.id, members: g.members.map((m) => position.get(m)!), mean: g.mean, std: g.std, zeroVariance: g.zeroVariance }));
  const clippedTokens = clippedTotal(credit.completions);
  return { title, completions, groups, omitted: credit.completions.length - completions.length, ...(clippedTokens !== undefined ? { clippedTokens } : {}) };
}

/** Static picture: each group a row of completion boxes coloured by normalized advantage, then token strips of the first completions. */
function sequenceSvg(data: SequenceCreditData): string {
  const W = 760;
  const parts: string[] = [];
  let y = 18;
  parts.push(`<text x="6" y="${y}" font-size="13">${escapeXml(data.title)}</text>`);
  const groups = data.groups.slice(0, 12);
  const box = 84;
  for (const g of groups) {
    y += 30;
    parts.push(`<text x="6" y="${y + 15}" fill="${g.zeroVariance ? "#cf222e" : "#57606a"}">group ${g.id}${g.zeroVariance ? " ⚠ zero variance" : ""}</text>`);
    g.members.slice(0, 7).forEach((m, k) => {
      const c = data.completions[m]!;
      const x = 150 + k * (box + 4);
      parts.push(`<rect x="${x}" y="${y}" width="${box}" height="24" rx="3" fill="${diverging((c.advantage ?? 0) / 2)}" stroke="#d0d7de"/><text x="${x + 4}" y="${y + 16}" font-size="10">r ${c.reward.toPrecision(3)} Â ${(c.advantage ?? 0) >= 0 ? "+" : ""}${(c.advantage ?? 0).toFixed(2)}</text>`);
    });
    if (g.members.length > 7) parts.push(`<text x="${150 + 7 * (box + 4)}" y="${y + 16}" fill="#57606a">+${g.members.length - 7}</text>`);
  }
  const strips = data.completions.filter((c) => c.adv).slice(0, 6);
  if (strips.length) {
    y += 40;
    const anyClipped = strips.some((c) => c.clipped?.length);
    parts.push(`<text x="6" y="${y}" fill="#57606a">token advantage (first ${strips.length} completions; outlined: ${["offline", "hint", "teacher"].map((s) => `<tspan fill="${sourceColor(s)}">${s}</tspan>`).join(", ")}${anyClipped ? `; <tspan fill="${CLIPPED_COLOR}">underlined: clipped</tspan>` : ""})</text>`);
    let scale = 0;
    for (const c of strips) for (const v of c.adv!) if (v !== null) scale = Math.max(scale, Math.abs(v));
    for (const c of strips) {
      y += 18;
      const n = Math.min(c.tokens.length, 120);
      const w = Math.max(2, Math.min(10, (W - 160) / Math.max(1, n)));
      parts.push(`<text x="6" y="${y + 10}" fill="#57606a" font-size="10">ep ${c.episode}</text>`);
      for (let k = 0; k < n; k++) parts.push(`<rect x="${(150 + k * w).toFixed(1)}" y="${y}" width="${(w - 0.5).toFixed(1)}" height="12" fill="${diverging(scale ? (c.adv![k] ?? 0) / scale : 0)}"/>`);
      for (const k of c.clipped ?? []) if (k < n) parts.push(`<rect class="tw-clipped" x="${(150 + k * w).toFixed(1)}" y="${y + 12.5}" width="${(w - 0.5).toFixed(1)}" height="2" fill="${CLIPPED_COLOR}"/>`);
      for (const [from, to, source] of c.segments) if (from < n) parts.push(`<rect x="${(150 + from * w).toFixed(1)}" y="${y - 1}" width="${((Math.min(to, n - 1) - from + 1) * w).toFixed(1)}" height="14" fill="none" stroke="${sourceColor(source)}" stroke-width="1.5"/>`);
    }
  }
  y += 24;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" font-family="Helvetica, Arial, sans-serif" font-size="11"><rect width="100%" height="100%" fill="#fff"/>${parts.join("")}</svg>`;
}

/**
 * The sequence credit view: a per-token strip of each completion coloured by
 * its token advantage (or log-probability), hint / teacher / offline tokens
 * outlined, tokens whose ratio the update clipped underlined, and for group-relative methods the completions of each prompt side
 * by side with reward and normalized advantage, zero-variance groups flagged.
 */
export function sequenceCreditWidget(title: string, credit: SequenceCreditSource, options: SequenceViewOptions = {}): Widget {
  const data = sequenceData(title, credit, options);
  const zero = credit.groups.filter((g) => g.zeroVariance).map((g) => g.id);
  const clipped = data.clippedTokens;
  const text = `sequence credit — ${title}: ${credit.completions.length} completions in ${credit.groups.length} groups${zero.length ? ` (${zero.length} with zero reward variance: ${zero.slice(0, 8).join(", ")}${zero.length > 8 ? ", …" : ""})` : ""}${clipped !== undefined ? `; ${clipped} clipped token${clipped === 1 ? "" : "s"}` : ""}`;
  return new Widget("sequences", { sequences: data }, () => sequenceSvg(data), text);
}
