// Every registered engine component, in a run: save mid-training to disk, load (the configuration rebuilt
// from its JSON), train both on — every metric and every array of the state must match bit for bit.
// A component added without a variant here fails the coverage test below.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { rl, type Dataset, type PgSpec } from "../../lib/index.js";
import { componentTypes } from "../../lib/pg/index.js";
import { saveLoadContinues } from "../helpers/runs.js";

const base = () => rl.ppo({ numSteps: 16, minibatches: 2, epochs: 2 });

let demo: Promise<Dataset> | undefined;
function dataset(): Promise<Dataset> {
  demo ??= (async () => {
    const run = rl.env("CartPole-v1", { n: 2, seed: 4 }).policy(rl.mlp([8])).algo(base()).build();
    await run.train({ steps: 600 });
    const ds = rl.dataset.from(run.data);
    run.dispose();
    return ds;
  })();
  return demo;
}

import { SEQUENCE_ONLY_COMPONENTS } from "./seq/sequence-variants.js";

interface Variant {
  readonly spec: () => PgSpec | Promise<PgSpec>;
  readonly mix?: boolean;
  /** The env (default CartPole-v1); constraints need one with costs. */
  readonly env?: { readonly id: string; readonly kwargs: Record<string, unknown> };
}

const COSTED = { id: "CartPole-Cost-v1", kwargs: { xLimit: 0.05 } };

/** One run configuration per component type, `slot:kind`. */
const VARIANTS: Record<string, Variant> = {
  "collect:rollout": { spec: base },
  "collect:episodes": { spec: () => base().collect(rl.collect.episodes({ batchSteps: 24 })).advantage(rl.adv.monteCarlo()) },
  "advantage:gae": { spec: base },
  "advantage:monteCarlo": { spec: () => base().advantage(rl.adv.monteCarlo({ gamma: 0.98 })) },
  "advantage:tdLambda": { spec: () => base().advantage(rl.adv.tdLambda({ lambda: 0.8 })) },
  "advantage:vtrace": { spec: () => base().advantage(rl.adv.vtrace({ lambda: 0.9, rhoBar: 1.5 })) },
  "loss:clipped": { spec: () => base().replaceLoss("clipped", rl.loss.clipped({ clipHigh: 0.3, dualClip: 3 })) },
  "loss:pg": { spec: () => base().replaceLoss("clipped", rl.loss.pg()) },
  "loss:value": { spec: () => base().replaceLoss("value", rl.loss.value({ coef: 0.25, clip: null })).set({ valueSteps: 2 }) },
  "loss:entropy": { spec: () => base().replaceLoss("entropy", rl.loss.entropy({ coef: 0.05 })).aggregation(rl.agg.sequenceMean()) },
  "loss:imitation": { spec: () => base().addLoss(rl.loss.imitation({ successReturn: 1e9, pretrain: 3 })), mix: true },
  "loss:offlineCritic": { spec: () => base().addLoss(rl.loss.offlineCritic({ rhoMax: 2 })), mix: true },
  "loss:opmd": { spec: () => base().replaceLoss("clipped", rl.loss.opmd({ tau: 0.2 })) },
  "loss:rec": { spec: () => base().replaceLoss("clipped", rl.loss.rec({ variant: "ringNoIS" })) },
  "loss:gspo": { spec: () => base().replaceLoss("clipped", rl.loss.gspo({ clipLow: 0.1, clipHigh: 0.1 })).aggregation(rl.agg.sequenceMean()) },
  "divergence:kl": { spec: () => base().divergence(rl.div.kl({ estimator: "k2", coef: 0.1 })) },
  "reference:initial": { spec: () => base().divergence(rl.div.kl({ in: "reward", coef: 0.1 })).reference(rl.ref.initial()) },
  "reference:synced": { spec: () => base().divergence(rl.div.kl()).reference(rl.ref.synced({ every: 2 })) },
  "reference:ema": { spec: () => base().divergence(rl.div.kl({ estimator: "k1" })).reference(rl.ref.ema({ decay: 0.9 })) },
  "reference:run": {
    spec: async () => {
      const teacher = rl.env("CartPole-v1", { n: 2, seed: 9 }).record(false).policy(rl.mlp([8])).algo(base()).build();
      await teacher.train({ steps: 64 });
      const spec = base().divergence(rl.div.kl()).reference(rl.ref.run(teacher));
      teacher.dispose();
      return spec;
    },
  },
  "reference:soup": {
    spec: async () => {
      const make = async (seed: number) => {
        const r = rl.env("CartPole-v1", { n: 2, seed }).record(false).policy(rl.mlp([8])).algo(base()).build();
        await r.train({ steps: 64 });
        return r;
      };
      const a = await make(9), b = await make(10);
      const spec = base().divergence(rl.div.kl()).reference(rl.ref.soup([a, b], { weights: [0.25, 0.75] }));
      a.dispose();
      b.dispose();
      return spec;
    },
  },
  "aggregation:mean": { spec: base },
  "aggregation:sequenceMean": { spec: () => base().aggregation(rl.agg.sequenceMean()) },
  "aggregation:constant": { spec: () => base().aggregation(rl.agg.constant({ divisor: 64 })) },
  "optimizer:adam": { spec: () => base().optimizer(rl.optim.adam({ lr: 1e-3, eps: 1e-8 })) },
  "schedule:constant": { spec: () => base().schedule(rl.schedule.constant()) },
  "schedule:linear": { spec: () => base().schedule(rl.schedule.linear({ totalSteps: 400 })) },
  "constraint:lagrangian": { spec: () => base().constraint(rl.constraint.lagrangian({ limit: 2, lr: 0.5, criticEpochs: 2 })), env: COSTED },
  "constraint:pidLagrangian": { spec: () => base().constraint(rl.constraint.pidLagrangian({ cost: "position", limit: 2 })), env: COSTED },
  // The presets as they come.
  "preset:ppo": { spec: () => rl.ppo({ numSteps: 16 }) },
  "preset:a2c": { spec: () => rl.a2c() },
  "preset:reinforce": { spec: () => rl.reinforce({ batchSteps: 24 }) },
  "preset:pg": { spec: () => rl.pg().collect(rl.collect.rollout({ numSteps: 16 })) },
};

describe("every engine component resumes bit for bit after save and load", () => {
  test("each registered component type has a variant here", () => {
    // Components that only sequence runs use resume in test/pg/seq/sequence-resume.test.ts.
    const sequenceOnly = new Set<string>(SEQUENCE_ONLY_COMPONENTS);
    const missing = [...componentTypes().filter((t) => t.slot !== "preference").map((t) => `${t.slot}:${t.kind}`).filter((k) => !sequenceOnly.has(k)), "preset:ppo", "preset:a2c", "preset:reinforce", "preset:pg"].filter((k) => !(k in VARIANTS));
    assert.deepEqual(missing, []);
  });
  for (const [name, v] of Object.entries(VARIANTS)) {
    test(name, async () => {
      const spec = await v.spec();
      const ds = v.mix ? await dataset() : undefined;
      await saveLoadContinues(
        () => {
          const builder = rl.env(v.env?.id ?? "CartPole-v1", { n: 2, seed: 3, ...v.env?.kwargs }).record(false).policy(rl.mlp([8])).algo(spec);
          return (ds ? builder.mix(rl.data.offline(ds, { ratio: 0.5 })) : builder).build();
        },
        70,
        90,
        { minUpdates: 4 },
      );
    });
  }
});
