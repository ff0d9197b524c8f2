// Recording CartPole transitions into Arrow with TrajectoryRecorder: n = 1024
// copies, env data generated up front (random actions) so only recording —
// record() per step plus flush() into record batches — is timed.
// steps_per_s counts transitions (rows), i.e. env steps of single copies.
import { TrajectoryRecorder } from "../lib/data/recorder.js";
import { makeVecEnv } from "../lib/envs/registry.js";
import { Rng } from "../lib/random/rng.js";
import { emit, median, round } from "./stats.js";

const N = 1024;
const STEPS = 256; // vector steps of pre-generated data (262 144 transitions)
const FLUSH_EVERY = 64; // vector steps per record batch (65 536 rows)
const PASSES = 8; // passes over the data per timed run (~2.1 M transitions)
const RUNS = 3;

interface Step {
  obs: Float32Array;
  actions: Int32Array;
  rewards: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  nextObs: Float32Array;
  finalObs: Float32Array;
  logp: Float32Array;
  values: Float32Array;
}

const env = makeVecEnv("CartPole-v1", { n: N, seed: 1 });
const rng = Rng.fromSeed(2);
env.reset();
const data: Step[] = [];
for (let s = 0; s < STEPS; s++) {
  const obs = Float32Array.from(env.obs);
  const actions = Int32Array.from({ length: N }, () => rng.int(2));
  env.step(actions);
  data.push({
    obs,
    actions,
    rewards: Float32Array.from(env.rewards),
    terminated: Uint8Array.from(env.terminated),
    truncated: Uint8Array.from(env.truncated),
    nextObs: Float32Array.from(env.obs),
    finalObs: Float32Array.from(env.finalObs),
    logp: new Float32Array(N).fill(Math.log(0.5)),
    values: rng.fillNormal(new Float32Array(N)) as Float32Array,
  });
}

function run(passes: number): { seconds: number; rows: number; batches: number } {
  const rec = TrajectoryRecorder.forEnv(env, { initialCapacity: N * FLUSH_EVERY });
  let rows = 0;
  let batches = 0;
  const t0 = performance.now();
  for (let p = 0; p < passes; p++) {
    for (let s = 0; s < STEPS; s++) {
      const d = data[s]!;
      rec.record({ ...d, policyVersion: p });
      if ((s + 1) % FLUSH_EVERY === 0) {
        rows += rec.flush().numRows;
        batches++;
      }
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, rows, batches };
}

run(2); // warm-up (JIT)
const rates: number[] = [];
for (let r = 0; r < RUNS; r++) {
  const { seconds, rows, batches } = run(PASSES);
  const rate = rows / seconds;
  rates.push(rate);
  emit({ run: r, rows, batches, seconds: round(seconds, 4), steps_per_s: Math.round(rate) });
}
const stepsPerS = median(rates);
emit({
  summary: true,
  bench: "arrow-record",
  env: "CartPole-v1",
  n: N,
  rows_per_batch: N * FLUSH_EVERY,
  runs: RUNS,
  steps_per_s: Math.round(stepsPerS),
  vector_steps_per_s: Math.round(stepsPerS / N),
  target_steps_per_s: 5_000_000,
  meets_target: stepsPerS >= 5_000_000,
});
