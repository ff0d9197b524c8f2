import assert from "node:assert/strict";
import { test } from "node:test";
import { completionRows } from "../../lib/data/completion-rows.js";
import { sequenceTable } from "../../lib/data/sequence-table.js";
import { stepRows } from "../helpers/completions.js";

test("completionRows: one row per completion with its step, group, prompt id and ids, tokens across rows, reward, the update's advantage and clipped count", () => {
  const rows = completionRows(sequenceTable(stepRows()));
  assert.deepEqual(rows.map((r) => r.episodeId), [0, 1, 2, 3]);
  assert.deepEqual(rows.map((r) => r.step), [0, 0, 1, 1]);
  assert.deepEqual(rows.map((r) => r.groupId), [0, 0, 1, 1]);
  assert.deepEqual(rows.map((r) => r.promptId), ["p-a", "p-a", "p-b", "p-b"]);
  assert.deepEqual(Array.from(rows[2]!.prompt), [4], "the prompt of the completion's first row");
  assert.deepEqual(Array.from(rows[2]!.tokens), [7, 8, 2]);
  assert.deepEqual(rows.map((r) => r.reward), [1, 0, 1, 1]);
  assert.deepEqual(rows.map((r) => r.advantage), [0.7, -0.7, 0, 0].map(Math.fround));
  assert.ok(rows.every((r) => r.advantageFrom === "token_adv"));
  assert.deepEqual(rows.map((r) => r.zeroVariance), [false, false, true, true]);
  assert.deepEqual(rows.map((r) => r.clippedTokens), [1, 3, 0, 0], "a row without flags counts none");
  assert.ok(rows.every((r) => r.truncated === false));
});

test("completionRows: without token_adv the advantage is group-relative; without the optional columns step 0, no prompt id, no clipped count", () => {
  const rows = completionRows(sequenceTable(stepRows().map(({ tokenAdv: _a, tokenClipped: _c, promptId: _p, policyVersion: _v, ...r }) => r)));
  // Group 0: rewards [1, 0], mean 0.5, sample std √0.5 → ±0.7071.
  assert.deepEqual(rows.map((r) => (r.advantage === undefined ? undefined : Number(r.advantage.toFixed(4)))), [0.7071, -0.7071, 0, 0]);
  assert.ok(rows.every((r) => r.advantageFrom === "group"));
  assert.deepEqual(rows.map((r) => [r.step, r.promptId, r.clippedTokens]), Array.from({ length: 4 }, () => [0, undefined, undefined]));
  const single = completionRows(sequenceTable([{ episodeId: 9, tokens: [1], reward: 2 }]))[0]!;
  assert.equal(single.advantage, undefined);
  assert.equal(single.advantageFrom, undefined);
  assert.equal(single.groupId, undefined);
});
