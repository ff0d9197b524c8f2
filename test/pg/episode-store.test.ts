import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { EpisodeStore } from "../../lib/pg/collect/episode-store.js";

describe("EpisodeStore", () => {
  // Two copies, 1-D observations, γ = 0.5.
  const run = () => {
    const s = new EpisodeStore(2, 1, 1, true);
    const obs = new Float32Array(2);
    const act = new Int32Array(2);
    const step = (o0: number, o1: number, r0: number, r1: number) => {
      obs.set([o0, o1]);
      act.set([o0 % 2, o1 % 2]);
      s.push(0, obs, act);
      s.push(1, obs, act);
      s.reward(0, r0);
      s.reward(1, r1);
    };
    step(0, 10, 1, 2);
    step(1, 11, 1, 4);
    return { s, step };
  };

  test("a finished episode moves to the pool with G_t = r_t + γ G_{t+1}; open episodes wait", () => {
    const { s, step } = run();
    // copy 1 is truncated after 2 steps with bootstrap V(s_T) = 8: G1 = 4 + 0.5·8 = 8, G0 = 2 + 0.5·8 = 6
    s.finish(1, 0.5, 8);
    assert.equal(s.rows, 2);
    assert.equal(s.episodes, 1);
    assert.deepEqual(Array.from(s.returns.subarray(0, 2)), [6, 8]);
    assert.deepEqual(Array.from(s.obs.subarray(0, 2)), [10, 11]);
    assert.deepEqual(Array.from(s.actions.subarray(0, 2)), [0, 1]);
    assert.equal(s.openLength(0), 2);
    assert.equal(s.openLength(1), 0);
    // copy 0 terminates after a third step: rewards 1, 1, 1 → G = [1.75, 1.5, 1]
    step(2, 20, 1, 0);
    s.finish(0, 0.5);
    assert.equal(s.rows, 5);
    assert.deepEqual(Array.from(s.returns.subarray(0, 5)), [6, 8, 1.75, 1.5, 1]);
    assert.deepEqual(Array.from(s.obs.subarray(0, 5)), [10, 11, 0, 1, 2]);
    assert.equal(s.openLength(1), 1, "copy 1's new episode is open");
    s.clear();
    assert.equal(s.rows, 0);
    assert.equal(s.openLength(1), 1);
  });

  test("save/load keeps the pool and every open episode", () => {
    const { s } = run();
    s.finish(1, 0.5, 8);
    const saved = s.saveState();
    const t = new EpisodeStore(2, 1, 1, true);
    t.loadState(JSON.parse(JSON.stringify(saved.json)), saved.arrays);
    assert.equal(t.rows, 2);
    assert.equal(t.openLength(0), 2);
    s.finish(0, 0.5);
    t.finish(0, 0.5);
    assert.deepEqual(Array.from(t.returns.subarray(0, 4)), Array.from(s.returns.subarray(0, 4)));
    assert.deepEqual(Array.from(t.obs.subarray(0, 4)), Array.from(s.obs.subarray(0, 4)));
    assert.throws(() => new EpisodeStore(3, 1, 1, true).loadState(saved.json, saved.arrays), /3/);
  });

  test("grows past its initial storage (a 600-step episode)", () => {
    const s = new EpisodeStore(1, 2, 2, false);
    const obs = new Float32Array(2);
    const act = new Float32Array(2);
    for (let t = 0; t < 600; t++) {
      obs.set([t, t]);
      act.set([t / 10, -t / 10]);
      s.push(0, obs, act);
      s.reward(0, 1);
    }
    s.finish(0, 1);
    assert.equal(s.rows, 600);
    assert.equal(s.returns[0], 600);
    assert.equal(s.obs[2 * 599], 599);
    assert.ok(Math.abs(s.actions[2 * 599 + 1]! + 59.9) < 1e-4);
  });
});
