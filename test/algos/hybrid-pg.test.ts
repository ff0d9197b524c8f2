import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { rl, Rng, type AlgoInstance, type Dataset, type OfflineMixOptions, type Run } from "../../lib/index.js";
import { buildProblems, ppoCartPoleData } from "../helpers/runs.js";

const params = (run: Run) => (run.algo as AlgoInstance).saveState().arrays.params as Float32Array;
const column = (run: Run, name: string) => Array.from((run.metrics.getChild(name)?.toArray() ?? []) as ArrayLike<number>);

let demo: Promise<Dataset> | undefined;
/** The last 20k transitions (sampled actions, behavior log-probs recorded) of a PPO run whose last episodes average ≥ 400. */
function demonstrations(): Promise<Dataset> {
  demo ??= ppoCartPoleData(400, 1_000_000).then((data) => rl.dataset.from(data.slice(Math.max(0, data.numRows - 20_000))));
  return demo;
}

const hybrid = (seed: number, ds: Dataset, options: OfflineMixOptions, n = 4) =>
  rl.env("CartPole-v1", { n, seed }).algo(rl.ppo()).record(false).mix(rl.data.offline(ds, options)).build();

test("PPO mixing with an imitation weight of 0 and no critic is plain PPO bit for bit", async () => {
  const ds = await demonstrations();
  const a = rl.env("CartPole-v1", { n: 4, seed: 3 }).algo(rl.ppo()).record(false).build();
  const b = hybrid(3, ds, { imitation: { coef: 0 } });
  await a.train({ steps: 4 * 128 * 3 });
  await b.train({ steps: 4 * 128 * 3 });
  assert.equal(b.algo.updates, 3);
  assert.deepEqual(params(b), params(a));
  assert.deepEqual(column(b, "policyLoss"), column(a, "policyLoss"));
  assert.deepEqual(column(b, "imitationGate"), [1, 1, 1], "the gate is open (nothing succeeds at 400+), but a zero weight draws nothing");
  for (const r of [a, b]) r.dispose();
});

test("the AHPO gate: imitation stays on while recent episodes fail and turns off once they succeed", async () => {
  const ds = await demonstrations();
  const failing = hybrid(1, ds, { imitation: { successReturn: 1e9 } });
  await failing.train({ updates: 6 });
  assert.deepEqual(column(failing, "imitationGate"), [1, 1, 1, 1, 1, 1]);
  assert.deepEqual(column(failing, "successRate"), [0, 0, 0, 0, 0, 0]);
  const nll = column(failing, "imitationNll");
  assert.equal(nll.length, 6);
  assert.ok(nll[5]! < nll[0]!, `the dataset's actions become likelier: NLL ${nll[0]} → ${nll[5]}`);
  // Every episode "succeeds" at return ≥ 0: the first update sees CartPole's short random episodes and closes the gate.
  const easy = hybrid(1, ds, { imitation: { successReturn: 0 } });
  await easy.train({ updates: 3 });
  assert.deepEqual(column(easy, "imitationGate"), [0, 0, 0]);
  assert.deepEqual(column(easy, "successRate"), [1, 1, 1]);
  assert.equal(easy.metrics.getChild("imitationNll"), null, "a closed gate computes no imitation term");
  // The default success level is the mean return of the dataset's complete episodes.
  const summaries = ds.episodeSummaries().filter((e) => e.complete);
  const level = summaries.reduce((s, e) => s + e.return, 0) / summaries.length;
  const byDefault = hybrid(1, ds, {});
  assert.equal((byDefault.algo as unknown as { hybrid: { successReturn: number } }).hybrid.successReturn, level);
  for (const r of [failing, easy, byDefault]) r.dispose();
});

test("warm start: `pretrain` imitation steps before the first env step clone the demonstrator, then PPO trains on", async () => {
  const ds = await demonstrations();
  const run = hybrid(2, ds, { imitation: { pretrain: 1500 } });
  const r = await run.train({ until: (m) => m.pretrainSteps !== undefined });
  assert.equal(r.stopped, "until");
  assert.equal(run.step, 0, "no env step while warm-starting");
  assert.equal(run.algo.updates, 0);
  assert.deepEqual(column(run, "pretrainSteps"), [1500]);
  const clone = await run.evaluate({ episodes: 10 });
  assert.ok(clone.meanReturn >= 300, `greedy return after the warm start: ${clone.meanReturn}`);
  await run.train({ steps: 4 * 128 * 2 });
  assert.equal(run.algo.updates, 2);
  run.dispose();
});

test("PPO with warm-started gated imitation beats plain PPO at the same small env-step budget", async () => {
  const ds = await demonstrations();
  const steps = 20_480;
  const plain = rl.env("CartPole-v1", { n: 4, seed: 5 }).algo(rl.ppo()).record(false).build();
  const mixed = hybrid(5, ds, { imitation: { pretrain: 1500 } });
  await plain.train({ steps });
  await mixed.train({ steps });
  // The return of the training episodes (sampled actions), as the hybrid-cartpole benchmark measures it.
  const p = plain.metricsLog.last()!.meanReturn;
  const m = mixed.metricsLog.last()!.meanReturn;
  console.log(`PPO CartPole ${steps} steps: mean return of the last 100 training episodes, plain ${p.toFixed(1)}, with ${ds.numSteps} demonstration rows ${m.toFixed(1)}`);
  assert.ok(m >= 300 && m > 2 * p, `mixed ${m} vs plain ${p}`);
  for (const r of [plain, mixed]) r.dispose();
});

