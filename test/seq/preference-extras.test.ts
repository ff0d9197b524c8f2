// What the other preference and steering tests leave out: the curves and
// rl.compare of preference runs, reward models and SePPO runs; DQN's and
// SAC's Q-values; and checkpoint directories whose JSON is garbage.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import fc from "fast-check";
import { rl } from "../../lib/rl.js";
import { tiny, tok, quiet } from "../helpers/tiny-sequence-run.js";

const data = rl.preferences.lists([
  { prompt: "1+1=", completions: ["2", "3"], scores: [1, 0] },
  { prompt: "2+2=", completions: ["4", "5", "44"], scores: [1, 0, 0.5] },
]);

describe("preference extras", () => {
  test("curves and rl.compare draw preference runs, reward models and SePPO runs", async () => {
    const a = rl.seq.preference(data, { policy: tiny(1), tokenizer: tok, batch: 2 });
    const b = rl.seq.preference(data, { policy: tiny(2), tokenizer: tok, batch: 2, loss: rl.pref.lipo() });
    await a.train({ steps: 3, display: quiet });
    await b.train({ steps: 3, display: quiet });
    const html = (w: { bundle(): Record<string, unknown> }) => String(w.bundle()["text/html"]);
    assert.match(html(rl.compare({ dpo: [a], lipo: [b] }, { metric: "accuracy" })), /trellis-widget/);
    assert.match(html(a.curve({ metric: "margin" })), /trellis-widget/);
    const rm = rl.seq.rewardModel(tiny(3), tok);
    await rm.train(data, { steps: 2, display: quiet });
    assert.match(html(rm.curve()), /trellis-widget/);
    const seppo = rl.seq.seppo(rl.tasks.addition, { policy: tiny(4), tokenizer: tok, level: 1, batch: 2, maxNewTokens: 3 });
    await seppo.train({ steps: 2, display: quiet });
    assert.match(html(seppo.curve({ metric: "flipRate" })), /trellis-widget/);
  });

  test("DQN's Q at the given actions; SAC's the smaller of its twin critics", async () => {
    const dqn = rl.env("CartPole-v1", { n: 2, seed: 1 }).policy(rl.mlp([16])).algo(rl.dqn()).build();
    const obs = Float32Array.from({ length: 8 }, (_, i) => Math.sin(i) * 0.1);
    const q = (dqn.algo as unknown as { q: { predict(o: Float32Array, n: number): Float32Array } }).q.predict(obs, 2);
    assert.deepEqual(Array.from(dqn.algo.qValues!(obs, Int32Array.from([1, 0]), 2)), [q[1]!, q[2]!]);
    const sac = rl.env("Pendulum-v1", { seed: 1 }).policy(rl.mlp([16])).algo(rl.sac()).build();
    const o = Float32Array.from([0.1, 0.2, 0.3, -0.1, 0.5, 0.2]);
    const a = Float32Array.from([0.5, -1]);
    const core = (sac.algo as unknown as { core: { q1: { predict(x: Float32Array, n: number): Float32Array }; q2: { predict(x: Float32Array, n: number): Float32Array } } }).core;
    const input = Float32Array.from([0.1, 0.2, 0.3, 0.5, -0.1, 0.5, 0.2, -1]);
    const [q1, q2] = [core.q1.predict(input, 2), core.q2.predict(input, 2)];
    assert.deepEqual(Array.from(sac.algo.qValues!(o, a, 2)), [Math.min(q1[0]!, q2[0]!), Math.min(q1[1]!, q2[1]!)]);
  });

  test("a checkpoint whose JSON is any value is refused with an Error naming it, never a crash or a model", async () => {
    const dir = await mkdtemp(join(tmpdir(), "trellis-garbage-"));
    try {
      const run = rl.seq.preference(data, { policy: tiny(1), tokenizer: tok, batch: 2 });
      await run.save(join(dir, "pref"));
      const model = rl.seq.rewardModel(tiny(2), tok);
      await model.save(join(dir, "rm"));
      await fc.assert(
        fc.asyncProperty(fc.jsonValue(), fc.boolean(), async (value, keepFormat) => {
          const json = keepFormat && value !== null && typeof value === "object" && !Array.isArray(value) ? { ...value, version: 1 } : value;
          await writeFile(join(dir, "pref", "run.json"), JSON.stringify({ ...(keepFormat ? { format: "trellis.preference-run" } : {}), ...(typeof json === "object" && json && !Array.isArray(json) ? json : { x: json }) }));
          await writeFile(join(dir, "rm", "model.json"), JSON.stringify({ ...(keepFormat ? { format: "trellis.reward-model" } : {}), ...(typeof json === "object" && json && !Array.isArray(json) ? json : { x: json }) }));
          await assert.rejects(rl.seq.loadPreference(join(dir, "pref")), (e: Error) => e instanceof Error && e.message.includes(dir));
          await assert.rejects(rl.seq.loadRewardModel(join(dir, "rm")), (e: Error) => e instanceof Error && e.message.includes(dir));
        }),
        { numRuns: 60 },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
