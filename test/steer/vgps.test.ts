// V-GPS on classic control: the offline learners' Q-functions read where the
// methods' own networks say, sampling from a generalist's policy, the
// value-guided choice (the best candidate at β = 0, the generalist's own
// sample at K = 1), evaluation with a chosen actor, and clear refusals.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { rl } from "../../lib/rl.js";
import type { Run } from "../../lib/run/run.js";
import type { Dataset } from "../../lib/data/dataset.js";
import { Rng } from "../../lib/random/rng.js";
import { twinCriticValues } from "../../lib/algos/q-values.js";
import { IqlInstance } from "../../lib/algos/offline/iql.js";

const quiet = { display: { progress() {} } };
const softmax = (z: ArrayLike<number>) => {
  const m = Math.max(...Array.from(z));
  const e = Array.from(z, (x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};

async function record(envId: string, algo: Parameters<ReturnType<typeof rl.env>["algo"]>[0], steps: number): Promise<Dataset> {
  const run = rl.env(envId, { n: 2, seed: 3 }).policy(rl.mlp([16])).algo(algo).build();
  await run.train({ steps, ...quiet });
  return rl.dataset.from(run.data);
}

describe("V-GPS on classic control", () => {
  let cart: Dataset;
  let generalist: Run;
  let critic: Run;
  const obs = new Float32Array(Array.from({ length: 6 * 4 }, (_, i) => Math.sin(i) * 0.1));

  before(async () => {
    cart = await record("CartPole-v1", rl.ppo({ numSteps: 64 }), 1024);
    const offline = rl.offline(cart, { seed: 1 }).policy(rl.mlp([16]));
    generalist = offline.algo(rl.bc({ batchSize: 32 })).build();
    await generalist.train({ updates: 30, ...quiet });
    critic = offline.algo(rl.iql({ batchSize: 32, logEvery: 10 })).build();
    await critic.train({ updates: 30, ...quiet });
  });

  test("Q-values: IQL's and CQL's Q-network at the given actions; twin critics give their minimum", async () => {
    const actions = Int32Array.from([0, 1, 1, 0, 1, 0]);
    const q = (critic.algo as IqlInstance).q.predict(obs, 6);
    assert.deepEqual(Array.from(critic.algo.qValues!(obs, actions, 6)), Array.from(actions, (a, b) => q[b * 2 + a]!));
    assert.throws(() => critic.algo.qValues!(obs, Int32Array.from([0, 2, 0, 0, 0, 0]), 6), /action 2 of row 1 is not one of 0..1/);
    const cql = rl.offline(cart, { seed: 2 }).policy(rl.mlp([16])).algo(rl.cql({ batchSize: 32 })).build();
    await cql.train({ updates: 5, ...quiet });
    const cq = (cql.algo as unknown as { q: { predict(o: Float32Array, n: number): Float32Array } }).q.predict(obs, 6);
    assert.deepEqual(Array.from(cql.algo.qValues!(obs, actions, 6)), Array.from(actions, (a, b) => cq[b * 2 + a]!));
    // Twin critics: the smaller of the two at every row.
    const pend = await record("Pendulum-v1", rl.ppo({ numSteps: 64 }), 512);
    const iqlC = rl.offline(pend, { seed: 1 }).policy(rl.mlp([16])).algo(rl.iql({ batchSize: 32, logEvery: 5 })).build();
    await iqlC.train({ updates: 5, ...quiet });
    const o3 = new Float32Array(Array.from({ length: 4 * 3 }, (_, i) => Math.cos(i)));
    const a1 = Float32Array.from([0.5, -1, 1.5, 0]);
    const nets = iqlC.algo as unknown as { q1: Parameters<typeof twinCriticValues>[0]; q2: Parameters<typeof twinCriticValues>[1] };
    const both = [nets.q1, nets.q2].map((n) => n.predict(Float32Array.from([...o3.subarray(0, 3), a1[0]!, ...o3.subarray(3, 6), a1[1]!, ...o3.subarray(6, 9), a1[2]!, ...o3.subarray(9, 12), a1[3]!]), 4));
    assert.deepEqual(Array.from(iqlC.algo.qValues!(o3, a1, 4)), Array.from({ length: 4 }, (_, i) => Math.fround(Math.min(both[0]![i]!, both[1]![i]!))));
  });

  test("sampling from the generalist follows its policy's distribution and repeats with the seed", () => {
    const one = obs.subarray(0, 4);
    const n = 4000;
    const many = new Float32Array(n * 4);
    for (let i = 0; i < n; i++) many.set(one, i * 4);
    const draw = (seed: number) => {
      const out = new Int32Array(n);
      generalist.algo.sampleActions!(many, n, Rng.fromSeed(seed), out);
      return out;
    };
    const a = draw(1);
    assert.deepEqual(draw(1), a);
    const p = softmax((generalist.algo as unknown as { actor: { predict(o: Float32Array, n: number): Float32Array } }).actor.predict(one, 1));
    const freq = a.reduce((s, x) => s + x, 0) / n;
    assert.ok(Math.abs(freq - p[1]!) < 4 * Math.sqrt((p[1]! * (1 - p[1]!)) / n) + 1e-3, `P(1) ${p[1]} vs ${freq}`);
    // A policy-gradient run samples its actor too: P(1) from its own log π.
    const ppo = rl.env("CartPole-v1", { n: 2, seed: 5 }).policy(rl.mlp([16])).algo(rl.ppo({ numSteps: 64 })).build();
    const out = new Int32Array(n);
    ppo.algo.sampleActions!(many, n, Rng.fromSeed(3), out);
    const p1 = Math.exp(ppo.algo.policyStats!(one, Int32Array.from([1]), 1).logp[0]!);
    const f1 = out.reduce((s, x) => s + x, 0) / n;
    assert.ok(Math.abs(f1 - p1) < 4 * Math.sqrt((p1 * (1 - p1)) / n) + 1e-3, `PPO P(1) ${p1} vs ${f1}`);
  });

  test("β = 0 executes the candidate of highest Q; K = 1 is the generalist's own sample", () => {
    const k = 5;
    const steer = rl.steer.vgps(generalist, critic, { k, beta: 0, seed: 9 });
    const chosen = new Int32Array(6);
    steer.act(obs, 6, chosen);
    // The same draws by hand: K candidates from the generalist, the argmax of Q per row.
    const rng = Rng.fromSeed(9);
    const cands = Array.from({ length: k }, () => {
      const c = new Int32Array(6);
      generalist.algo.sampleActions!(obs, 6, rng, c);
      return { c, q: critic.algo.qValues!(obs, c, 6) };
    });
    for (let b = 0; b < 6; b++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (cands[j]!.q[b]! > cands[best]!.q[b]!) best = j;
      assert.equal(chosen[b], cands[best]!.c[b], `row ${b}`);
    }
    const single = new Int32Array(6);
    rl.steer.vgps(generalist, critic, { k: 1, seed: 4 }).act(obs, 6, single);
    const own = new Int32Array(6);
    generalist.algo.sampleActions!(obs, 6, Rng.fromSeed(4), own);
    assert.deepEqual(single, own);
  });

  test("evaluate runs the chosen actor on the generalist's env; the same seed repeats", async () => {
    const left = await generalist.evaluate({ episodes: 6, act: (_o, n, a) => (a as Int32Array).fill(0, 0, n) });
    assert.ok(left.meanReturn < 15, `always pushing left falls fast: ${left.meanReturn}`);
    const a = await rl.steer.vgps(generalist, critic, { k: 4, seed: 2 }).evaluate({ episodes: 4 });
    const b = await rl.steer.vgps(generalist, critic, { k: 4, seed: 2 }).evaluate({ episodes: 4 });
    assert.equal(a.returns.length, 4);
    assert.ok(a.returns.every((r) => r >= 8));
    assert.ok(b.returns.length === 4);
    await assert.rejects(generalist.evaluate({ episodes: 2, act: 3 as never }), /act.*expected a function/);
  });

  test("runs that cannot play a part are refused by name", async () => {
    assert.throws(() => rl.steer.vgps(critic, critic, { k: 2 }), /the generalist \(iql\) has no stochastic policy/);
    assert.throws(() => rl.steer.vgps(generalist, generalist, { k: 2 }), /the critic \(bc\) has no Q-function/);
    assert.throws(() => rl.steer.vgps(generalist, critic, { k: 0 }), /k must be a positive integer/);
    assert.throws(() => rl.steer.vgps(generalist, critic, { k: 2, beta: NaN }), /beta must be a finite number/);
    const acro = rl.offline(await record("Acrobot-v1", rl.ppo({ numSteps: 64 }), 256), { seed: 1 }).policy(rl.mlp([16])).algo(rl.iql({ batchSize: 32 })).build();
    assert.throws(() => rl.steer.vgps(generalist, acro, { k: 2 }), /the generalist acts on 4 observations .* the critic scores 6/);
  });
});