test("offline critic term (HNPG-style): importance weights within (0, ρ̄], and V learns the dataset's long-episode values", async () => {
  const ds = await demonstrations();
  const withCritic = hybrid(4, ds, { imitation: false, critic: { rhoMax: 1 } });
  const without = rl.env("CartPole-v1", { n: 4, seed: 4 }).algo(rl.ppo()).record(false).build();
  await withCritic.train({ updates: 40 });
  await without.train({ updates: 40 });
  const w = column(withCritic, "offlineWeight");
  assert.equal(w.length, 40);
  for (const x of w) assert.ok(x > 0 && x <= 1, `mean weight ${x}`);
  assert.ok(column(withCritic, "offlineValueLoss").every(Number.isFinite));
  assert.equal(withCritic.metrics.getChild("imitationGate"), null);
  // The demonstrations' episodes last ~400 steps while the policy's own still end after ~20-40:
  // only the critic that also learns from the dataset values its states highly.
  const obs = ds.sampler({ batchSize: 512, rng: Rng.fromSeed(1), columns: ["obs"] }).next().columns.obs as Float32Array;
  const meanV = (run: Run) => {
    const v = new Float32Array(512);
    (run.algo as unknown as { policy: { value(o: Float32Array, n: number, out: Float32Array): Float32Array } }).policy.value(obs, 512, v);
    return v.reduce((s, x) => s + x, 0) / 512;
  };
  const vc = meanV(withCritic);
  const vp = meanV(without);
  console.log(`mean V on 512 dataset states after 40 updates: with the offline critic ${vc.toFixed(2)}, without ${vp.toFixed(2)}`);
  assert.ok(vc > vp + 5, `mean V on dataset states: with the offline critic ${vc.toFixed(2)}, without ${vp.toFixed(2)}`);
  for (const r of [withCritic, without]) r.dispose();
});

test("hybrid PPO: save/load (also mid warm start) continues identically, with its mixing options", async () => {
  const ds = await demonstrations();
  const dir = await mkdtemp(join(tmpdir(), "trellis-hybrid-"));
  try {
    const options: OfflineMixOptions = { ratio: 0.25, imitation: { pretrain: 40, coef: 2, successReturn: 100 }, critic: { coef: 0.5, rhoMax: 2 } };
    const build = () => hybrid(6, ds, options, 2);
    const whole = build();
    await whole.train({ steps: 2 * 128 * 3 + 100 });
    for (const stopAt of [{ until: (m: { pretrainSteps?: number }) => m.pretrainSteps !== undefined }, { steps: 2 * 128 + 50 }]) {
      const first = build();
      // Stop part-way: after the warm start, or in the middle of the second rollout.
      await first.train(stopAt as never);
      await first.save(join(dir, "run"));
      const loaded = await rl.load(join(dir, "run"));
      assert.deepEqual(loaded.mix?.critic, { coef: 0.5, rhoMax: 2 });
      assert.equal(loaded.mix?.imitation?.coef, 2);
      assert.deepEqual(params(loaded), params(first));
      await loaded.train({ steps: whole.step - loaded.step });
      assert.deepEqual(params(loaded), params(whole));
      assert.deepEqual(column(loaded, "imitationNll"), column(whole, "imitationNll"));
      assert.deepEqual(column(loaded, "offlineValueLoss"), column(whole, "offlineValueLoss"));
      for (const r of [first, loaded]) r.dispose();
    }
    whole.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("hybrid mixing errors name the option and the algorithm", async () => {
  const ds = await demonstrations();
  const problems = buildProblems;
  const ppoRun = (options: OfflineMixOptions) => () => rl.env("CartPole-v1", { n: 4 }).algo(rl.ppo()).mix(rl.data.offline(ds, options)).build();
  assert.ok(problems(ppoRun({ imitation: false })).some((p) => p.startsWith("mix: the imitation and critic terms are both off")));
  assert.ok(problems(ppoRun({ ratio: 0.001 })).some((p) => p.startsWith("mix.ratio: 0.001 × the minibatch's 128 rows rounds to 0")));
  const bad = problems(ppoRun({ imitation: { coef: -1, threshold: 2, group: 0.5, pretrain: -3, sucessReturn: 4 } as never, critic: { rhoMax: 0 } }));
  for (const path of ["mix.imitation.coef", "mix.imitation.threshold", "mix.imitation.group", "mix.imitation.pretrain", "mix.imitation.sucessReturn: unknown option. Did you mean 'successReturn'?", "mix.critic.rhoMax"]) {
    assert.ok(bad.some((p) => p.startsWith(path)), `${path} in ${bad.join("\n")}`);
  }
  const dqnRun = (options: OfflineMixOptions) => () => rl.env("CartPole-v1").algo(rl.dqn()).mix(rl.data.offline(ds, options)).build();
  assert.ok(problems(dqnRun({ imitation: true })).some((p) => p.startsWith("mix.imitation: dqn learns from the mixed rows' TD errors")));
  assert.ok(problems(dqnRun({ critic: true })).some((p) => p.startsWith("mix.critic: dqn already fits its critic")));
  assert.ok(problems(ppoRun({ dynamicsGap: true })).some((p) => p.startsWith("mix.dynamicsGap: the dynamics-gap weights (H2O) are implemented for dqn; ppo")));
  // No complete episode to take the default success level from.
  const cut = rl.dataset.from(ds.table.slice(0, 10));
  const noEpisodes = problems(() => rl.env("CartPole-v1", { n: 4 }).algo(rl.ppo()).mix(rl.data.offline(cut)).build());
  assert.ok(noEpisodes.some((p) => p.startsWith("mix.imitation.successReturn: the dataset has no complete episode")), noEpisodes.join("\n"));
});
