// The policy-gradient engine composed through rl: divergences and references
// on real runs, save/load of composed specs mid-training, build() problems as
// data, and describe().
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { rl, type Run } from "../../lib/index.js";
import { componentType, type PgSpec } from "../../lib/pg/index.js";
import { buildError, saveLoadContinues } from "../helpers/runs.js";

const cartPole = (spec: PgSpec) => rl.env("CartPole-v1", { n: 4, seed: 1 }).record(false).policy(rl.mlp([32, 32])).algo(spec).build();
const small = (spec: PgSpec, hidden = [16]) => rl.env("CartPole-v1", { n: 2, seed: 3 }).record(false).policy(rl.mlp(hidden)).algo(spec).build();
const params = (run: Run) => run.algo.saveState().arrays.params as Float32Array;
const column = (run: Run, name: string) => Array.from(run.metricsLog.column(name));

describe("composing a divergence and a reference", () => {
  test("ppo + kl(k3, 0.05) on CartPole: kl is reported every update, finite and ≥ 0; with coef 0 the run ends with plain PPO's parameters bit for bit", async () => {
    const withKl = cartPole(rl.ppo().divergence(rl.div.kl({ estimator: "k3", coef: 0.05 })));
    await withKl.train({ updates: 4 });
    const kl = column(withKl, "kl");
    assert.equal(kl.length, 4);
    for (const v of kl) assert.ok(Number.isFinite(v) && v >= 0, `kl ${v}`);
    assert.ok(kl.some((v) => v > 0), "the policy moves away from its reference");

    const plain = cartPole(rl.ppo());
    await plain.train({ updates: 4 });
    const zero = cartPole(rl.ppo().divergence(rl.div.kl({ estimator: "k3", coef: 0 })));
    await zero.train({ updates: 4 });
    assert.deepEqual(params(zero), params(plain));
    assert.notDeepEqual(params(withKl), params(plain));
    assert.deepEqual(column(zero, "policyLoss"), column(plain, "policyLoss"));
    for (const r of [withKl, plain, zero]) r.dispose();
  });

  test('in: "reward" changes the training but not the metric names, except for kl', async () => {
    const spec = rl.ppo({ numSteps: 32 });
    const plain = small(spec);
    await plain.train({ updates: 3 });
    // The initial policy as reference: the first rollout acts with it (penalty 0), later ones with a policy that moved.
    // (With rl.ref.synced({ every: 1 }) the acting policy would always be the reference, and the penalty always 0.)
    const reward = small(spec.divergence(rl.div.kl({ in: "reward", coef: 0.5 })));
    await reward.train({ updates: 3 });
    assert.deepEqual(reward.metricsLog.names().sort(), [...plain.metricsLog.names(), "kl"].sort());
    const kl = column(reward, "kl");
    for (const v of kl) assert.ok(Number.isFinite(v) && v >= 0, `kl ${v}`);
    assert.ok(kl[1]! > 0 && kl[2]! > 0, `kl ${kl}`);
    assert.notDeepEqual(params(reward), params(plain));
    plain.dispose();
    reward.dispose();
  });

  test("references synced({ every: 1 }) and ema build and train", async () => {
    for (const ref of [rl.ref.synced({ every: 1 }), rl.ref.ema({ decay: 0.5 }), rl.ref.initial()]) {
      const run = small(rl.ppo({ numSteps: 32 }).divergence(rl.div.kl({ estimator: "k2", coef: 0.1 })).reference(ref));
      await run.train({ updates: 2 });
      for (const v of column(run, "kl")) assert.ok(Number.isFinite(v) && v >= 0, `${ref.kind}: kl ${v}`);
      const refParams = run.algo.saveState().arrays.referenceParams as Float32Array;
      assert.equal(refParams.length, params(run).length);
      run.dispose();
    }
  });

  test("rl.ref.run(otherRun): the reference is that run's policy; a different architecture is a clear error", async () => {
    const teacher = small(rl.ppo({ numSteps: 32 }));
    await teacher.train({ updates: 1 });
    const student = small(rl.ppo({ numSteps: 32 }).divergence(rl.div.kl()).reference(rl.ref.run(teacher)));
    assert.deepEqual(student.algo.saveState().arrays.referenceParams, params(teacher));
    await student.train({ updates: 1 });
    assert.ok(Number.isFinite(column(student, "kl")[0]!));
    assert.throws(() => small(rl.ppo({ numSteps: 32 }).divergence(rl.div.kl()).reference(rl.ref.run(teacher)), [8]), /rl\.ref\.run\(run-\d+\): that run's policy has \d+ parameters, this run's \d+: the architectures differ/);
    assert.throws(() => rl.ref.run({} as never), /expected a run of a policy-gradient method/);
    teacher.dispose();
    student.dispose();
  });
});

