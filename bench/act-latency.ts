// One policy forward + sample for a batch of 8 CartPole observations (the
// inference a rollout does every step), median over many timed calls.
import { makeVecEnv } from "../lib/envs/registry.js";
import { ActorCritic } from "../lib/policy/actor-critic.js";
import { mlp } from "../lib/policy/spec.js";
import { Rng } from "../lib/random/rng.js";
import { emit, median, round } from "./stats.js";

const BATCH = 8;
const CALLS_PER_SAMPLE = 200;
const SAMPLES = 300;

const perSeed: number[] = [];
for (const seed of [1, 2, 3]) {
  const rng = Rng.fromSeed(seed);
  const env = makeVecEnv("CartPole-v1", { n: BATCH, seed });
  env.reset();
  const policy = new ActorCritic(mlp([64, 64]), env.obsSize, env.actionSpace, rng);
  const out = { actions: new Int32Array(BATCH), logp: new Float32Array(BATCH), values: new Float32Array(BATCH) };
  const obs = Float32Array.from(env.obs);
  for (let i = 0; i < 20_000; i++) policy.act(obs, BATCH, rng, out); // warm-up (JIT)
  const samples: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    const t0 = performance.now();
    for (let i = 0; i < CALLS_PER_SAMPLE; i++) policy.act(obs, BATCH, rng, out);
    samples.push((performance.now() - t0) / CALLS_PER_SAMPLE);
  }
  const ms = median(samples);
  perSeed.push(ms);
  emit({ seed, batch: BATCH, ms_median: round(ms, 5), ms_p90: round([...samples].sort((a, b) => a - b)[Math.floor(samples.length * 0.9)]!, 5), includes: "actor forward + categorical sample + critic forward" });
}
emit({ bench: "act-latency", ms_median: round(median(perSeed), 5), target_ms: 0.1, batch: BATCH, network: "4→64→64→2 actor + 4→64→64→1 critic, tanh", seeds: 3 });
