/**
 * `sequenceCredit`: where the credit went in a sequence task (a language
 * model's completions), read from a table in the trajectory schema with the
 * sequence columns (DESIGN.md: `tokens` List<int32>, `token_logp` List<f32>,
 * `token_adv` List<f32>, `group_id` int64 nullable, `source` dict<utf8>, and
 * when the run recorded it `token_clipped` List<bool>).
 *
 * An episode is one completion; its rows (ordered by `t`) are its turns or
 * segments, and their tokens are concatenated. Each token keeps the `source`
 * of its row, so hint, teacher and offline segments can be marked. A
 * completion's reward is the sum of its rows' `reward`. Completions that share
 * a `group_id` (the outputs sampled for one prompt) get the GRPO
 * group-relative advantage of their reward (`group-relative.ts`), and groups
 * whose rewards are all equal are flagged: they carry no learning signal.
 *
 * Pure: reads the table, returns fresh arrays.
 */
import type { Table, Vector } from "apache-arrow";
import { groupRelativeAdvantages, type GroupRelativeOptions } from "./group-relative.js";

export interface SequenceCompletion {
  readonly episodeId: number;
  /** Its group (prompt), or undefined when the rows have no `group_id`. */
  readonly groupId: number | undefined;
  readonly reward: number;
  /** Group-relative advantage of `reward` (0 in a zero-variance group; undefined without a group). */
  readonly advantage: number | undefined;
  readonly zeroVariance: boolean;
  readonly tokens: Int32Array;
  /** Per token, when the table has the column (NaN where a row's list is null). */
  readonly tokenLogp: Float32Array | undefined;
  readonly tokenAdv: Float32Array | undefined;
  /** Per token, 1 where the update's clipped surrogate held the ratio at a bound (the optional `token_clipped` column; 0 where a row's list is null). */
  readonly tokenClipped: Uint8Array | undefined;
  /** Runs of tokens from one source: [from, to] inclusive token indices. */
  readonly segments: readonly { from: number; to: number; source: string }[];
}

export interface SequenceGroup {
  readonly id: number;
  /** Indices into `completions`. */
  readonly members: readonly number[];
  readonly mean: number;
  readonly std: number;
  readonly zeroVariance: boolean;
}

export interface SequenceCredit {
  readonly completions: readonly SequenceCompletion[];
  readonly groups: readonly SequenceGroup[];
}

const REQUIRED = ["episode_id", "t", "reward", "tokens"] as const;

/** A cell of a List column as numbers (null for a null cell or no column). */
function listCell(col: Vector | null, row: number): ArrayLike<number> | null {
  const v = col?.get(row) as { toArray?: () => ArrayLike<number> } | null | undefined;
  if (v === null || v === undefined) return null;
  return v.toArray ? v.toArray() : (v as unknown as ArrayLike<number>);
}

