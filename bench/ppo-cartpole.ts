// PPO on CartPole-v1 with CleanRL ppo.py's defaults, ours and a PyTorch
// reference side by side in one run. Time to solve = training wall time until
// the mean return of the last 100 training episodes reaches 475.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { rl } from "../lib/index.js";
import { emit, median, round } from "./stats.js";

const { values } = parseArgs({
  options: {
    seeds: { type: "string", default: "1,2,3" },
    "total-steps": { type: "string", default: "500000" },
    "skip-torch": { type: "boolean", default: false },
  },
});
const seeds = values.seeds!.split(",").map(Number);
const totalSteps = Number(values["total-steps"]);
const TARGET = 475;
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

interface Result {
  impl: string;
  seed: number;
  solved: boolean;
  steps_to_solve: number | null;
  time_to_solve_s: number | null;
  sps: number;
}

async function ours(seed: number): Promise<Result> {
  const run = rl
    .env("CartPole-v1", { n: 4, seed })
    .policy(rl.mlp([64, 64]))
    .algo(rl.ppo({ totalSteps, truncation: "done" })) // CleanRL's semantics, like the reference
    .build();
  // Solved as in the reference: a full window of 100 episodes whose mean return reaches the target.
  const r = await run.train({ steps: totalSteps, until: (m) => m.episodes >= 100 && (m.meanReturn ?? 0) >= TARGET });
  const solved = r.stopped === "until";
  return { impl: "trellis", seed, solved, steps_to_solve: solved ? run.step : null, time_to_solve_s: solved ? round(r.seconds) : null, sps: Math.round(r.sps) };
}

function torch(seed: number): Result | { impl: string; seed: number; error: string } {
  const setup = spawnSync("bash", [join(root, "bench/reference/setup.sh")], { encoding: "utf8" });
  if (setup.status !== 0) return { impl: "torch", seed, error: `reference setup failed: ${setup.stderr || setup.stdout}`.trim() };
  const p = spawnSync("/usr/bin/python3", [join(root, "bench/reference/ppo_cartpole.py"), "--seed", String(seed), "--total-steps", String(totalSteps), "--target", String(TARGET), "--stop-when-solved"], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = p.stdout.trim().split("\n").filter(Boolean);
  const last = lines.at(-1);
  if (p.status !== 0 || !last) return { impl: "torch", seed, error: `reference exited ${p.status}: ${p.stderr.slice(-2000)}` };
  const s = JSON.parse(last) as Result & { torch_version: string; threads: number; setup_s: number };
  return { ...s, impl: "torch" };
}

const mine: Result[] = [];
const theirs: Result[] = [];
const runTorch = !values["skip-torch"] && existsSync(join(root, "bench/reference/ppo_cartpole.py"));
// Seed by seed, ours then the reference, so both see the same machine load.
for (const seed of seeds) {
  const r = await ours(seed);
  mine.push(r);
  emit(r as unknown as Record<string, unknown>);
  if (runTorch) {
    const t = torch(seed);
    emit(t as unknown as Record<string, unknown>);
    if ("solved" in t) theirs.push(t);
  }
}
const solvedTimes = (rs: Result[]) => rs.filter((r) => r.solved).map((r) => r.time_to_solve_s!);
const solvedSteps = (rs: Result[]) => rs.filter((r) => r.solved).map((r) => r.steps_to_solve!);
const oursTime = median(solvedTimes(mine));
const torchTime = median(solvedTimes(theirs));
emit({
  bench: "ppo-cartpole",
  solved: mine.every((r) => r.solved),
  time_to_solve_s: round(oursTime),
  steps_to_solve: median(solvedSteps(mine)),
  sps: Math.round(median(mine.map((r) => r.sps))),
  speedup_vs_torch: runTorch && theirs.length ? round(torchTime / oursTime, 2) : null,
  torch_time_to_solve_s: runTorch ? round(torchTime) : null,
  torch_steps_to_solve: runTorch ? median(solvedSteps(theirs)) : null,
  torch_sps: runTorch ? Math.round(median(theirs.map((r) => r.sps))) : null,
  seeds,
  target: TARGET,
  limit_s: 60,
});
