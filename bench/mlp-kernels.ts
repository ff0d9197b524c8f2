// The fused small-MLP engine against tfjs on CleanRL's CartPole networks
// (actor 4→64→64→2, critic 4→64→64→1, tanh): inference on a batch of 8 (one
// rollout step) and one PPO minibatch update of 128 (forward, backward,
// joint gradient clip, Adam on both nets). Each line: one implementation and
// operation, milliseconds per call; the summary line compares them.
//
//   npm run bench -- mlp-kernels [--quick]
import { cpus, loadavg } from "node:os";
import * as tf from "@tensorflow/tfjs";
import { makeMlp, type MlpNetwork } from "../lib/nn/mlp.js";
import { adamStep, clipGradNorm, makeAdamState } from "../lib/optim/index.js";
import { Rng } from "../lib/random/rng.js";
import { initBackend, type MlpEngine } from "../native/index.js";
import { emit, median, round } from "./stats.js";

const QUICK = process.argv.includes("--quick");
const OBS = 4, HIDDEN = 64, ACTIONS = 2;
const MINIBATCH = 128, ROLLOUT_BATCH = 8;
const ADAM = { lr: 2.5e-4, eps: 1e-5 };
const MAX_GRAD_NORM = 0.5;

interface Timing {
  median: number;
  p10: number;
  p90: number;
}

/** ms per call: `samples` timings of `reps` calls each, after `warmup` calls. */
function time(fn: () => void, targetMs: number): Timing {
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    const dt = performance.now() - t0;
    if (dt > 2) break;
    reps *= 2;
  }
  const samples: number[] = [];
  const end = performance.now() + targetMs * (QUICK ? 0.2 : 1);
  while (performance.now() < end || samples.length < 15) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    samples.push((performance.now() - t0) / reps);
  }
  samples.sort((a, b) => a - b);
  const q = (p: number): number => samples[Math.floor(p * (samples.length - 1))]!;
  return { median: median(samples), p10: q(0.1), p90: q(0.9) };
}

function randoms(rng: Rng, n: number, scale = 1): Float32Array {
  return rng.fillUniform(new Float32Array(n), -scale, scale) as Float32Array;
}

const results: Record<string, Record<string, number>> = {};
function record(impl: string, op: string, t: Timing, extra: Record<string, unknown> = {}): void {
  (results[op] ??= {})[impl] = t.median;
  emit({ bench: "mlp-kernels", impl, op, ms_median: round(t.median, 5), ms_p10: round(t.p10, 5), ms_p90: round(t.p90, 5), ...extra });
}

function fusedNets(engine: MlpEngine, rng: Rng): { actor: MlpNetwork; critic: MlpNetwork } {
  return {
    actor: makeMlp([OBS, HIDDEN, HIDDEN, ACTIONS], { rng, lastGain: 0.01, engine }),
    critic: makeMlp([OBS, HIDDEN, HIDDEN, 1], { rng, lastGain: 1, engine }),
  };
}

function benchFused(engine: MlpEngine): void {
  const rng = Rng.fromSeed(1);
  const { actor, critic } = fusedNets(engine, rng);
  const x8 = randoms(rng, ROLLOUT_BATCH * OBS);
  const x = randoms(rng, MINIBATCH * OBS);
  const dA = randoms(rng, MINIBATCH * ACTIONS, 1e-2);
  const dC = randoms(rng, MINIBATCH, 1e-2);
  const sa = makeAdamState(actor.params.length), sc = makeAdamState(critic.params.length);
  const impl = `trellis/${engine}`;
  record(impl, "actor forward b8", time(() => actor.predict(x8, ROLLOUT_BATCH), 400));
  record(impl, "actor+critic forward b8", time(() => (actor.predict(x8, ROLLOUT_BATCH), critic.predict(x8, ROLLOUT_BATCH)), 400));
  record(impl, "actor forward b128", time(() => actor.forward(x, MINIBATCH), 400));
  record(impl, "actor backward b128", time(() => actor.backward(dA), 400));
  record(impl, "adam actor", time(() => adamStep(actor.params, actor.grads, sa, ADAM), 200));
  record(impl, "clip actor+critic", time(() => clipGradNorm([actor.grads, critic.grads], 1e9), 200));
  record(impl, "paramsChanged actor", time(() => actor.paramsChanged(), 200));
  const step = (): void => {
    actor.zeroGrads();
    critic.zeroGrads();
    actor.forward(x, MINIBATCH);
    critic.forward(x, MINIBATCH);
    actor.backward(dA);
    critic.backward(dC);
    clipGradNorm([actor.grads, critic.grads], MAX_GRAD_NORM);
    adamStep(actor.params, actor.grads, sa, ADAM);
    adamStep(critic.params, critic.grads, sc, ADAM);
    actor.paramsChanged();
    critic.paramsChanged();
  };
  record(impl, "train step b128 (actor+critic)", time(step, 1500), { includes: "forward, backward, joint clip, Adam, paramsChanged for both nets" });
}

