import { flagWords } from "../shared/completion-flags.js";
import type { CompletionRowData, CompletionsData } from "../shared/types.js";
import { escapeXml } from "../shared/xml.js";
import { Widget } from "./widget.js";

/** What the table reads of a completion (lib's `CompletionRow`, from `completionRows(table)`). */
export interface CompletionSource {
  readonly episodeId: number;
  readonly step: number;
  readonly groupId: number | undefined;
  readonly promptId?: string | undefined;
  readonly prompt: ArrayLike<number>;
  readonly tokens: ArrayLike<number>;
  readonly reward: number;
  readonly advantage: number | undefined;
  readonly zeroVariance: boolean;
  readonly truncated?: boolean;
  readonly clippedTokens?: number | undefined;
}

export interface CompletionsOptions {
  /**
   * Ids → text: a vocabulary (index = id; the texts are joined) or a function
   * of a whole id list (a tokenizer's `decode`); default: the ids.
   */
  decode?: readonly string[] | ((ids: readonly number[]) => string);
  /** The end-of-sequence id: a completion whose last token is not it is flagged truncated. */
  eos?: number;
  /** Completions embedded (default 512; the oldest steps are left out first). */
  maxRows?: number;
  /** Characters of prompt and completion text kept per row (default 400). */
  maxChars?: number;
  /** The step shown first (default the last; "all": every step). */
  step?: number | "all";
}

/** Rows of the text/plain table. */
const TEXT_ROWS = 12;
/** Rows of the static picture. */
const SVG_ROWS = 16;

function textOf(decode: CompletionsOptions["decode"]): (ids: readonly number[]) => string {
  if (typeof decode === "function") return decode;
  if (decode) return (ids) => ids.map((id) => decode[id] ?? `⟨${id}⟩`).join("");
  return (ids) => ids.join(" ");
}

