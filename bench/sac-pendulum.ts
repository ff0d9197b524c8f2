// Figure `sac-pendulum`: SAC (CleanRL defaults except the sizes below) on
// Pendulum-v1, one env copy. Prints one JSON line per evaluation (greedy
// return over 10 episodes, env steps, seconds, steps/s) and a summary last.
// BENCH_STEPS (default 20000), BENCH_HIDDEN ("64,64"; CleanRL: "256,256"),
// BENCH_BATCH (128; CleanRL: 256), BENCH_LEARNING_STARTS (1000; CleanRL: 5000),
// BENCH_SEED (1), BENCH_EVAL_EVERY (2000).
import { sac } from "../lib/algos/off-policy/sac.js";
import { makeVecEnv } from "../lib/envs/registry.js";
import type { VecEnv } from "../lib/envs/vec-env.js";
import type { AlgoInstance } from "../lib/algos/algorithm.js";
import { mlp } from "../lib/policy/spec.js";
import { Rng } from "../lib/random/rng.js";

const STEPS = Number(process.env.BENCH_STEPS ?? 20_000);
const HIDDEN = (process.env.BENCH_HIDDEN ?? "64,64").split(",").map(Number);
const BATCH = Number(process.env.BENCH_BATCH ?? 128);
const LEARNING_STARTS = Number(process.env.BENCH_LEARNING_STARTS ?? 1_000);
const SEED = Number(process.env.BENCH_SEED ?? 1);
const EVAL_EVERY = Number(process.env.BENCH_EVAL_EVERY ?? 2_000);

function greedy(algo: AlgoInstance, seed: number): number {
  const env: VecEnv = makeVecEnv("Pendulum-v1", { n: 10, seed });
  env.reset();
  const actions = new Float32Array(10 * env.actionSize);
  const ret = new Float64Array(10);
  for (let t = 0; t < 200; t++) {
    algo.actGreedy(env.obs, 10, actions);
    env.step(actions);
    for (let e = 0; e < 10; e++) ret[e] = ret[e]! + env.rewards[e]!;
  }
  return ret.reduce((s, r) => s + r, 0) / 10;
}

const master = Rng.fromSeed(SEED);
const env = makeVecEnv("Pendulum-v1", { n: 1, rng: master.split() });
env.reset();
const algo = sac({ batchSize: BATCH, learningStarts: LEARNING_STARTS }).create({ env, policy: mlp(HIDDEN, { activation: "relu" }), rng: master.split() });
const evalSeed = 10_000 + SEED;
const curve: { step: number; greedyReturn: number }[] = [{ step: 0, greedyReturn: greedy(algo, evalSeed) }];
console.log(JSON.stringify({ step: 0, greedy_return: Math.round(curve[0]!.greedyReturn) }));
const t0 = performance.now();
let lastT = t0;
let lastStep = 0;
while (algo.envSteps < STEPS) {
  algo.step();
  if (algo.envSteps % EVAL_EVERY === 0 || algo.envSteps === STEPS) {
    const now = performance.now();
    const r = greedy(algo, evalSeed);
    curve.push({ step: algo.envSteps, greedyReturn: r });
    console.log(JSON.stringify({ step: algo.envSteps, greedy_return: Math.round(r), seconds: +((now - t0) / 1000).toFixed(1), steps_per_s: Math.round(((algo.envSteps - lastStep) / (now - lastT)) * 1000) }));
    lastT = performance.now();
    lastStep = algo.envSteps;
  }
}
const seconds = (performance.now() - t0) / 1000;
const best = Math.max(...curve.map((c) => c.greedyReturn));
const reached = curve.find((c) => c.greedyReturn > -250)?.step ?? null;
console.log(
  JSON.stringify({
    bench: "sac-pendulum",
    steps: STEPS,
    hidden: HIDDEN,
    batch: BATCH,
    learning_starts: LEARNING_STARTS,
    seed: SEED,
    initial_return: Math.round(curve[0]!.greedyReturn),
    final_return: Math.round(curve.at(-1)!.greedyReturn),
    best_return: Math.round(best),
    steps_to_minus_250: reached,
    seconds: +seconds.toFixed(1),
    steps_per_s: Math.round(STEPS / seconds),
  }),
);