function tfjsModel(out: number): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: HIDDEN, activation: "tanh", inputShape: [OBS] }),
      tf.layers.dense({ units: HIDDEN, activation: "tanh" }),
      tf.layers.dense({ units: out }),
    ],
  });
}

async function benchTfjs(backend: "wasm" | "cpu"): Promise<void> {
  await initBackend({ backend });
  const rng = Rng.fromSeed(1);
  const actor = tfjsModel(ACTIONS), critic = tfjsModel(1);
  const x8 = randoms(rng, ROLLOUT_BATCH * OBS);
  const x = randoms(rng, MINIBATCH * OBS);
  const dA = tf.tensor2d(randoms(rng, MINIBATCH * ACTIONS, 1e-2), [MINIBATCH, ACTIONS]);
  const dC = tf.tensor2d(randoms(rng, MINIBATCH, 1e-2), [MINIBATCH, 1]);
  const opt = tf.train.adam(ADAM.lr, 0.9, 0.999, ADAM.eps);
  const impl = `tfjs/${backend}`;
  const forward8 = (m: tf.Sequential): void => {
    const y = tf.tidy(() => m.predict(tf.tensor2d(x8, [ROLLOUT_BATCH, OBS])) as tf.Tensor);
    y.dataSync();
    y.dispose();
  };
  record(impl, "actor forward b8", time(() => forward8(actor), 400));
  record(impl, "actor+critic forward b8", time(() => (forward8(actor), forward8(critic)), 400));
  const step = (): void => {
    tf.tidy(() => {
      const xt = tf.tensor2d(x, [MINIBATCH, OBS]);
      const { grads } = tf.variableGrads(() =>
        tf.add(tf.sum(tf.mul(actor.apply(xt) as tf.Tensor, dA)), tf.sum(tf.mul(critic.apply(xt) as tf.Tensor, dC))) as tf.Scalar,
      );
      const norm = tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
      const scale = tf.minimum(1, tf.div(MAX_GRAD_NORM, tf.add(norm, 1e-6)));
      opt.applyGradients(Object.entries(grads).map(([name, g]) => ({ name, tensor: tf.mul(g, scale) })));
    });
  };
  record(impl, "train step b128 (actor+critic)", time(step, 1500), { includes: "autograd forward+backward, joint clip, tf.train.adam for both nets" });
  actor.dispose();
  critic.dispose();
  opt.dispose();
  dA.dispose();
  dC.dispose();
}

benchFused("js");
benchFused("wasm-simd");
await benchTfjs("wasm");
await benchTfjs("cpu");

const speedup = (op: string, base: string): number => round(results[op]![base]! / results[op]!["trellis/wasm-simd"]!, 1);
const step = "train step b128 (actor+critic)";
emit({
  summary: "mlp-kernels",
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, loadavg_1m: round(loadavg()[0]!, 2) },
  ms: Object.fromEntries(Object.entries(results).map(([op, r]) => [op, Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round(v, 4)]))])),
  wasm_simd_speedup_vs: {
    js: { [step]: speedup(step, "trellis/js"), "actor forward b8": speedup("actor forward b8", "trellis/js") },
    "tfjs/wasm": { [step]: speedup(step, "tfjs/wasm"), "actor forward b8": speedup("actor forward b8", "tfjs/wasm") },
    "tfjs/cpu": { [step]: speedup(step, "tfjs/cpu"), "actor forward b8": speedup("actor forward b8", "tfjs/cpu") },
  },
});
