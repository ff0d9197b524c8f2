import type { PrefixedTokens } from "./token-policy.js";

/**
 * {@link PrefixedTokens} as the rows a transformer computes: every prefix
 * token then every suffix token once, each with its absolute position, and
 * which rows each row attends to.
 */
export interface PrefixedRows {
  /** Per row: its token (prefix rows first, then suffix rows). */
  readonly tokens: Int32Array;
  /** Per row: its position in its sequence (a suffix row j of a prefix of length Lp is at Lp + j). */
  readonly positions: Int32Array;
  /** prefixes + 1 row offsets: prefix p's rows, each seeing its prefix's rows up to itself. */
  readonly prefixStarts: Int32Array;
  /** Per sequence: its prefix, whose rows all its suffix rows see. */
  readonly sequencePrefix: Int32Array;
  /** sequences + 1 row offsets (after the prefix rows): sequence s's suffix rows, each also seeing its suffix rows up to itself. */
  readonly suffixStarts: Int32Array;
  /** The sequences ordered by prefix (stable): a prefix's sequences in one run. */
  readonly byPrefix: Int32Array;
}

/** The offsets array `starts` of `name`: `parts` + 1 int32 values from 0 to `total`, non-decreasing (increasing where parts may not be empty). */
function checkStarts(what: string, name: string, starts: unknown, parts: number, total: number, nonEmpty: boolean): asserts starts is Int32Array {
  const expected = `an Int32Array of ${parts + 1} offsets rising from 0 to ${total}${nonEmpty ? " (each part at least one token)" : ""}`;
  if (!(starts instanceof Int32Array) || starts.length !== parts + 1) {
    throw new RangeError(`${what}: ${name} must be ${expected}, got ${starts instanceof Int32Array ? `${starts.length} values` : String(starts)}`);
  }
  if (starts[0] !== 0 || starts[parts] !== total) throw new RangeError(`${what}: ${name} must be ${expected}, got ${starts[0]} … ${starts[parts]}`);
  for (let i = 0; i < parts; i++) {
    const size = starts[i + 1]! - starts[i]!;
    if (size < 0 || (nonEmpty && size === 0)) throw new RangeError(`${what}: ${name} must be ${expected}; part ${i} has ${size} tokens (${name}[${i}] = ${starts[i]}, ${name}[${i + 1}] = ${starts[i + 1]})`);
  }
}

function checkTokens(what: string, name: string, tokens: unknown, vocab: number): asserts tokens is Int32Array {
  if (!(tokens instanceof Int32Array)) throw new RangeError(`${what}: ${name} must be an Int32Array of token ids, got ${String(tokens)}`);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!(t >= 0 && t < vocab)) throw new RangeError(`${what}: ${name}[${i}] = ${t} is outside the vocabulary [0, ${vocab})`);
  }
}

/** Checks `input` against a policy's vocabulary and context (RangeErrors naming what was expected) and lays out its rows. */
export function prefixedRows(input: PrefixedTokens, vocab: number, context: number, what = "forwardPrefixed"): PrefixedRows {
  if (input === null || typeof input !== "object") throw new RangeError(`${what}: expected { prefixTokens, prefixStarts, sequencePrefix, suffixTokens, suffixStarts }, got ${String(input)}`);
  const { prefixTokens, prefixStarts, sequencePrefix, suffixTokens, suffixStarts } = input;
  checkTokens(what, "prefixTokens", prefixTokens, vocab);
  checkTokens(what, "suffixTokens", suffixTokens, vocab);
  if (!(prefixStarts instanceof Int32Array) || prefixStarts.length < 2) {
    throw new RangeError(`${what}: prefixStarts must be an Int32Array of at least 2 offsets (one prefix or more), got ${prefixStarts instanceof Int32Array ? `${prefixStarts.length} values` : String(prefixStarts)}`);
  }
  const prefixes = prefixStarts.length - 1;
  checkStarts(what, "prefixStarts", prefixStarts, prefixes, prefixTokens.length, true);
  if (!(sequencePrefix instanceof Int32Array)) throw new RangeError(`${what}: sequencePrefix must be an Int32Array of prefix indices, got ${String(sequencePrefix)}`);
  const sequences = sequencePrefix.length;
  checkStarts(what, "suffixStarts", suffixStarts, sequences, suffixTokens.length, false);
  for (let p = 0; p < prefixes; p++) {
    const length = prefixStarts[p + 1]! - prefixStarts[p]!;
    if (length > context) throw new RangeError(`${what}: prefix ${p} has ${length} tokens, more than the context of ${context} positions`);
  }
  const P = prefixTokens.length;
  const positions = new Int32Array(P + suffixTokens.length);
  for (let p = 0; p < prefixes; p++) for (let i = prefixStarts[p]!, t = 0; i < prefixStarts[p + 1]!; i++, t++) positions[i] = t;
  const rowStarts = new Int32Array(sequences + 1);
  for (let s = 0; s < sequences; s++) {
    const p = sequencePrefix[s]!;
    if (!(Number.isInteger(p) && p >= 0 && p < prefixes)) throw new RangeError(`${what}: sequencePrefix[${s}] = ${p} is not a prefix index in [0, ${prefixes})`);
    const prefixLength = prefixStarts[p + 1]! - prefixStarts[p]!;
    const suffixLength = suffixStarts[s + 1]! - suffixStarts[s]!;
    if (prefixLength + suffixLength > context) {
      throw new RangeError(`${what}: sequence ${s} has ${prefixLength} prefix + ${suffixLength} suffix tokens, more than the context of ${context} positions`);
    }
    for (let j = 0; j < suffixLength; j++) positions[P + suffixStarts[s]! + j] = prefixLength + j;
    rowStarts[s] = P + suffixStarts[s]!;
  }
  rowStarts[sequences] = P + suffixTokens.length;
  const tokens = new Int32Array(P + suffixTokens.length);
  tokens.set(prefixTokens);
  tokens.set(suffixTokens, P);
  const byPrefix = Int32Array.from({ length: sequences }, (_, s) => s).sort((x, y) => sequencePrefix[x]! - sequencePrefix[y]! || x - y);
  return { tokens, positions, prefixStarts: prefixStarts.slice(), sequencePrefix: sequencePrefix.slice(), suffixStarts: rowStarts, byPrefix };
}
