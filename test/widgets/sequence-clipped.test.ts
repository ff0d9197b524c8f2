import assert from "node:assert/strict";
import { test } from "node:test";
import { sequenceCredit } from "../../lib/credit/sequences.js";
import { sequenceTable, type SequenceRow } from "../../lib/data/sequence-table.js";
import { sequenceCreditWidget } from "../../widgets/server/sequences.js";
import type { SequenceCreditData } from "../../widgets/shared/types.js";
import { bundle, payload } from "../helpers/widgets.js";
import { syntheticRows } from "../helpers/sequences.js";

/** A group of two completions with clipped tokens, and a two-row completion whose first row has no flags. */
function clippedRows(): SequenceRow[] {
  return [
    { episodeId: 0, groupId: 1, tokens: [10, 11, 12, 13], tokenAdv: [1, 1, 1, 1], tokenClipped: [0, 1, 0, 1], reward: 1 },
    { episodeId: 1, groupId: 1, tokens: [10, 14], tokenAdv: [-1, -1], tokenClipped: [0, 0], reward: 0 },
    { episodeId: 2, tokens: [20, 21], tokenAdv: [0.5, 0.5], reward: 0 },
    { episodeId: 2, tokens: [22], tokenAdv: [0.5], tokenClipped: [1], reward: 1 },
  ];
}

test("sequenceCredit reads token_clipped per token, across a completion's rows (a row without flags counts as unclipped); without the column there are none", () => {
  const credit = sequenceCredit(sequenceTable(clippedRows()));
  assert.deepEqual(credit.completions.map((c) => Array.from(c.tokenClipped!)), [[0, 1, 0, 1], [0, 0], [0, 0, 1]]);
  const old = sequenceCredit(sequenceTable(syntheticRows()));
  assert.ok(old.completions.every((c) => c.tokenClipped === undefined));
});

test("sequence credit view: clipped tokens marked in the data, the static SVG (underline + legend) and counted in text/plain; old tables get no marks", () => {
  const b = bundle(sequenceCreditWidget("clip", sequenceCredit(sequenceTable(clippedRows())), { maxTokens: 3 }));
  const s = payload<{ sequences: SequenceCreditData }>(b["text/html"]!).sequences;
  const byEp = new Map(s.completions.map((c) => [c.episode, c]));
  assert.deepEqual(byEp.get(0)!.clipped, [1], "indices of clipped tokens among the kept ones (token 3 is cut)");
  assert.deepEqual(byEp.get(1)!.clipped, []);
  assert.deepEqual(byEp.get(2)!.clipped, [2]);
  assert.equal(s.clippedTokens, 3, "the total counts cut tokens too");
  const svg = b["image/svg+xml"]!;
  assert.equal((svg.match(/class="tw-clipped"/g) ?? []).length, 2, "one underline per kept clipped token");
  assert.match(svg, /underlined: clipped/);
  assert.match(b["text/plain"]!, /; 3 clipped tokens$/);

  const old = bundle(sequenceCreditWidget("old", sequenceCredit(sequenceTable(syntheticRows()))));
  const o = payload<{ sequences: SequenceCreditData }>(old["text/html"]!).sequences;
  assert.equal(o.clippedTokens, undefined);
  assert.ok(o.completions.every((c) => c.clipped === undefined));
  assert.doesNotMatch(old["image/svg+xml"]!, /tw-clipped|underlined/);
  assert.doesNotMatch(old["text/plain"]!, /clipped/);
});
