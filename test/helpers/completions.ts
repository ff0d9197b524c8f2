import type { SequenceRow } from "../../lib/data/sequence-table.js";

/** Two steps of GRPO on a 2-token-prompt task: step 0's group has signal, step 1's group scored all 1; one completion recorded in two rows. */
export function stepRows(): SequenceRow[] {
  return [
    { episodeId: 0, groupId: 0, promptId: "p-a", policyVersion: 0, prompt: [5, 6], tokens: [7, 8, 2], tokenLogp: [-1, -1, -1], tokenAdv: [0.7, 0.7, 0.7], tokenClipped: [0, 1, 0], reward: 1 },
    { episodeId: 1, groupId: 0, promptId: "p-a", policyVersion: 0, prompt: [5, 6], tokens: [9, 9, 9], tokenLogp: [-1, -1, -1], tokenAdv: [-0.7, -0.7, -0.7], tokenClipped: [1, 1, 1], reward: 0 },
    { episodeId: 2, groupId: 1, promptId: "p-b", policyVersion: 1, prompt: [4], tokens: [7], tokenAdv: [0], tokenClipped: [0], reward: 1 },
    { episodeId: 2, groupId: 1, promptId: "p-b", policyVersion: 1, prompt: [99], tokens: [8, 2], tokenAdv: [0, 0], reward: 0 },
    { episodeId: 3, groupId: 1, promptId: "p-b", policyVersion: 1, prompt: [4], tokens: [3, 2], tokenAdv: [0, 0], tokenClipped: [0, 0], reward: 1 },
  ];
}
