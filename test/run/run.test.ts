import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { flattenParams } from "../../lib/algos/optimizer.js";
import { rl, Run, RunConfigError, TrainingDivergedError } from "../../lib/index.js";
import { timeless } from "../helpers/runs.js";

const params = (run: Run) => flattenParams((run.algo as unknown as { policy: { groups: Parameters<typeof flattenParams>[0] } }).policy.groups);
const small = (seed = 1) => rl.env("CartPole-v1", { n: 4, seed }).policy(rl.mlp([32, 32])).algo(rl.ppo({ numSteps: 32 }));

test("builders return copies: branching from a shared builder leaves it unchanged", () => {
  const base = rl.env("CartPole-v1", { n: 2 });
  const branch = base.policy(rl.mlp([16]));
  assert.deepEqual(base.toConfig().policy, rl.mlp([64, 64]));
  assert.deepEqual(branch.toConfig().policy, rl.mlp([16]));
  assert.notEqual(base, branch);
});

test("build() reports every problem with its path", () => {
  const builder = rl.env("CartPole-v1", { n: 3 }).algo(rl.ppo({ lr: -1, clip: 0, minibatches: 5 }));
  assert.throws(
    () => builder.build(),
    (e: unknown) => {
      assert.ok(e instanceof RunConfigError);
      const text = e.lines.join("\n");
      assert.match(text, /algo\.lr: expected a number > 0, got -1/);
      assert.match(text, /algo\.clip: expected a number > 0, got 0/);
      assert.match(text, /rollout size 384 .* 5 minibatches/);
      return true;
    },
  );
});

test("unknown env ids list the known ones; space mismatches are explained", () => {
  assert.throws(() => rl.env("CartPole-v0").algo(rl.ppo()).build(), /Unknown env 'CartPole-v0'.*CartPole-v1/s);
  assert.throws(() => rl.env("CartPole-v1").policy(rl.mlp([8], { head: "gaussian" })).algo(rl.ppo()).build(), /needs a continuous \(box\) action space/);
});

test("train() needs a budget and validates it", async () => {
  const run = small().build();
  await assert.rejects(run.train(), /train\(\) needs a budget/);
  await assert.rejects(run.train({ steps: -5 }), /positive integer/);
});

test("train({ steps }) records an Arrow metrics table with the named columns", async () => {
  const run = small().build();
  const r = await run.train({ steps: 1024 });
  assert.equal(r.stopped, "steps");
  assert.equal(run.step, 1024);
  const t = run.metrics;
  assert.equal(t.numRows, 8); // 1024 / (32 steps × 4 envs)
  for (const name of ["step", "wallTime", "episodicReturn", "episodicLength", "meanReturn", "policyLoss", "valueLoss", "entropy", "approxKl", "clipfrac", "explainedVariance", "sps", "learningRate"]) {
    assert.ok(t.getChild(name), `column ${name}`);
  }
  assert.deepEqual(Array.from(t.getChild("step")!.toArray() as Float64Array), [128, 256, 384, 512, 640, 768, 896, 1024]);
});

test("same seed ⇒ identical metrics and parameters to the last bit; another seed differs", async () => {
  const a = small(7).build();
  const b = small(7).build();
  const c = small(8).build();
  await a.train({ steps: 2048 });
  await b.train({ steps: 2048 });
  await c.train({ steps: 2048 });
  assert.deepEqual(timeless(a), timeless(b));
  assert.deepEqual(params(a), params(b));
  assert.notDeepEqual(params(a), params(c));
});

