import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { box, discrete } from "../../lib/envs/space.js";
import { costSize, withCosts } from "../../lib/envs/costs.js";
import { InventoryVecEnv } from "../../lib/envs/constrained/inventory.js";
import { makeVecEnv } from "../../lib/envs/registry.js";
import { vectorize, type CustomEnv } from "../../lib/envs/custom.js";
import { poisson } from "../../lib/random/poisson.js";
import { Rng } from "../../lib/random/rng.js";
import { TrajectoryRecorder } from "../../lib/data/recorder.js";
import { META_COST_NAMES } from "../../lib/data/schema.js";
import { trajectorySchemaProblems } from "../../lib/data/trajectory-schema-checks.js";
import { EpisodeTracker } from "../../lib/run/episode-tracker.js";
import { rl } from "../../lib/index.js";

const RIGHT = 1;
const DOWN = 2;

describe("constraint costs of envs", () => {
  test("envs without costs have none", () => {
    for (const id of ["CartPole-v1", "Pendulum-v1", "GridWorld-v0", "Bandit-v0"]) {
      const env = makeVecEnv(id, { n: 2 });
      assert.equal(costSize(env), 0, id);
      assert.equal(env.costs?.length ?? 0, 0, id);
    }
  });

  test("GridWorld-Hazards-v0: entering a hazard costs 1, the detour costs nothing", () => {
    const env = makeVecEnv("GridWorld-Hazards-v0", { n: 1 });
    assert.deepEqual(env.costNames, ["hazard"]);
    env.reset();
    const straight: number[] = [];
    for (let k = 0; k < 6; k++) {
      env.step(Int32Array.of(RIGHT));
      straight.push(env.costs![0]!);
    }
    assert.deepEqual(straight, [0, 0, 1, 0, 0, 0], "the third step right enters the hazard column");
    assert.equal(env.terminated[0], 1, "six steps right reach G");
    assert.ok(Math.abs(env.rewards[0]! - 1) < 1e-6);
    const detour = [DOWN, DOWN, DOWN, RIGHT, RIGHT, RIGHT, RIGHT, RIGHT, RIGHT, 0, 0, 0];
    let cost = 0;
    for (const a of detour) {
      env.step(Int32Array.of(a));
      cost += env.costs![0]!;
    }
    assert.equal(cost, 0);
    assert.equal(env.terminated[0], 1, "the detour reaches G in 12 steps");
    assert.throws(() => makeVecEnv("GridWorld-v0", { map: ["SH?G"] }), /'\?'; use S \(start\), G \(goal\), T \(trap\), H \(hazard\)/);
    const coords = makeVecEnv("GridWorld-v0", { width: 3, height: 1, hazards: [[0, 1]] });
    assert.deepEqual(coords.costNames, ["hazard"], "hazards given as cells");
  });

  test("CartPole-Cost-v1: 1 per step beyond |x| > xLimit", () => {
    const env = makeVecEnv("CartPole-Cost-v1", { n: 2, xLimit: 0.3 });
    assert.deepEqual(env.costNames, ["position"]);
    env.reset({ state: [[0, 0, 0, 0], [-0.5, 0, 0, 0]] });
    env.step(Int32Array.of(0, 1));
    assert.deepEqual([...env.costs!], [0, 1]);
    assert.equal(makeVecEnv("CartPole-Cost-v1").id, "CartPole-Cost-v1");
    assert.throws(() => makeVecEnv("CartPole-Cost-v1", { xLimit: 3 }), /xLimit must be a number in \(0, 2\.4\)/);
    assert.throws(() => makeVecEnv("CartPole-Cost-v1", { xlimit: 1 }), /xlimit/, "a misspelled kwarg reaches CartPole's check");
  });

  test("Pendulum-Energy-v1: (u/2)² of the clipped torque", () => {
    const env = makeVecEnv("Pendulum-Energy-v1", { n: 3 });
    env.reset();
    env.step(Float32Array.of(2, -1, 5));
    assert.deepEqual([...env.costs!], [1, 0.25, 1]);
  });

  test("Inventory-v0: a hand-worked week (no demand), the capacity, checkpoints", () => {
    const env = new InventoryVecEnv({ n: 1, rng: Rng.fromSeed(0), baseDemand: 0 });
    assert.deepEqual(env.costNames, ["overflow"]);
    env.reset({ state: [8, 0] });
    env.step(Int32Array.of(2)); // order 4: stock 12, 2 above capacity 10
    assert.equal(env.costs![0], 2);
    assert.ok(Math.abs(env.rewards[0]! - (-4 - 0.1 * 12)) < 1e-5, `reward ${env.rewards[0]}`);
    env.reset({ state: [18, 0] });
    env.step(Int32Array.of(5)); // order 10, only 2 fit under 2 × capacity
    assert.equal(env.costs![0], 10);
    assert.ok(Math.abs(env.rewards[0]! - (-2 - 0.1 * 20)) < 1e-5);
    const a = makeVecEnv("Inventory-v0", { n: 3, seed: 5 });
    a.reset();
    const b = makeVecEnv("Inventory-v0", { n: 3, seed: 9 });
    b.reset();
    const acts = Int32Array.of(1, 3, 5);
    for (let t = 0; t < 5; t++) a.step(acts);
    b.loadState(a.saveState());
    for (let t = 0; t < 10; t++) {
      a.step(acts);
      b.step(acts);
      assert.deepEqual([...b.costs!, ...b.rewards], [...a.costs!, ...a.rewards]);
    }
    assert.throws(() => makeVecEnv("Inventory-v0", { orders: [3] }), /orders must be an array of at least 2/);
    assert.throws(() => makeVecEnv("Inventory-v0", { capacity: 0 }), /capacity must be an integer ≥ 1/);
  });

  test("poisson draws have the right mean and variance", () => {
    const rng = Rng.fromSeed(3);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const k = poisson(rng, 6);
      s += k;
      s2 += k * k;
    }
    const mean = s / n;
    const variance = s2 / n - mean * mean;
    assert.ok(Math.abs(mean - 6) < 4 * Math.sqrt(6 / n), `mean ${mean}`);
    assert.ok(Math.abs(variance - 6) < 0.3, `variance ${variance}`);
    assert.equal(poisson(rng, 0), 0);
    assert.throws(() => poisson(rng, -1), /mean must be in \[0, 100\]/);
  });

  test("custom envs declare costNames and return cost from step", () => {
    class Lava implements CustomEnv {
      observationSpace = box(0, 1, [1]);
      actionSpace = discrete(2);
      costNames = ["lava", "noise"];
      t = 0;
      reset() {
        this.t = 0;
        return [0];
      }
      step(a: number) {
        this.t++;
        return { obs: [this.t / 10], reward: 1, terminated: this.t >= 3, cost: [a, 0.5] };
      }
    }
    const env = vectorize(Lava, { n: 2, rng: Rng.fromSeed(0) });
    env.reset();
    env.step(Int32Array.of(1, 0));
    assert.deepEqual([...env.costs], [1, 0.5, 0, 0.5]);
    const saved = env.saveState();
    assert.ok(!JSON.stringify(saved).includes("lava"), "costNames are declarations, not saved state");

    const bad = (cost: unknown, names?: string[]) => {
      const def = { observationSpace: box(0, 1, [1]), actionSpace: discrete(2), ...(names ? { costNames: names } : {}), reset: () => ({ state: 0, obs: [0] }), step: () => ({ state: 0, obs: [0], reward: 0, terminated: false, cost }) };
      const e = vectorize(def as never, { n: 1, rng: Rng.fromSeed(0) });
      e.reset();
      e.step(Int32Array.of(0));
    };
    assert.throws(() => bad(1), /returned cost 1, but the env declares no costNames/);
    assert.throws(() => bad(Number.NaN, ["c"]), /returned cost NaN; a cost must be a finite number/);
    assert.throws(() => bad([1, 2], ["c"]), /expected a number for \[c\]/);
    assert.throws(() => bad(1, ["a", "b"]), /declares 2 costs \[a, b\]; return one number per name/);
    assert.throws(() => bad(0, ["a", "a"]), /cost name 'a' appears twice/);
    assert.doesNotThrow(() => bad(undefined, ["c"]), "a step may leave its cost out (0)");
  });

  test("withCosts adds named costs after the env's own, and sees the episode's last observation", () => {
    const grid = makeVecEnv("GridWorld-Hazards-v0", { n: 1, observation: "coords" });
    const seen: number[][] = [];
    const env = withCosts(grid, {
      names: ["column"],
      cost: (s) => {
        seen.push([...s.nextObs]);
        return s.nextObs[1]!;
      },
    });
    assert.deepEqual(env.costNames, ["hazard", "column"]);
    env.reset();
    for (let k = 0; k < 3; k++) env.step(Int32Array.of(RIGHT));
    assert.deepEqual([...env.costs!], [1, 3]);
    for (let k = 0; k < 3; k++) env.step(Int32Array.of(RIGHT));
    assert.equal(env.terminated[0], 1);
    assert.deepEqual(seen.at(-1), [0, 6], "the goal cell, not the next episode's start");
    assert.deepEqual([...env.obs], [0, 0]);
    assert.throws(() => withCosts(grid, { names: "hazard", cost: () => 0 }), /already has a cost named 'hazard'/);
    assert.throws(() => withCosts(grid, { names: [], cost: () => 0 }), /give the cost a name/);
    assert.throws(() => withCosts(grid, { names: "x", cost: 3 as never }), /options.cost must be a function/);
    const broken = withCosts(makeVecEnv("CartPole-v1"), { names: "x", cost: () => "high" as never });
    broken.reset();
    assert.throws(() => broken.step(Int32Array.of(0)), /the cost function of copy 0 returned "?high"?; expected a number for \[x\]/);
  });

  test("the recorder writes a cost column named in the metadata", () => {
    const env = makeVecEnv("CartPole-Cost-v1", { n: 2, xLimit: 0.01 });
    const rec = TrajectoryRecorder.forEnv(env);
    env.reset();
    const obs = Float32Array.from(env.obs);
    env.step(Int32Array.of(0, 1));
    rec.record({ obs, actions: Int32Array.of(0, 1), rewards: env.rewards, terminated: env.terminated, truncated: env.truncated, nextObs: env.obs, costs: env.costs!, policyVersion: 0 });
    rec.record({ obs, actions: Int32Array.of(0, 1), rewards: env.rewards, terminated: env.terminated, truncated: env.truncated, nextObs: env.obs, policyVersion: 0 });
    const table = rec.toTable();
    assert.equal(table.schema.metadata.get(META_COST_NAMES), '["position"]');
    assert.deepEqual(trajectorySchemaProblems(table.schema), { missing: [], mistyped: [] });
    const cost = table.getChild("cost")!;
    assert.deepEqual([cost.get(0), cost.get(1), cost.get(2), cost.get(3)], [env.costs![0], env.costs![1], null, null]);
    const plain = TrajectoryRecorder.forEnv(makeVecEnv("CartPole-v1"));
    assert.equal(plain.toTable().getChild("cost"), null, "no cost column without costs");
    assert.throws(() => plain.record({ obs: new Float32Array(4), actions: Int32Array.of(0), rewards: new Float32Array(1), terminated: new Uint8Array(1), truncated: new Uint8Array(1), nextObs: new Float32Array(4), costs: new Float32Array(1), policyVersion: 0 }), /the recorder has no costNames/);
  });

  test("two costs make a FixedSizeList cost column", () => {
    const env = withCosts(makeVecEnv("CartPole-Cost-v1", { n: 1 }), { names: "left", cost: (s) => (s.nextObs[0]! < 0 ? 1 : 0) });
    const rec = TrajectoryRecorder.forEnv(env);
    env.reset({ state: [-1, 0, 0, 0] });
    const obs = Float32Array.from(env.obs);
    env.step(Int32Array.of(0));
    rec.record({ obs, actions: Int32Array.of(0), rewards: env.rewards, terminated: env.terminated, truncated: env.truncated, nextObs: env.obs, costs: env.costs!, policyVersion: 0 });
    const table = rec.toTable();
    assert.deepEqual([...(table.getChild("cost")!.get(0) as Iterable<number>)], [1, 1]);
    assert.equal(table.schema.metadata.get(META_COST_NAMES), '["position","left"]');
  });

  test("the episode tracker sums each episode's cost", () => {
    const env = makeVecEnv("GridWorld-Hazards-v0", { n: 1 });
    const tracker = new EpisodeTracker(1);
    env.reset();
    for (let k = 0; k < 6; k++) {
      env.step(Int32Array.of(RIGHT));
      tracker.record(env, k + 1);
    }
    assert.equal(tracker.finished[0]!.cost, 1);
    assert.deepEqual(tracker.takeSinceLastRow(), { episodicReturn: tracker.finished[0]!.return, episodicLength: 6, episodicCost: 1 });
    assert.equal(tracker.meanCost(), 1);
    env.step(Int32Array.of(RIGHT));
    env.step(Int32Array.of(RIGHT));
    tracker.record(env, 7);
    const copy = new EpisodeTracker(1);
    copy.load(JSON.parse(JSON.stringify(tracker.toJSON())));
    assert.deepEqual(copy.toJSON(), tracker.toJSON());
    const plain = new EpisodeTracker(1);
    const cart = makeVecEnv("CartPole-v1");
    cart.reset();
    for (let k = 0; k < 200 && plain.count === 0; k++) {
      cart.step(Int32Array.of(0));
      plain.record(cart, k);
    }
    assert.equal(plain.meanCost(), undefined);
    assert.equal("episodicCost" in plain.takeSinceLastRow(), false);
  });

  test("runs on envs with costs log episodicCost and meanCost, evaluate() sums costs, run.data has the cost column", async () => {
    const run = rl.env("GridWorld-Hazards-v0", { n: 4, seed: 1 }).policy(rl.mlp([16])).algo(rl.ppo({ numSteps: 32 })).build();
    await run.train({ steps: 2048 });
    const rows = run.metrics.toArray() as Record<string, number | null>[];
    assert.ok(rows.some((r) => typeof r.episodicCost === "number"), "episodicCost logged");
    assert.equal(typeof rows.at(-1)!.meanCost, "number");
    const ev = await run.evaluate({ episodes: 4 });
    assert.equal(ev.costs!.length, 4);
    assert.ok(ev.costs!.every((c) => c >= 0));
    assert.ok(run.data.getChild("cost") !== null);
    const eps = run.episodes({ last: 3 });
    const recs = eps.records;
    assert.ok(recs.length > 0 && recs.every((r) => r.costs?.length === r.length && r.totalCost === r.costs.reduce((s, x) => s + x, 0)));
    const credit = eps.credit().payload as { credit: { metrics: Record<string, unknown[]> } };
    assert.deepEqual(credit.credit.metrics.cost, recs.map((r) => Array.from(r.costs!)), "the credit view shows each step's cost");
    const { trainCurve } = await import("../../lib/run/train-progress.js");
    assert.deepEqual(trainCurve(run.algoSpec, run.env.costNames).extra, [{ key: "episodicCost", label: "episode cost" }], "the training view plots episode cost beside return");
    assert.equal(trainCurve(run.algoSpec).extra, undefined);
    const plain = await rl.env("CartPole-v1", { n: 2 }).policy(rl.mlp([8])).algo(rl.ppo({ numSteps: 16 })).build().evaluate({ episodes: 2 });
    assert.equal(plain.costs, undefined);
    run.dispose();
  });
});
