import type { SequenceRow } from "../../lib/data/sequence-table.js";

/** Two GRPO groups (one with signal, one where every completion scored 1), a two-segment completion that starts with a hint, and one without a group. */
export function syntheticRows(): SequenceRow[] {
  const rows: SequenceRow[] = [];
  const rewards = [1, 0, 0, 1];
  rewards.forEach((r, i) => rows.push({ episodeId: i, groupId: 10, tokens: [100 + i, 7, 8], tokenLogp: [-0.1, -1.2, -2.5], tokenAdv: [0, 0, 0].map(() => (r - 0.5) / Math.sqrt(1 / 3)), reward: r }));
  for (let i = 4; i < 7; i++) rows.push({ episodeId: i, groupId: 11, tokens: [3, 4], tokenLogp: [-0.5, -0.5], tokenAdv: [0, 0], reward: 1 });
  // Episode 7: a hint segment then the policy's own tokens, rewarded at the end.
  rows.push({ episodeId: 7, tokens: [5, 6], tokenLogp: [-3, -3], tokenAdv: [0.2, 0.2], reward: 0, source: "hint" });
  rows.push({ episodeId: 7, tokens: [7, 8, 9], tokenLogp: [-0.2, -0.3, -0.4], tokenAdv: [0.5, -0.5, 1.5], reward: 2 });
  return rows;
}
