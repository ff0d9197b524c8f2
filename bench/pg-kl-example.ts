// The worked example of docs/components.md: PPO beside PPO with a k3 KL penalty
// to its initial policy on CartPole-v1, 3 seeds each, same budget. Prints JSON;
// `--html FILE` also writes both reward curves (mean ± std bands) as one page.
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { rl, type Run } from "../lib/index.js";
import { emit, round } from "./stats.js";

const { values } = parseArgs({ options: { steps: { type: "string", default: "100000" }, coef: { type: "string", default: "0.05" }, html: { type: "string" } } });
const steps = Number(values.steps);
const coef = Number(values.coef);
const seeds = [1, 2, 3];

async function train(seed: number, withKl: boolean): Promise<{ run: Run; seconds: number }> {
  const spec = withKl ? rl.ppo().divergence(rl.div.kl({ estimator: "k3", coef })) : rl.ppo();
  const run = rl.env("CartPole-v1", { n: 4, seed }).record(false).algo(spec).name(`${withKl ? "ppo+kl" : "ppo"} seed ${seed}`).build();
  const t0 = performance.now();
  await run.train({ steps });
  return { run, seconds: (performance.now() - t0) / 1000 };
}

const col = (run: Run, name: string) => Array.from((run.metrics.getChild(name)?.toArray() ?? []) as ArrayLike<number>).filter((x) => Number.isFinite(x));
const at = (run: Run, step: number) => {
  const s = col(run, "step");
  const m = Array.from(run.metrics.getChild("meanReturn")!.toArray() as ArrayLike<number>);
  const i = s.findIndex((x) => x >= step);
  return m[i < 0 ? m.length - 1 : i]!;
};

const groups: Record<string, Run[]> = { ppo: [], "ppo + k3 KL to initial": [] };
const rows: { method: string; seed: number; mean_return_25k: number; mean_return_50k: number; mean_return_final: number; kl_final: number | null; seconds: number }[] = [];
for (const seed of seeds) {
  for (const withKl of [false, true]) {
    const { run, seconds } = await train(seed, withKl);
    groups[withKl ? "ppo + k3 KL to initial" : "ppo"]!.push(run);
    const kl = col(run, "kl");
    rows.push({
      method: withKl ? "ppo+kl" : "ppo",
      seed,
      mean_return_25k: round(at(run, 25_000), 1),
      mean_return_50k: round(at(run, 50_000), 1),
      mean_return_final: round(at(run, steps), 1),
      kl_final: kl.length ? round(kl.at(-1)!, 5) : null,
      seconds: round(seconds, 2),
    });
  }
}
const mean = (m: string, k: "mean_return_25k" | "mean_return_50k" | "mean_return_final") => round(rows.filter((r) => r.method === m).reduce((s, r) => s + r[k], 0) / seeds.length, 1);
if (values.html) await writeFile(values.html, rl.compare(groups).toHtml("PPO beside PPO with a k3 KL penalty to its initial policy"));
emit({
  bench: "pg-kl-example",
  steps,
  coef,
  rows,
  summary: Object.fromEntries(["ppo", "ppo+kl"].map((m) => [m, { return_25k: mean(m, "mean_return_25k"), return_50k: mean(m, "mean_return_50k"), return_final: mean(m, "mean_return_final") }])),
});
