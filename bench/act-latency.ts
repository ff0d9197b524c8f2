// One policy forward + sample for a batch of 8 CartPole observations (the
// inference a rollout does every step), median over many timed calls.
import { makeVecEnv } from "../lib/envs/registry.js";
import { ActorCritic } from "../lib/policy/actor-critic.js";
import { mlp } from "../lib/policy/spec.js";
import { Rng } from "../lib/random/rng.js";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../native/index.js";
import { emit, median, round } from "./stats.js";

const BATCH = 8;
const CALLS_PER_SAMPLE = 200;
const SAMPLES = 300;
const SEEDS = [1, 2, 3];

const device = await initBackend();
/** The same actor as a tfjs model on the selected backend (the reference). */
const tfjsActor = () =>
  tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [4], units: 64, activation: "tanh" }),
      tf.layers.dense({ units: 64, activation: "tanh" }),
      tf.layers.dense({ units: 2 }),
    ],
  });

function time(policy: ActorCritic, rng: Rng, obs: Float32Array, calls: number, samples: number): number[] {
  const out = { actions: new Int32Array(BATCH), logp: new Float32Array(BATCH), values: new Float32Array(BATCH) };
  const result: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) policy.act(obs, BATCH, rng, out);
    result.push((performance.now() - t0) / calls);
  }
  return result;
}

// Ours first for every seed, then the tfjs reference: once ActorCritic has
// seen both network classes its call sites turn polymorphic, which a program
// using only one of them never pays.
const perSeed: number[] = [];
const samplesBySeed: number[][] = [];
for (const seed of SEEDS) {
  const rng = Rng.fromSeed(seed);
  const env = makeVecEnv("CartPole-v1", { n: BATCH, seed });
  env.reset();
  const policy = new ActorCritic(mlp([64, 64]), env.obsSize, env.actionSpace, rng);
  const obs = Float32Array.from(env.obs);
  time(policy, rng, obs, 20_000, 1); // warm-up (JIT)
  const samples = time(policy, rng, obs, CALLS_PER_SAMPLE, SAMPLES);
  samplesBySeed.push(samples);
  perSeed.push(median(samples));
}
const perSeedTfjs: number[] = [];
for (const seed of SEEDS) {
  const rng = Rng.fromSeed(seed);
  const env = makeVecEnv("CartPole-v1", { n: BATCH, seed });
  env.reset();
  const reference = new ActorCritic({ kind: "model", model: tfjsActor(), critic: mlp([64, 64]), head: "auto", logStdInit: 0 }, env.obsSize, env.actionSpace, rng);
  const obs = Float32Array.from(env.obs);
  time(reference, rng, obs, 200, 5); // warm-up
  perSeedTfjs.push(median(time(reference, rng, obs, 20, 50)));
}
SEEDS.forEach((seed, i) => {
  const sorted = [...samplesBySeed[i]!].sort((a, b) => a - b);
  emit({ seed, batch: BATCH, ms_median: round(perSeed[i]!, 5), ms_p90: round(sorted[Math.floor(sorted.length * 0.9)]!, 5), tfjs_ms_median: round(perSeedTfjs[i]!, 5), includes: "actor forward + categorical sample + critic forward" });
});
emit({
  bench: "act-latency",
  ms_median: round(median(perSeed), 5),
  tfjs_ms_median: round(median(perSeedTfjs), 5),
  speedup_vs_tfjs: round(median(perSeedTfjs) / median(perSeed), 1),
  tfjs_backend: device.backend,
  target_ms: 0.1,
  batch: BATCH,
  network: "4→64→64→2 actor + 4→64→64→1 critic, tanh (reference: the same actor as a tfjs model)",
  seeds: SEEDS.length,
});