/** The sequence credit of `table` (see the module comment); throws naming what is missing. */
export function sequenceCredit(table: Table, options: GroupRelativeOptions = {}): SequenceCredit {
  const missing = REQUIRED.filter((c) => !table.getChild(c));
  if (missing.length) throw new Error(`sequenceCredit: the table has no ${missing.join(", ")} column${missing.length > 1 ? "s" : ""} (sequence tasks need episode_id, t, reward and tokens; see DESIGN.md "Arrow trajectory schema")`);
  const episodeCol = table.getChild("episode_id")!;
  const tCol = table.getChild("t")!;
  const rewardCol = table.getChild("reward")!;
  const groupCol = table.getChild("group_id");
  const sourceCol = table.getChild("source");
  const tokensCol = table.getChild("tokens")!;
  const logpCol = table.getChild("token_logp");
  const advCol = table.getChild("token_adv");
  const clippedCol = table.getChild("token_clipped");
  const rowsOf = new Map<number, number[]>();
  for (let i = 0; i < table.numRows; i++) {
    const id = Number(episodeCol.get(i));
    let rows = rowsOf.get(id);
    if (!rows) rowsOf.set(id, (rows = []));
    rows.push(i);
  }
  const completions: SequenceCompletion[] = [];
  const groupIds: number[] = [];
  const rewards: number[] = [];
  for (const [episodeId, rows] of rowsOf) {
    rows.sort((a, b) => Number(tCol.get(a)) - Number(tCol.get(b)));
    const tokens: number[] = [];
    const logp: number[] = [];
    const adv: number[] = [];
    const clipped: number[] = [];
    const segments: { from: number; to: number; source: string }[] = [];
    let reward = 0;
    let groupId: number | undefined;
    for (const r of rows) {
      const tok = listCell(tokensCol, r) ?? [];
      const from = tokens.length;
      for (let k = 0; k < tok.length; k++) tokens.push(tok[k]!);
      const fill = (col: Vector, name: string, into: number[], empty: number) => {
        const cell = listCell(col, r);
        if (cell && cell.length !== tok.length) throw new RangeError(`sequenceCredit: episode ${episodeId} row ${r}: ${name} has ${cell.length} values for ${tok.length} tokens`);
        for (let k = 0; k < tok.length; k++) into.push(cell ? Number(cell[k]!) : empty);
      };
      if (logpCol) fill(logpCol, "token_logp", logp, Number.NaN);
      if (advCol) fill(advCol, "token_adv", adv, Number.NaN);
      if (clippedCol) fill(clippedCol, "token_clipped", clipped, 0);
      const source = String(sourceCol?.get(r) ?? "online");
      const prev = segments.at(-1);
      if (tok.length) {
        if (prev && prev.source === source && prev.to === from - 1) prev.to = tokens.length - 1;
        else segments.push({ from, to: tokens.length - 1, source });
      }
      const rw = Number(rewardCol.get(r));
      if (Number.isNaN(rw)) throw new RangeError(`sequenceCredit: episode ${episodeId} row ${r}: reward is null or NaN`);
      reward += rw;
      const g = groupCol?.get(r);
      if (g !== null && g !== undefined) {
        if (groupId !== undefined && groupId !== Number(g)) throw new RangeError(`sequenceCredit: episode ${episodeId} has rows in groups ${groupId} and ${Number(g)}`);
        groupId = Number(g);
      }
    }
    completions.push({ episodeId, groupId, reward, advantage: undefined, zeroVariance: false, tokens: Int32Array.from(tokens), tokenLogp: logpCol ? Float32Array.from(logp) : undefined, tokenAdv: advCol ? Float32Array.from(adv) : undefined, tokenClipped: clippedCol ? Uint8Array.from(clipped, (v) => (v ? 1 : 0)) : undefined, segments });
    if (groupId !== undefined) {
      groupIds.push(groupId);
      rewards.push(reward);
    }
  }
  const grouped = completions.map((c, i) => ({ c, i })).filter(({ c }) => c.groupId !== undefined);
  const groups: SequenceGroup[] = [];
  if (grouped.length) {
    const rel = groupRelativeAdvantages(Float64Array.from(rewards), Float64Array.from(groupIds), options);
    const members = new Map<number, number[]>();
    grouped.forEach(({ c, i }, k) => {
      completions[i] = { ...c, advantage: rel.advantages[k]!, zeroVariance: rel.zeroVariance[k] === 1 };
      let list = members.get(c.groupId!);
      if (!list) members.set(c.groupId!, (list = []));
      list.push(i);
    });
    const zero = new Set(rel.zeroVarianceGroups.map(Number));
    rel.groups.forEach((id, g) => {
      groups.push({
        id: Number(id),
        members: members.get(Number(id))!,
        mean: rel.means[g]!,
        std: rel.stds[g]!,
        zeroVariance: zero.has(Number(id)),
      });
    });
  }
  return { completions, groups };
}
