import assert from "node:assert/strict";
import { test } from "node:test";
import { Field, Float32, List, Schema } from "apache-arrow";
import { rl } from "../../lib/index.js";
import { sequenceCredit } from "../../lib/credit/sequences.js";
import { sequenceTable } from "../../lib/data/sequence-table.js";
import { syntheticRows } from "../helpers/sequences.js";
import { trajectorySchemaProblems } from "../../lib/data/trajectory-schema-checks.js";

test("sequenceTable: the trajectory schema with List<int32> tokens and List<f32> token_logp / token_adv; bad rows are named", () => {
  const table = sequenceTable(syntheticRows());
  assert.deepEqual(trajectorySchemaProblems(table.schema), { missing: [], mistyped: [] });
  assert.equal(table.numRows, 9);
  assert.equal(String(table.schema.fields.find((f) => f.name === "tokens")!.type), "List<Int32>");
  assert.deepEqual(Array.from(table.getChild("t")!.toArray()).slice(7), [0, 1]);
  assert.deepEqual(Array.from(table.getChild("terminated")!.toArray() as unknown as boolean[]).slice(7), [false, true]);
  assert.throws(() => sequenceTable([{ episodeId: 0, tokens: [1, 2], tokenAdv: [1], reward: 0 }]), /row 0: tokenAdv has 1 values for 2 tokens/);
  assert.throws(() => sequenceTable([{ episodeId: 0, tokens: [1], reward: 0, source: "robot" as never }]), /source must be one of online, offline, hint, teacher, sim/);
});

test("sequenceCredit: GRPO normalized advantages per group (hand example), zero-variance groups flagged, segments by source", () => {
  const credit = sequenceCredit(sequenceTable(syntheticRows()));
  assert.equal(credit.completions.length, 8);
  const g10 = credit.groups.find((g) => g.id === 10)!;
  assert.equal(g10.mean, 0.5);
  assert.ok(Math.abs(g10.std - Math.sqrt(1 / 3)) < 1e-12, "sample std of [1, 0, 0, 1]");
  assert.equal(g10.zeroVariance, false);
  // (1 − 0.5) / sqrt(1/3) = 0.866…
  assert.deepEqual(g10.members.map((m) => Number(credit.completions[m]!.advantage!.toFixed(6))), [0.866025, -0.866025, -0.866025, 0.866025]);
  const g11 = credit.groups.find((g) => g.id === 11)!;
  assert.equal(g11.zeroVariance, true);
  assert.deepEqual(g11.members.map((m) => credit.completions[m]!.advantage), [0, 0, 0]);
  const ep7 = credit.completions.find((c) => c.episodeId === 7)!;
  assert.equal(ep7.groupId, undefined);
  assert.equal(ep7.advantage, undefined);
  assert.equal(ep7.reward, 2);
  assert.deepEqual(Array.from(ep7.tokens), [5, 6, 7, 8, 9]);
  assert.deepEqual(Array.from(ep7.tokenAdv!), [0.2, 0.2, 0.5, -0.5, 1.5].map(Math.fround));
  assert.deepEqual(ep7.segments, [{ from: 0, to: 1, source: "hint" }, { from: 2, to: 4, source: "online" }]);
  const popStd = sequenceCredit(sequenceTable(syntheticRows()), { std: "population" }).groups[0]!.std;
  assert.equal(popStd, 0.5);
});

test("sequenceCredit: rows out of order are put in t order; missing columns and mixed groups are named", () => {
  const rows = syntheticRows();
  const table = sequenceTable(rows);
  // Reverse the row order: episode 7's hint must still come first.
  const reversed = rl.dataset.from(table).table.slice(0, 0).concat(...Array.from({ length: table.numRows }, (_, i) => table.slice(table.numRows - 1 - i, table.numRows - i)));
  const ep7 = sequenceCredit(reversed).completions.find((c) => c.episodeId === 7)!;
  assert.deepEqual(Array.from(ep7.tokens), [5, 6, 7, 8, 9]);
  assert.throws(() => sequenceCredit(table.select(["episode_id", "t", "reward"])), /no tokens column/);
  const mixed = sequenceTable([{ episodeId: 0, groupId: 1, tokens: [1], reward: 0 }, { episodeId: 0, groupId: 2, tokens: [2], reward: 1 }]);
  assert.throws(() => sequenceCredit(mixed), /episode 0 has rows in groups 1 and 2/);
});

test("the schema check types the sequence columns when they are there", () => {
  const table = sequenceTable(syntheticRows());
  const floatTokens = table.schema.fields.map((f) => (f.name === "tokens" ? new Field("tokens", new List(new Field("item", new Float32(), false)), false) : f));
  assert.deepEqual(trajectorySchemaProblems(new Schema(floatTokens)).mistyped, ["tokens (List<Float32>, expected List<int32>)"]);
  const without = table.schema.fields.filter((f) => !["tokens", "token_logp", "token_adv"].includes(f.name));
  assert.deepEqual(trajectorySchemaProblems(new Schema(without)), { missing: [], mistyped: [] }, "optional: an env's table has none");
});
