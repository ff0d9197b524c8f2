/**
 * `completionRows`: a sequence trajectory table (`sequenceTable`, or a
 * `SequenceRun`'s `completions()`) as one plain row per completion, what the
 * completions table widget shows: the step that sampled it
 * (`policy_version`), its group and prompt, its tokens, reward, advantage and
 * flags. Widgets import only types from lib/, so this reading happens here.
 *
 * A completion's rows (ordered by `t`) are read as `sequenceCredit` reads
 * them (tokens concatenated, rewards summed); its prompt is the `obs` of its
 * first row, its step the `policy_version` of its first row, and it is
 * truncated when its last row says so.
 *
 * Its advantage is the one the update used, the first token's `token_adv`
 * (a GRPO completion's tokens share it); without that column, or for an
 * empty completion, the group-relative advantage of its reward.
 *
 * Pure: reads the table, returns fresh arrays.
 */
import type { Table, Vector } from "apache-arrow";
import { sequenceCredit } from "../credit/sequences.js";
import type { GroupRelativeOptions } from "../credit/group-relative.js";

export interface CompletionRow {
  readonly episodeId: number;
  /** The training step whose policy sampled it (`policy_version`; 0 without the column). */
  readonly step: number;
  readonly groupId: number | undefined;
  /** The problem the prompt came from (`prompt_id`), when the table has it. */
  readonly promptId: string | undefined;
  /** The prompt's token ids. */
  readonly prompt: Int32Array;
  readonly tokens: Int32Array;
  readonly reward: number;
  /** See the module comment; undefined without `token_adv` and without a group. */
  readonly advantage: number | undefined;
  /** Where `advantage` came from. */
  readonly advantageFrom: "token_adv" | "group" | undefined;
  /** Its group's rewards are all equal (no learning signal). */
  readonly zeroVariance: boolean;
  /** The table's `truncated` on its last row. */
  readonly truncated: boolean;
  /** Tokens whose ratio the update clipped (undefined without `token_clipped`). */
  readonly clippedTokens: number | undefined;
}

/** A List cell as numbers (empty for a null cell or no column). */
function listNumbers(col: Vector | null, row: number): number[] {
  const v = col?.get(row) as { toArray?: () => ArrayLike<number> } | null | undefined;
  if (v === null || v === undefined) return [];
  return Array.from(v.toArray ? v.toArray() : (v as unknown as ArrayLike<number>), Number);
}

/** One {@link CompletionRow} per completion of `table`, in order of first appearance. */
export function completionRows(table: Table, options: GroupRelativeOptions = {}): CompletionRow[] {
  const credit = sequenceCredit(table, options);
  const episodeCol = table.getChild("episode_id")!;
  const tCol = table.getChild("t")!;
  const obsCol = table.getChild("obs");
  const versionCol = table.getChild("policy_version");
  const promptIdCol = table.getChild("prompt_id");
  const truncatedCol = table.getChild("truncated");
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  for (let i = 0; i < table.numRows; i++) {
    const id = Number(episodeCol.get(i));
    const t = Number(tCol.get(i));
    const f = first.get(id);
    if (f === undefined || t < Number(tCol.get(f))) first.set(id, i);
    const l = last.get(id);
    if (l === undefined || t >= Number(tCol.get(l))) last.set(id, i);
  }
  return credit.completions.map((c) => {
    const r0 = first.get(c.episodeId)!;
    const rN = last.get(c.episodeId)!;
    const firstAdv = c.tokenAdv && c.tokenAdv.length ? c.tokenAdv[0]! : Number.NaN;
    const fromTokens = Number.isFinite(firstAdv);
    let clippedTokens: number | undefined;
    if (c.tokenClipped) {
      clippedTokens = 0;
      for (const v of c.tokenClipped) clippedTokens += v;
    }
    const promptId = promptIdCol?.get(r0) as string | null | undefined;
    return {
      episodeId: c.episodeId,
      step: versionCol ? Number(versionCol.get(r0) ?? 0) : 0,
      groupId: c.groupId,
      promptId: promptId ?? undefined,
      prompt: Int32Array.from(listNumbers(obsCol, r0)),
      tokens: c.tokens,
      reward: c.reward,
      advantage: fromTokens ? firstAdv : c.advantage,
      advantageFrom: fromTokens ? "token_adv" : c.advantage !== undefined ? "group" : undefined,
      zeroVariance: c.zeroVariance,
      truncated: truncatedCol?.get(rN) === true,
      clippedTokens,
    };
  });
}
