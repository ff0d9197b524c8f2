import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { rl } from "../../lib/rl.js";
import { Transformer } from "../../lib/seq/policies/index.js";
import { Rng } from "../../lib/random/rng.js";

const tok = rl.tokenizer.char("0123456789+=");
const task = rl.tasks.addition;
const FIELDS = ["id", "seed", "levels", "schedule", "algo", "policy", "test", "train", "run", "learner"] as const;
const NESTED: Record<string, readonly string[]> = { learner: ["updates", "sampled", "groups", "adamT"], run: ["trainSeconds", "promptRng", "evalRng", "lastEval"], policy: ["kind", "config", "fast", "engine"], schedule: ["every", "problems", "samples", "k"] };

test("a sequence run checkpoint whose run.json fields hold anything either loads the same run or is refused naming run.json", async () => {
  const policy = Transformer.create({ vocabSize: tok.vocabSize, layers: 1, dModel: 8, heads: 2, mlpHidden: 16, context: 8 }, { rng: Rng.fromSeed(1) });
  const run = rl.seq(task, { level: 1, policy, tokenizer: tok, seed: 3 }).algo(rl.grpo({ prompts: 2, groupSize: 2, maxNewTokens: 3, beta: 0.1 })).eval({ problems: 5, every: 1 }).build();
  await run.train({ steps: 2, display: { progress() {} } });
  const dir = await mkdtemp(join(tmpdir(), "trellis-seq-fuzz-"));
  try {
    await run.save(dir);
    const original = await readFile(join(dir, "run.json"), "utf8");
    const field = fc.oneof(
      fc.constantFrom(...FIELDS).map((f) => [f] as string[]),
      fc.constantFrom(...Object.entries(NESTED).flatMap(([k, vs]) => vs.map((v) => [k, v]))),
    );
    await fc.assert(
      fc.asyncProperty(field, fc.jsonValue(), async (path, value) => {
        const json = JSON.parse(original) as Record<string, Record<string, unknown>>;
        if (path.length === 1) (json as Record<string, unknown>)[path[0]!] = value;
        else json[path[0]!]![path[1]!] = value;
        await writeFile(join(dir, "run.json"), JSON.stringify(json));
        try {
          const loaded = await rl.seq.load(dir, { task });
          // accepted: then it is a run that works
          await loaded.train({ steps: 1, display: { progress() {} } });
        } catch (e) {
          assert.ok(e instanceof Error, `not an Error: ${String(e)}`);
          assert.match(e.message, /run\.json/, `${path.join(".")} = ${JSON.stringify(value)?.slice(0, 80)}: ${e.message}`);
        }
      }),
      { numRuns: 120, seed: 11 },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