test("train() in pieces equals one call; an abort leaves the run consistent and resumable", async () => {
  const whole = small(3).build();
  await whole.train({ steps: 12_000 });
  const pieces = small(3).build();
  await pieces.train({ steps: 1000 });
  await pieces.train({ steps: 700 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 5);
  const aborted = await pieces.train({ steps: 100_000, signal: controller.signal });
  assert.equal(aborted.stopped, "aborted");
  assert.ok(pieces.step < 12_000, `aborted before the end (at ${pieces.step})`);
  await pieces.train({ steps: 12_000 - pieces.step });
  assert.equal(pieces.step, 12_000);
  assert.deepEqual(params(pieces), params(whole));
  assert.deepEqual(timeless(pieces), timeless(whole));
});

test("save + load continues with the same numbers as an uninterrupted run; writes are atomic", async () => {
  const dir = await mkdtemp(join(tmpdir(), "trellis-run-"));
  try {
    const whole = small(5).build();
    await whole.train({ steps: 2000 });
    const first = small(5).build();
    await first.train({ steps: 1100 }); // mid-rollout: the half-filled rollout is saved too
    await first.save(join(dir, "ckpt"));
    await first.save(join(dir, "ckpt")); // replacing an existing checkpoint
    assert.deepEqual((await readdir(dir)).sort(), ["ckpt"], "no temporary directories left behind");
    const loaded = await rl.load(join(dir, "ckpt"));
    assert.equal(loaded.step, 1100);
    await loaded.train({ steps: 900 });
    assert.deepEqual(params(loaded), params(whole));
    assert.deepEqual(timeless(loaded), timeless(whole));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("loading a missing or foreign directory explains what is expected", async () => {
  await assert.rejects(rl.load("/nonexistent/trellis-ckpt"), /expected a directory written by run\.save\(\)/);
});

test("a diverging update stops training, names the update and keeps the last good state", async () => {
  const run = rl.env("CartPole-v1", { n: 4, seed: 1 }).policy(rl.mlp([16])).algo(rl.ppo({ numSteps: 32, lr: 1e30, maxGradNorm: 1e30, annealLr: false })).build();
  await assert.rejects(run.train({ steps: 5000 }), (e: unknown) => {
    assert.ok(e instanceof TrainingDivergedError);
    assert.match(e.message, /ppo update \d+ \(epoch \d+, minibatch \d+\) produced a non-finite loss/);
    return true;
  });
  for (const v of params(run)) assert.ok(Number.isFinite(v));
});

test("until stops after the first update whose row satisfies it; evaluate runs whole episodes", async () => {
  const run = small(2).build();
  const r = await run.train({ until: (m) => m.update >= 3 });
  assert.equal(r.stopped, "until");
  assert.equal(run.algo.updates, 3);
  const ev = await run.evaluate({ episodes: 5 });
  assert.equal(ev.returns.length, 5);
  assert.ok(ev.meanReturn >= 1);
});

test("PPO learns CartPole on a small budget", async () => {
  const run = rl.env("CartPole-v1", { n: 4, seed: 1 }).algo(rl.ppo()).build();
  await run.train({ steps: 40_000 });
  const meanReturn = run.metricsLog.last()!.meanReturn!;
  assert.ok(meanReturn > 100, `mean return of the last 100 episodes after 40k steps: ${meanReturn}`);
});

test("A2C learns CartPole on a small budget", async () => {
  const run = rl.env("CartPole-v1", { n: 8, seed: 1 }).algo(rl.a2c()).build();
  await run.train({ steps: 40_000 });
  const meanReturn = run.metricsLog.last()!.meanReturn!;
  assert.ok(meanReturn > 60, `mean return after 40k steps: ${meanReturn}`);
});

test("until on evalReturn evaluates with evalEvery, and explains itself without it", async () => {
  const run = small(4).build();
  await assert.rejects(run.train({ until: (m) => m.evalReturn! >= 475 }), /pass \{ evalEvery: 10_000 \}/);
  const r = await run.train({ updates: 4, evalEvery: 256, evalEpisodes: 2, until: (m) => m.evalReturn! >= 1e9 });
  assert.equal(r.stopped, "updates");
  const evals = Array.from(run.metricsLog.column("evalReturn")).filter((v) => !Number.isNaN(v));
  assert.ok(evals.length >= 2, `evaluations ran: ${evals}`);
});

test("run.data records every training transition in the trajectory schema, and survives save/load", async () => {
  const dir = await mkdtemp(join(tmpdir(), "trellis-data-"));
  try {
    const run = small(6).build();
    await run.train({ steps: 300 });
    const data = run.data;
    assert.equal(data.numRows, 300);
    for (const name of ["run_id", "episode_id", "t", "obs", "action", "reward", "terminated", "truncated", "next_obs", "behavior_logp", "value", "policy_version", "source"]) {
      assert.ok(data.getChild(name), `column ${name}`);
    }
    // PPO's own log-probabilities and values are recorded, and rewards match the episode tracker's.
    const logp = data.getChild("behavior_logp")!.toArray() as Float32Array;
    assert.ok(logp.every((v) => Number.isFinite(v) && v <= 0));
    const rewards = data.getChild("reward")!.toArray() as Float32Array;
    assert.equal(rewards.reduce((a, b) => a + b, 0), 300, "CartPole pays 1 per step");
    await run.save(join(dir, "ckpt"));
    const loaded = await rl.load(join(dir, "ckpt"));
    assert.equal(loaded.data.numRows, 300);
    await loaded.train({ steps: 100 });
    await run.train({ steps: 100 });
    assert.equal(loaded.data.numRows, 400);
    const ep = (t: typeof data) => Array.from(t.getChild("episode_id")!.toArray() as BigInt64Array, Number);
    assert.deepEqual(ep(loaded.data), ep(run.data), "episode ids continue across save/load");
    assert.deepEqual(Array.from(loaded.data.getChild("t")!.toArray() as Int32Array), Array.from(run.data.getChild("t")!.toArray() as Int32Array));
    const noRecord = rl.env("CartPole-v1", { n: 2 }).algo(rl.ppo({ numSteps: 8, minibatches: 2 })).record(false).build();
    assert.throws(() => noRecord.data, /does not record/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("new Run(config) takes what a builder collected: the same run as build()", async () => {
  const builder = small(7);
  const built = builder.build();
  const cfg = builder.toConfig();
  const made = new Run({ ...cfg, algo: cfg.algo! });
  assert.equal(made.envConfig, cfg.env);
  assert.equal(made.policySpec, cfg.policy);
  assert.equal(made.algoSpec, cfg.algo);
  assert.deepEqual([made.seed, made.record, made.dataset, made.mix], [cfg.seed, true, undefined, undefined]);
  await built.train({ steps: 256 });
  await made.train({ steps: 256 });
  assert.deepEqual(params(made), params(built));
  assert.deepEqual(timeless(made), timeless(built));
  const named = new Run({ ...cfg, algo: cfg.algo!, id: "mine", record: false });
  assert.equal(named.id, "mine");
  assert.equal(named.recording, undefined);
  assert.throws(() => named.data, /does not record/);
});