describe("save and load mid-training continue bit for bit", () => {
  test("ppo + kl + ema reference + tdLambda advantage + sequenceMean aggregation", async () => {
    const spec = rl.ppo({ numSteps: 32 }).divergence(rl.div.kl({ coef: 0.1 })).reference(rl.ref.ema({ decay: 0.9 })).advantage(rl.adv.tdLambda()).aggregation(rl.agg.sequenceMean());
    await saveLoadContinues(() => rl.env("CartPole-v1", { n: 2, seed: 3 }).policy(rl.mlp([16])).algo(spec).build(), 2 * 32 * 2 + 10, 2 * 32 * 3);
  });

  test("reinforce with 2 minibatches × 2 epochs and the clipped surrogate in place of the vanilla gradient", async () => {
    const spec = rl.reinforce({ batchSteps: 150 }).set({ minibatches: 2, epochs: 2 }).replaceLoss("pg", rl.loss.clipped());
    assert.deepEqual(spec.config.loss.map((t) => t.kind), ["clipped", "value", "entropy"]);
    await saveLoadContinues(() => rl.env("CartPole-v1", { n: 2, seed: 3 }).policy(rl.mlp([16])).algo(spec).build(), 401, 400);
  });

  test("rl.pg() on Pendulum-v1 (Gaussian policy)", async () => {
    const spec = rl.pg().collect(rl.collect.rollout({ numSteps: 32 }));
    await saveLoadContinues(() => rl.env("Pendulum-v1", { n: 2, seed: 4 }).policy(rl.mlp([16])).algo(spec).build(), 2 * 32 + 10, 2 * 32 * 2);
  });
});

describe("build() problems as data", () => {
  test("GAE on an episode collector: algo.advantage incompatible", () => {
    const e = buildError(() => rl.env("CartPole-v1").algo(rl.pg().advantage(rl.adv.gae()).collect(rl.collect.episodes())).build());
    assert.deepEqual(e.codes, ["algo.advantage incompatible"]);
    assert.equal(e.problems[0]!.expected, "rollout");
    assert.equal(e.problems[0]!.got, "episodes");
  });

  test("no loss terms: algo.loss missing", () => {
    assert.deepEqual(buildError(() => rl.env("CartPole-v1").algo(rl.pg().loss()).build()).codes, ["algo.loss missing"]);
  });

  test("a rollout that does not split into the minibatches: algo.minibatches incompatible", () => {
    const e = buildError(() => rl.env("CartPole-v1", { n: 1 }).algo(rl.ppo().set({ minibatches: 7 })).build());
    assert.deepEqual(e.codes, ["algo.minibatches incompatible"]);
    assert.equal(e.problems[0]!.got, "7");
  });

  test("targetKl without a term that measures the KL: algo.targetKl incompatible", () => {
    assert.deepEqual(buildError(() => rl.env("CartPole-v1").algo(rl.pg().set({ targetKl: 0.01 })).build()).codes, ["algo.targetKl incompatible"]);
  });

  test("an unknown preset option: unknown-option, with did-you-mean", () => {
    const e = buildError(() => rl.env("CartPole-v1").algo(rl.ppo({ lrr: 1 } as never)).build());
    assert.deepEqual(e.codes, ["algo.lrr unknown-option"]);
    assert.match(e.problems[0]!.message, /Did you mean 'lr'\?/);
    assert.match(e.lines[0]!, /^algo\.lrr: unknown option\. Did you mean 'lr'\?/);
  });

  test("several problems at once, each with its path", () => {
    const e = buildError(() => rl.env("CartPole-v1").algo(rl.pg().loss(rl.loss.clipped({ clip: -1 }), rl.loss.value({ coef: "x" as never })).set({ epochs: 0 })).build());
    assert.deepEqual(e.codes, ["algo.epochs out-of-range", "algo.loss[0].clip out-of-range", "algo.loss[1].coef not-a-number"]);
  });
});

describe("describe() and copies", () => {
  test("rl.ppo().describe() lists every slot with its component, fields and formula", () => {
    const text = rl.ppo().divergence(rl.div.kl()).describe();
    for (const slot of ["collect", "advantage", "loss[0]", "loss[1]", "loss[2]", "divergence", "reference", "aggregation", "optimizer", "schedule", "settings"]) {
      assert.match(text, new RegExp(`^  ${slot.replace(/[[\]]/g, "\\$&")} +\\S`, "m"), slot);
    }
    const spec = rl.ppo().divergence(rl.div.kl());
    for (const c of [spec.config.collect, spec.config.advantage, ...spec.config.loss, spec.config.divergence!, spec.config.aggregation, spec.config.optimizer, spec.config.schedule]) {
      assert.ok(text.includes(componentType(c.slot, c.kind)!.formula), `${c.slot} ${c.kind} formula`);
    }
    assert.match(text, /^ppo: policy-gradient engine/);
    assert.match(text, /clipped +clip=0\.2 clipLow=null clipHigh=null dualClip=null coef=1/);
    assert.match(rl.ppo().describe(), /^  divergence +none$/m);
  });

  test("a preset changed in a cell stays a copy", () => {
    const a = rl.ppo();
    const b = a.divergence(rl.div.kl());
    assert.equal(a.config.divergence, null);
    assert.equal(b.config.divergence?.kind, "kl");
    const c = b.addLoss(rl.loss.entropy({ coef: 0.1 }));
    assert.equal(b.config.loss.length, 3);
    assert.equal(c.config.loss.length, 4);
    assert.ok(Object.isFrozen(a.config));
  });
});