const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max)}…` : s);

/** The embedded data: decoded text, flags, the newest `maxRows` completions (in source order), the step shown first. */
export function completionsData(title: string, rows: readonly CompletionSource[], options: CompletionsOptions = {}): CompletionsData {
  const maxRows = options.maxRows ?? 512;
  const maxChars = options.maxChars ?? 400;
  if (!(Number.isInteger(maxRows) && maxRows >= 1)) throw new RangeError(`completions: maxRows must be a positive integer, got ${String(maxRows)}`);
  if (!(Number.isInteger(maxChars) && maxChars >= 1)) throw new RangeError(`completions: maxChars must be a positive integer, got ${String(maxChars)}`);
  const { eos } = options;
  const text = textOf(options.decode);
  // Newest first when bounding (the last step is what one looks at), then back in source order.
  const keep = rows
    .map((_, i) => i)
    .sort((a, b) => rows[b]!.step - rows[a]!.step || a - b)
    .slice(0, maxRows)
    .sort((a, b) => a - b);
  const out: CompletionRowData[] = keep.map((i) => {
    const r = rows[i]!;
    const tokens = Array.from(r.tokens);
    const noEos = eos === undefined ? undefined : tokens.at(-1) !== eos;
    return {
      episode: r.episodeId,
      step: r.step,
      group: r.groupId ?? null,
      promptId: r.promptId ?? null,
      prompt: cut(text(Array.from(r.prompt)), maxChars),
      completion: cut(text(tokens), maxChars),
      reward: r.reward,
      advantage: r.advantage !== undefined && Number.isFinite(r.advantage) ? r.advantage : null,
      length: tokens.length,
      zeroVariance: r.zeroVariance,
      truncated: noEos === undefined ? (r.truncated ? true : null) : noEos || r.truncated === true,
      clipped: r.clippedTokens ?? null,
    };
  });
  const steps = [...new Set(out.map((r) => r.step))].sort((a, b) => a - b);
  const step = options.step === "all" ? null : options.step ?? steps.at(-1) ?? null;
  if (step !== null && !steps.includes(step)) throw new RangeError(`completions: no completions of step ${step} among the embedded rows (steps ${steps.join(", ") || "none"})`);
  return { title, steps, step, rows: out, total: rows.length, omitted: rows.length - out.length };
}

const fmt = (v: number | null) => (v === null ? "—" : Number.isInteger(v) ? String(v) : v.toFixed(3));
const oneLine = (s: string) => s.replace(/\r?\n/g, "⏎");

function shown(data: CompletionsData): CompletionRowData[] {
  return data.step === null ? data.rows : data.rows.filter((r) => r.step === data.step);
}

function completionsText(data: CompletionsData): string {
  const rows = shown(data);
  const head = `completions — ${data.title}: ${data.total} completion${data.total === 1 ? "" : "s"} at ${data.steps.length} step${data.steps.length === 1 ? "" : "s"}${data.omitted ? ` (${data.omitted} of older steps not embedded)` : ""}; ${data.step === null ? "all steps" : `step ${data.step}`}: ${rows.length} rows`;
  const table = [["step", "group", "reward", "adv", "len", "flags", "prompt", "completion"], ...rows.slice(0, TEXT_ROWS).map((r) => [String(r.step), r.group === null ? "—" : String(r.group), fmt(r.reward), fmt(r.advantage), String(r.length), flagWords(r).join(",") || "—", cut(oneLine(r.prompt), 24), cut(oneLine(r.completion), 48)])];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  const lines = table.map((row) => row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!))).join("  ").trimEnd());
  if (rows.length > TEXT_ROWS) lines.push(`… ${rows.length - TEXT_ROWS} more`);
  return [head, ...lines].join("\n");
}

/** Static picture: the first rows of the step shown first, as a table. */
function completionsSvg(data: CompletionsData): string {
  const rows = shown(data).slice(0, SVG_ROWS);
  const W = 900;
  const cols: [string, number][] = [["step", 6], ["group", 46], ["reward", 96], ["adv", 150], ["len", 206], ["flags", 240], ["prompt", 340], ["completion", 560]];
  const parts = [`<text x="6" y="16" font-size="13">${escapeXml(data.title)}</text>`];
  let y = 36;
  parts.push(cols.map(([name, x]) => `<text x="${x}" y="${y}" font-weight="bold">${name}</text>`).join(""));
  for (const r of rows) {
    y += 16;
    const cells = [String(r.step), r.group === null ? "—" : String(r.group), fmt(r.reward), fmt(r.advantage), String(r.length), flagWords(r).join(" "), cut(oneLine(r.prompt), 36), cut(oneLine(r.completion), 56)];
    parts.push(cells.map((c, k) => `<text x="${cols[k]![1]}" y="${y}"${k === 5 && c ? ' fill="#cf222e"' : ""}>${escapeXml(c)}</text>`).join(""));
  }
  y += 20;
  const more = shown(data).length - rows.length;
  if (more > 0 || data.omitted) {
    parts.push(`<text x="6" y="${y}" fill="#57606a">${more > 0 ? `${more} more rows of ${data.step === null ? "all steps" : `step ${data.step}`}` : ""}${more > 0 && data.omitted ? "; " : ""}${data.omitted ? `${data.omitted} completions of older steps not embedded` : ""}</text>`);
    y += 12;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" font-family="Helvetica, Arial, sans-serif" font-size="11"><rect width="100%" height="100%" fill="#fff"/>${parts.join("")}</svg>`;
}

/**
 * The completions table: one row per sampled completion (step, group,
 * prompt and completion text, reward, advantage, length, flags: zero-variance
 * group, truncated, clipped tokens), filtered by step (the last by default),
 * sortable by column. `rows` are lib's `completionRows(table)`.
 */
export function completionsWidget(title: string, rows: readonly CompletionSource[], options: CompletionsOptions = {}): Widget {
  const data = completionsData(title, rows, options);
  return new Widget("completions", { completions: data }, () => completionsSvg(data), completionsText(data));
}
