// Behavior cloning on CartPole-v1: a PPO policy is trained until its last 100
// training episodes average ≥ 475, its greedy actions are recorded for 50k
// env steps (the expert dataset), then rl.bc() clones it from that dataset
// alone through rl.offline(dataset). Figure: the clone's greedy mean return
// over 100 evaluation episodes (target ≥ 475), per seed and the median.
import { parseArgs } from "node:util";
import { rl } from "../lib/index.js";
import { expertRollouts, SOLVED_RETURN } from "./cartpole-expert.js";
import { emit, median, round } from "./stats.js";

const { values } = parseArgs({
  options: {
    seeds: { type: "string", default: "1,2,3" },
    "dataset-steps": { type: "string", default: "50000" },
    updates: { type: "string", default: "3000" },
    "eval-episodes": { type: "string", default: "100" },
  },
});
const seeds = values.seeds!.split(",").map(Number);
const datasetSteps = Number(values["dataset-steps"]);
const updates = Number(values.updates);
const evalEpisodes = Number(values["eval-episodes"]);
const TARGET = SOLVED_RETURN;

const results: Record<string, unknown>[] = [];
for (const seed of seeds) {
  const t0 = performance.now();
  const ppo = rl.env("CartPole-v1", { n: 4, seed }).algo(rl.ppo()).build();
  const trained = await ppo.train({ steps: 1_000_000, until: (m) => m.episodes >= 100 && m.meanReturn >= TARGET });
  const expertEval = (await ppo.evaluate({ episodes: evalEpisodes })).meanReturn;
  const ds = expertRollouts(ppo, datasetSteps, seed + 1000);
  const stats = ds.stats();
  const t1 = performance.now();
  const bc = rl.offline(ds, { seed }).algo(rl.bc()).build();
  const r = await bc.train({ updates });
  const ev = await bc.evaluate({ episodes: evalEpisodes });
  const row = {
    seed,
    ppo_steps: ppo.step,
    ppo_solved: trained.stopped === "until",
    expert_return: round(expertEval, 1),
    dataset_steps: ds.numSteps,
    dataset_episodes: stats.episodes,
    dataset_mean_return: round(stats.return.mean, 1),
    bc_updates: bc.algo.updates,
    bc_seconds: round(r.seconds),
    bc_loss: round(r.last?.bcLoss ?? NaN, 4),
    bc_accuracy: round(r.last?.accuracy ?? NaN, 4),
    mean_return: round(ev.meanReturn, 1),
    std_return: round(ev.stdReturn, 1),
    total_seconds: round((performance.now() - t0) / 1000),
    bc_total_seconds: round((performance.now() - t1) / 1000),
  };
  results.push(row);
  emit(row);
  ppo.dispose();
  bc.dispose();
}
const means = results.map((r) => r.mean_return as number);
emit({
  bench: "bc-cartpole",
  mean_return: round(median(means), 1),
  min_mean_return: Math.min(...means),
  reached_target: means.every((m) => m >= TARGET),
  target: TARGET,
  dataset_steps: datasetSteps,
  bc_updates: updates,
  batch_size: 256,
  eval_episodes: evalEpisodes,
  seeds,
});
