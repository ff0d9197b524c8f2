// Figure `env-throughput`: vectorized CartPole-v1 env steps per second on one
// core, n = 1024 copies, random actions from the seeded Rng (one uint32 gives
// 32 actions), auto-resets included. Three seeds, each timed for ~2 s after a
// warm-up; the figure is their median. The other four classic-control envs are
// timed the same way (random actions from the Rng) and reported per line only.
//
// Usage: npm run bench -- env-throughput [--seconds 2]
import { cpus } from "node:os";
import { AcrobotVecEnv } from "../lib/envs/classic/acrobot.js";
import { CartPoleVecEnv } from "../lib/envs/classic/cartpole.js";
import { MountainCarContinuousVecEnv } from "../lib/envs/classic/mountain-car-continuous.js";
import { MountainCarVecEnv } from "../lib/envs/classic/mountain-car.js";
import { PendulumVecEnv } from "../lib/envs/classic/pendulum.js";
import type { VecEnv, VecEnvOptions } from "../lib/envs/vec-env.js";
import { Rng } from "../lib/random/rng.js";
import { emit, median, round } from "./stats.js";

const N = 1024;
const SEEDS = [0, 1, 2];
const arg = process.argv.indexOf("--seconds");
const SECONDS = arg > 0 ? Number(process.argv[arg + 1]) : 2;
const WARMUP_SECONDS = 0.5;
/** Steps between clock reads. */
const BATCH = 64;

/** CartPole: 32 random actions from each uint32 of the Rng. Returns env steps per second. */
function timeCartPole(env: CartPoleVecEnv, rng: Rng, seconds: number): number {
  const actions = new Int32Array(N);
  env.reset();
  let steps = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < seconds * 1000) {
    for (let b = 0; b < BATCH; b++) {
      for (let i = 0; i < N; i += 32) {
        const bits = rng.uint32();
        for (let k = 0; k < 32; k++) actions[i + k] = (bits >>> k) & 1;
      }
      env.step(actions);
    }
    steps += BATCH * N;
    t = performance.now();
  }
  return (steps / (t - t0)) * 1000;
}

/** Any other env: uniform random actions from the Rng. Returns env steps per second. */
function timeEnv(env: VecEnv, rng: Rng, seconds: number): number {
  const space = env.actionSpace;
  const actions = space.kind === "discrete" ? new Int32Array(N) : new Float32Array(N * env.actionSize);
  env.reset();
  let steps = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < seconds * 1000) {
    for (let b = 0; b < BATCH / 4; b++) {
      if (space.kind === "discrete") for (let i = 0; i < N; i++) actions[i] = rng.int(space.n);
      else for (let j = 0; j < actions.length; j++) actions[j] = rng.uniform(space.low[0]!, space.high[0]!);
      env.step(actions);
    }
    steps += (BATCH / 4) * N;
    t = performance.now();
  }
  return (steps / (t - t0)) * 1000;
}

const OTHERS: [string, (o: VecEnvOptions) => VecEnv][] = [
  ["Acrobot-v1", (o) => new AcrobotVecEnv(o)],
  ["MountainCar-v0", (o) => new MountainCarVecEnv(o)],
  ["MountainCarContinuous-v0", (o) => new MountainCarContinuousVecEnv(o)],
  ["Pendulum-v1", (o) => new PendulumVecEnv(o)],
];

// CartPole first, so its loop is measured before any other env class is live.
const figure: number[] = [];
for (const seed of SEEDS) {
  const rng = Rng.fromSeed(seed);
  const env = new CartPoleVecEnv({ n: N, rng: rng.split() });
  timeCartPole(env, rng, WARMUP_SECONDS);
  const sps = timeCartPole(env, rng, SECONDS);
  figure.push(sps);
  emit({ env: "CartPole-v1", seed, n: N, steps_per_s: Math.round(sps), ns_per_step: round(1e9 / sps, 2) });
}
for (const [id, make] of OTHERS) {
  for (const seed of SEEDS) {
    const rng = Rng.fromSeed(seed);
    const env = make({ n: N, rng: rng.split() });
    timeEnv(env, rng, WARMUP_SECONDS / 2);
    const sps = timeEnv(env, rng, SECONDS / 2);
    emit({ env: id, seed, n: N, steps_per_s: Math.round(sps), ns_per_step: round(1e9 / sps, 2) });
  }
}
const sps = median(figure);
emit({
  bench: "env-throughput",
  env: "CartPole-v1",
  steps_per_s: Math.round(sps),
  ns_per_step: round(1e9 / sps, 2),
  n: N,
  seeds: SEEDS.length,
  seconds_per_seed: SECONDS,
  node: process.version,
  cpu: cpus()[0]?.model ?? "unknown",
});
