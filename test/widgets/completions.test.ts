import assert from "node:assert/strict";
import { test } from "node:test";
import { completionRows } from "../../lib/data/completion-rows.js";
import { sequenceTable } from "../../lib/data/sequence-table.js";
import { completionsWidget } from "../../widgets/server/completions.js";
import type { CompletionsData } from "../../widgets/shared/types.js";
import { bundle, payload } from "../helpers/widgets.js";
import { stepRows } from "../helpers/completions.js";

const VOCAB = ["<pad>", "<bos>", "<eos>", "a", "b", "c", "d", "e", "f", "g"];
const rows = () => completionRows(sequenceTable(stepRows()));

test("completions table: one row per completion with decoded prompt and completion, reward, advantage, length and flags; the last step shown first", () => {
  const b = bundle(completionsWidget("grpo", rows(), { decode: VOCAB, eos: 2 }));
  assert.equal(b["application/vnd.trellis.widget+json"] !== undefined, true);
  const d = payload<{ kind: string; completions: CompletionsData }>(b["text/html"]!);
  assert.equal(d.kind, "completions");
  const c = d.completions;
  assert.deepEqual(c.steps, [0, 1]);
  assert.equal(c.step, 1, "default: the last step");
  assert.deepEqual([c.total, c.omitted], [4, 0]);
  assert.deepEqual(
    c.rows.map((r) => [r.episode, r.step, r.group, r.promptId, r.prompt, r.completion, r.reward, r.length, r.zeroVariance, r.truncated, r.clipped]),
    [
      [0, 0, 0, "p-a", "cd", "ef<eos>", 1, 3, false, false, 1],
      [1, 0, 0, "p-a", "cd", "ggg", 0, 3, false, true, 3],
      [2, 1, 1, "p-b", "b", "ef<eos>", 1, 3, true, false, 0],
      [3, 1, 1, "p-b", "b", "a<eos>", 1, 2, true, false, 0],
    ],
  );
  assert.deepEqual(c.rows.map((r) => r.advantage), [0.7, -0.7, 0, 0]);
  // text/plain: a header and a compact table of the shown step.
  const lines = b["text/plain"]!.split("\n");
  assert.equal(lines[0], "completions — grpo: 4 completions at 2 steps; step 1: 2 rows");
  assert.match(lines[1]!, /^step\s+group\s+reward\s+adv\s+len\s+flags\s+prompt\s+completion$/);
  assert.match(lines[2]!, /^1\s+1\s+1\s+0\s+3\s+zero-var\s+b\s+ef<eos>$/);
  assert.equal(lines.length, 4);
  // The static picture shows the same rows.
  assert.match(b["image/svg+xml"]!, /ef&lt;eos&gt;/);
  assert.doesNotMatch(b["image/svg+xml"]!, /ggg/, "step 0 is not the step shown");
});

test("completions table: step and size options, decode as a function, no eos means truncation unknown", () => {
  const all = payload<{ completions: CompletionsData }>(bundle(completionsWidget("t", rows(), { step: "all", decode: (ids) => ids.map((i) => `[${i}]`).join("") }))["text/html"]!).completions;
  assert.equal(all.step, null);
  assert.equal(all.rows[1]!.completion, "[9][9][9]");
  assert.ok(all.rows.every((r) => r.truncated === null), "without eos the view cannot tell");
  const text = completionsWidget("t", rows(), { step: 0 }).text;
  assert.match(text, /step 0: 2 rows/);
  assert.match(text, /clip 3\s+5 6\s+9 9 9$/m, "ids as text without a vocabulary");
  // Bounded: the newest steps first (within a step, source order); the count of those left out is said.
  const small = payload<{ completions: CompletionsData }>(bundle(completionsWidget("t", rows(), { maxRows: 3, maxChars: 1, decode: VOCAB }))["text/html"]!).completions;
  assert.deepEqual(small.rows.map((r) => r.episode), [0, 2, 3]);
  assert.deepEqual([small.total, small.omitted], [4, 1]);
  assert.equal(small.rows[0]!.completion, "e…");
  assert.match(completionsWidget("t", rows(), { maxRows: 2 }).text, /\(2 of older steps not embedded\)/);
  assert.throws(() => completionsWidget("t", rows(), { step: 7 }), /no completions of step 7/);
  assert.throws(() => completionsWidget("t", rows(), { maxRows: 0 }), /maxRows must be a positive integer/);
});
