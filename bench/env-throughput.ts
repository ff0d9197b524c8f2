// Figure `env-throughput`: vectorized CartPole-v1 env steps per second on one
// core, n = 1024 copies, random actions from the seeded Rng (one uint32 gives
// 32 actions), auto-resets included. Three seeds, each timed for ~2 s after a
// warm-up; the figure is their median, with CartPole's default engine (the
// wasm SIMD kernel where the runtime has it; TRELLIS_ENV_ENGINE=js forces the
// JS loop). Each seed also times the JS engine, side by side in the same
// process on the same action stream (`steps_per_s_js`), the two in
// alternating order. Then the wasm kernel's step alone (`ns_per_step_kernel`,
// the rest of an env step being the action copy, flags, and resets in JS) for
// each loop shape of native/envs/cartpole-kernel.ts. The other four
// classic-control envs are timed the same way as CartPole (random actions
// from the Rng) and reported per line only.
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
import { CartPoleKernel, cartPoleSimdUnavailable, type CartPoleKernelShape } from "../native/index.js";
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

/**
 * The kernel's step alone, in ns per copy: actions drawn and finished
 * episodes restarted (like the env: uniform in ±0.05) outside the timed calls.
 */
function timeKernel(shape: CartPoleKernelShape, rng: Rng, seconds: number): number {
  const kernel = new CartPoleKernel(N, shape);
  kernel.setConstants([9.8, 0.1, 1.1, 0.1 * 0.5, 0.5, 10, 0.02, 2.4, (12 * 2 * Math.PI) / 360]);
  for (let j = 0; j < 4 * N; j++) kernel.state[j] = rng.uniform(-0.05, 0.05);
  let inKernel = 0;
  let steps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    for (let b = 0; b < BATCH; b++) {
      for (let i = 0; i < N; i += 32) {
        const bits = rng.uint32();
        for (let k = 0; k < 32; k++) kernel.actions[i + k] = (bits >>> k) & 1;
      }
      const t = performance.now();
      const ended = kernel.step(500);
      inKernel += performance.now() - t;
      for (let e = 0; e < ended; e++) {
        const i = kernel.ended[e]!;
        for (let j = 4 * i; j < 4 * i + 4; j++) kernel.state[j] = rng.uniform(-0.05, 0.05);
        kernel.elapsed[i] = 0;
      }
    }
    steps += BATCH * N;
  }
  return (inKernel * 1e6) / steps;
}

const OTHERS: [string, (o: VecEnvOptions) => VecEnv][] = [
  ["Acrobot-v1", (o) => new AcrobotVecEnv(o)],
  ["MountainCar-v0", (o) => new MountainCarVecEnv(o)],
  ["MountainCarContinuous-v0", (o) => new MountainCarContinuousVecEnv(o)],
  ["Pendulum-v1", (o) => new PendulumVecEnv(o)],
];

/** CartPole with `engine` (undefined: the default), warmed up, then timed. */
function cartPole(seed: number, engine?: "js"): { engine: string; sps: number } {
  const rng = Rng.fromSeed(seed);
  const env = new CartPoleVecEnv({ n: N, rng: rng.split(), ...(engine ? { engine } : {}) });
  timeCartPole(env, rng, WARMUP_SECONDS);
  return { engine: env.engine, sps: timeCartPole(env, rng, SECONDS) };
}

// CartPole first, so its loops are measured before any other env class is live.
const figure: number[] = [];
const figureJs: number[] = [];
let engine = "";
for (const seed of SEEDS) {
  let main, js;
  if (seed % 2 === 0) {
    main = cartPole(seed);
    js = cartPole(seed, "js");
  } else {
    js = cartPole(seed, "js");
    main = cartPole(seed);
  }
  engine = main.engine;
  figure.push(main.sps);
  figureJs.push(js.sps);
  emit({
    env: "CartPole-v1",
    seed,
    n: N,
    engine,
    steps_per_s: Math.round(main.sps),
    ns_per_step: round(1e9 / main.sps, 2),
    steps_per_s_js: Math.round(js.sps),
    ns_per_step_js: round(1e9 / js.sps, 2),
    speedup: round(main.sps / js.sps, 2),
  });
}
const SHAPES: CartPoleKernelShape[] = [
  { vecs: 2, obs: "inline" },
  { vecs: 1, obs: "inline" },
  { vecs: 4, obs: "inline" },
  { vecs: 2, obs: "pass" },
];
const kernelNs: number[] = [];
if (cartPoleSimdUnavailable() === null) {
  for (const [k, shape] of SHAPES.entries()) {
    const rng = Rng.fromSeed(k);
    timeKernel(shape, rng, WARMUP_SECONDS / 2);
    const ns = timeKernel(shape, rng, SECONDS / 2);
    kernelNs.push(ns);
    emit({ kernel: "CartPole-v1 wasm-simd", ...shape, default: k === 0, n: N, ns_per_step_kernel: round(ns, 2) });
  }
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
const spsJs = median(figureJs);
emit({
  bench: "env-throughput",
  env: "CartPole-v1",
  engine,
  steps_per_s: Math.round(sps),
  ns_per_step: round(1e9 / sps, 2),
  steps_per_s_js: Math.round(spsJs),
  ns_per_step_js: round(1e9 / spsJs, 2),
  ns_per_step_kernel: kernelNs.length ? round(kernelNs[0]!, 2) : null,
  n: N,
  seeds: SEEDS.length,
  seconds_per_seed: SECONDS,
  node: process.version,
  cpu: cpus()[0]?.model ?? "unknown",
});
