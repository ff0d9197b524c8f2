import { TrajectoryRecorder } from "../lib/data/recorder.js";
import { makeVecEnv } from "../lib/envs/registry.js";
import { Rng } from "../lib/random/rng.js";

/**
 * A recording of `copies` CartPole-v1 copies stepped `steps` times with
 * random actions (seeded), the data the data benchmarks read and write
 * (1000 × 1000: 1 M rows, ~82 MB as an Arrow file); made outside any timing.
 */
export function randomCartPoleRecording(copies: number, steps: number): TrajectoryRecorder {
  const flushEvery = 64;
  const env = makeVecEnv("CartPole-v1", { n: copies, seed: 1 });
  const rng = Rng.fromSeed(2);
  const recorder = TrajectoryRecorder.forEnv(env, { initialCapacity: copies * flushEvery });
  const actions = new Int32Array(copies);
  const logp = new Float32Array(copies).fill(Math.log(0.5));
  env.reset();
  for (let s = 0; s < steps; s++) {
    const obs = Float32Array.from(env.obs);
    for (let i = 0; i < copies; i++) actions[i] = rng.int(2);
    env.step(actions);
    recorder.record({ obs, actions, rewards: env.rewards, terminated: env.terminated, truncated: env.truncated, nextObs: env.obs, finalObs: env.finalObs, logp, policyVersion: 0 });
    if ((s + 1) % flushEvery === 0) recorder.flush();
  }
  return recorder;
}
