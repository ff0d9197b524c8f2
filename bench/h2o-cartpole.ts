// H2O-style sim-to-real on CartPole: the "real" CartPole-v1 (pole half-length
// 0.5) recorded a medium-quality dataset (PPO trained to a mean return ≥ 150,
// its last 10k transitions); DQN then trains online in a "simulator" whose
// pole half-length differs, three ways: the simulator alone, the real data
// mixed half and half into every minibatch (RLPD), and that mixing with the
// simulated rows weighted by the estimated dynamics ratio (H2O). Each policy
// is evaluated greedily on the real CartPole. A simulator equal to the real
// system (length 0.5) is the control. Figures: median real returns per
// variant and the mean estimated log dynamics ratio of simulated transitions.
import { parseArgs } from "node:util";
import { rl, Rng, type Dataset, type Run } from "../lib/index.js";
import type { DqnInstance } from "../lib/algos/off-policy/dqn.js";
import { ReplayBatch } from "../lib/algos/off-policy/replay-buffer.js";
import { emit, median, round } from "./stats.js";

const { values } = parseArgs({
  options: {
    seeds: { type: "string", default: "1,2,3" },
    lengths: { type: "string", default: "0.5,1.0" },
    steps: { type: "string", default: "20000" },
    "eval-episodes": { type: "string", default: "50" },
  },
});
const seeds = values.seeds!.split(",").map(Number);
const lengths = values.lengths!.split(",").map(Number);
const steps = Number(values.steps);
const evalEpisodes = Number(values["eval-episodes"]);
const REAL = { length: 0.5 };

async function realDataset(): Promise<Dataset> {
  const ppo = rl.env("CartPole-v1", { n: 4, seed: 11 }).algo(rl.ppo()).build();
  await ppo.train({ steps: 500_000, until: (m) => m.episodes >= 20 && m.meanReturn >= 150 });
  const data = ppo.data;
  ppo.dispose();
  return rl.dataset.from(data.slice(Math.max(0, data.numRows - 10_000)));
}

function meanLogRatio(run: Run): number {
  const algo = run.algo as unknown as DqnInstance;
  const rows = algo.gap!.batchSize;
  const batch = new ReplayBatch(rows, run.env.obsSize, 1, true);
  const out = new Float32Array(rows);
  const rng = Rng.fromSeed(0);
  let sum = 0;
  for (let k = 0; k < 8; k++) {
    algo.buffer.sample(rng, batch);
    sum += algo.gap!.logRatios(batch, rows, out).reduce((s, x) => s + x, 0);
  }
  return sum / (8 * rows);
}

const dataset = await realDataset();
emit({ dataset_steps: dataset.numSteps, dataset_episodes: dataset.stats().episodes, dataset_mean_return: round(dataset.stats().return.mean, 1) });
const rows: Record<string, unknown>[] = [];
for (const length of lengths) {
  for (const seed of seeds) {
    for (const variant of ["sim-only", "mix", "h2o"]) {
      let b = rl
        .env("CartPole-v1", { seed, length })
        .policy(rl.mlp([64, 64], { activation: "relu" }))
        .record(false)
        .algo(rl.dqn({ totalSteps: steps, learningStarts: 1_000, trainFrequency: 2, targetNetworkFrequency: 250, lr: 1e-3, batchSize: 128 }));
      if (variant !== "sim-only") b = b.mix(rl.data.offline(dataset, { ratio: 0.5, dynamicsGap: variant === "h2o" }));
      const run = b.build();
      const r = await run.train({ steps });
      const row = {
        length,
        seed,
        variant,
        real_return: round((await run.evaluate({ episodes: evalEpisodes, env: REAL })).meanReturn, 1),
        sim_return: round((await run.evaluate({ episodes: evalEpisodes })).meanReturn, 1),
        seconds: round(r.seconds),
        ...(variant === "h2o" ? { mean_log_ratio: round(meanLogRatio(run)), mean_weight: round(run.metricsLog.last()!.dynamicsWeight!) } : {}),
      };
      rows.push(row);
      emit(row);
      run.dispose();
    }
  }
}
const summary: Record<string, unknown> = { bench: "h2o-cartpole" };
for (const length of lengths) {
  for (const variant of ["sim-only", "mix", "h2o"]) {
    const of = rows.filter((r) => r.length === length && r.variant === variant);
    summary[`real_return_${variant}_l${length}`] = median(of.map((r) => r.real_return as number));
  }
  summary[`mean_log_ratio_l${length}`] = round(median(rows.filter((r) => r.length === length && r.variant === "h2o").map((r) => r.mean_log_ratio as number)));
}
emit({ ...summary, steps, seeds, lengths, real: REAL, eval_episodes: evalEpisodes });
