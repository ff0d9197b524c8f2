// Hybrid offline+online PPO on CartPole-v1: env steps until solved (the last
// 100 training episodes average ≥ 475) for plain PPO and for PPO with an
// expert dataset mixed in, seed by seed in one run. CleanRL's ppo.py
// settings for both (truncation "done", as in ppo-cartpole). The expert is a
// separately seeded PPO run; its dataset holds its greedy actions.
// Variants: "warm" (the figure) warm-starts with 2000 imitation steps on the
// dataset, then trains with the AHPO-gated imitation term; "gated" is the
// gated term alone with its defaults; "critic" fits the critic on the dataset
// too (HNPG-style, no imitation); "both" is gated imitation + critic.
// Figure: steps_ratio = median warm steps ÷ median plain steps (target ≤ 0.5).
import { parseArgs } from "node:util";
import { rl, type OfflineMixOptions, type Dataset } from "../lib/index.js";
import { expertRollouts, SOLVED_RETURN, trainCartPoleExpert } from "./cartpole-expert.js";
import { emit, median, round } from "./stats.js";

const { values } = parseArgs({
  options: {
    seeds: { type: "string", default: "1,2,3" },
    "expert-seed": { type: "string", default: "1000" },
    "dataset-steps": { type: "string", default: "50000" },
    "max-steps": { type: "string", default: "500000" },
    /** Hybrid variants to measure (warm, gated, critic, both); "warm" gives the figure. */
    variants: { type: "string", default: "warm,gated" },
    /** Options of rl.data.offline(dataset, options) for the "warm" variant (JSON). */
    mix: { type: "string", default: JSON.stringify({ imitation: { pretrain: 2000 } }) },
    /** Skip plain PPO (and the ratio): for trying mixing options quickly. */
    "no-plain": { type: "boolean", default: false },
  },
});
const seeds = values.seeds!.split(",").map(Number);
const expertSeed = Number(values["expert-seed"]);
const datasetSteps = Number(values["dataset-steps"]);
const maxSteps = Number(values["max-steps"]);
const VARIANTS: Record<string, OfflineMixOptions> = {
  warm: JSON.parse(values.mix!) as OfflineMixOptions,
  gated: {},
  critic: { imitation: false, critic: true },
  both: { critic: true },
};
const variants = values.variants!.split(",");
for (const v of variants) if (!VARIANTS[v]) throw new Error(`unknown variant ${v}; known: ${Object.keys(VARIANTS).join(", ")}`);

interface Result {
  variant: string;
  seed: number;
  solved: boolean;
  steps_to_solve: number | null;
  seconds: number;
  imitation_off_at_step?: number | null;
}

async function solve(seed: number, variant: string, dataset: Dataset): Promise<Result> {
  let b = rl.env("CartPole-v1", { n: 4, seed }).algo(rl.ppo({ totalSteps: maxSteps, truncation: "done" })).record(false);
  if (variant !== "plain") b = b.mix(rl.data.offline(dataset, VARIANTS[variant]!));
  const run = b.build();
  const r = await run.train({ steps: maxSteps, until: (m) => m.episodes >= 100 && m.meanReturn >= SOLVED_RETURN });
  const solved = r.stopped === "until";
  const gate = run.metrics.getChild("imitationGate")?.toArray() as Float64Array | undefined;
  const steps = run.metrics.getChild("step")!.toArray() as Float64Array;
  const firstOff = gate ? gate.findIndex((g) => g === 0) : -1;
  run.dispose();
  return {
    variant,
    seed,
    solved,
    steps_to_solve: solved ? run.step : null,
    seconds: round(r.seconds),
    ...(gate ? { imitation_off_at_step: firstOff >= 0 ? steps[firstOff]! : null } : {}),
  };
}

const t0 = performance.now();
const expert = await trainCartPoleExpert(expertSeed);
const dataset = expertRollouts(expert, datasetSteps, expertSeed + 1);
const stats = dataset.stats();
const expertEval = await expert.evaluate({ episodes: 20 });
expert.dispose();
emit({ expert_seed: expertSeed, expert_steps: expert.step, expert_eval_return: round(expertEval.meanReturn, 1), dataset_steps: dataset.numSteps, dataset_episodes: stats.episodes, dataset_mean_return: round(stats.return.mean, 1), seconds: round((performance.now() - t0) / 1000) });

const results: Result[] = [];
for (const seed of seeds) {
  for (const variant of [...(values["no-plain"] ? [] : ["plain"]), ...variants]) {
    const r = await solve(seed, variant, dataset);
    results.push(r);
    emit(r as unknown as Record<string, unknown>);
  }
}
const stepsOf = (variant: string) => results.filter((r) => r.variant === variant).map((r) => r.steps_to_solve ?? Infinity);
const plain = median(stepsOf("plain"));
const summary: Record<string, unknown> = {
  bench: "hybrid-cartpole",
  steps_ratio: round(median(stepsOf("warm")) / plain, 3),
  hybrid_steps: median(stepsOf("warm")),
  plain_steps: plain,
  solved: results.every((r) => r.solved),
};
for (const v of variants.filter((v) => v !== "warm")) summary[`${v}_steps_ratio`] = round(median(stepsOf(v)) / plain, 3);
emit({ ...summary, target_ratio: 0.5, warm_mix: VARIANTS.warm, dataset_steps: datasetSteps, seeds, expert_seed: expertSeed });
