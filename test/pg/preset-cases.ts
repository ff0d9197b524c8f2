// The runs whose metrics and final parameters were recorded from the algorithm classes
// that preceded the engine (commit 197d3f4): the presets must reproduce them bit for bit.
import { createHash } from "node:crypto";
import { rl, type AlgoInstance, type Dataset, type Run } from "../../lib/index.js";

/** One recorded case: how to build the run and how many env steps to train. */
export interface PresetCase {
  readonly name: string;
  readonly steps: number;
  build(data: () => Promise<Dataset>): Promise<Run>;
}

let demo: Promise<Dataset> | undefined;
/** A small dataset: every transition of a short PPO run (behavior log-probs recorded, some episodes complete). */
function demonstrations(): Promise<Dataset> {
  demo ??= (async () => {
    const run = rl.env("CartPole-v1", { n: 2, seed: 11 }).policy(rl.mlp([16])).algo(rl.ppo({ numSteps: 64 })).build();
    await run.train({ steps: 2_000 });
    const ds = rl.dataset.from(run.data);
    run.dispose();
    return ds;
  })();
  return demo;
}

const env = (id: string, n: number, seed: number) => rl.env(id, { n, seed }).record(false);

export const PRESET_CASES: readonly PresetCase[] = [
  { name: "ppo cartpole", steps: 4 * 128 * 4, build: async () => env("CartPole-v1", 4, 1).policy(rl.mlp([32, 32])).algo(rl.ppo()).build() },
  {
    name: "ppo cartpole: targetKl, unclipped value, raw advantages, truncation done, no annealing",
    steps: 2 * 64 * 6,
    build: async () => env("CartPole-v1", 2, 2).policy(rl.mlp([16])).algo(rl.ppo({ numSteps: 64, targetKl: 0.002, clipValue: false, normAdv: false, truncation: "done", annealLr: false, epochs: 6 })).build(),
  },
  { name: "ppo cartpole shared network", steps: 2 * 64 * 4, build: async () => env("CartPole-v1", 2, 3).policy(rl.mlp([16], { shared: true })).algo(rl.ppo({ numSteps: 64, totalSteps: 1024 })).build() },
  { name: "ppo pendulum gaussian", steps: 2 * 64 * 4, build: async () => env("Pendulum-v1", 2, 4).policy(rl.mlp([16, 16])).algo(rl.ppo({ numSteps: 64, minibatches: 2 })).build() },
  { name: "a2c cartpole", steps: 4 * 5 * 30, build: async () => env("CartPole-v1", 4, 1).policy(rl.mlp([32, 32])).algo(rl.a2c()).build() },
  { name: "a2c pendulum gaussian", steps: 2 * 5 * 30, build: async () => env("Pendulum-v1", 2, 5).policy(rl.mlp([16])).algo(rl.a2c({ entCoef: 0.01 })).build() },
  { name: "reinforce cartpole", steps: 1_500, build: async () => env("CartPole-v1", 2, 3).policy(rl.mlp([16])).algo(rl.reinforce({ batchSteps: 200 })).build() },
  { name: "reinforce cartpole shared, clipped, entropy", steps: 1_200, build: async () => env("CartPole-v1", 2, 6).policy(rl.mlp([16], { shared: true })).algo(rl.reinforce({ batchSteps: 150, maxGradNorm: 0.5, entCoef: 0.01, normAdv: false })).build() },
  { name: "reinforce pendulum gaussian, truncation done", steps: 1_000, build: async () => env("Pendulum-v1", 2, 7).policy(rl.mlp([16])).algo(rl.reinforce({ batchSteps: 200, truncation: "done" })).build() },
  {
    name: "ppo + offline mix: gated imitation with warm start",
    steps: 2 * 64 * 4,
    build: async (data) => env("CartPole-v1", 2, 8).policy(rl.mlp([16])).algo(rl.ppo({ numSteps: 64 })).mix(rl.data.offline(await data(), { ratio: 0.25, imitation: { pretrain: 5, successReturn: 60, group: 4 } })).build(),
  },
  {
    name: "ppo + offline mix: imitation and offline critic",
    steps: 2 * 64 * 4,
    build: async (data) => env("CartPole-v1", 2, 9).policy(rl.mlp([16])).algo(rl.ppo({ numSteps: 64 })).mix(rl.data.offline(await data(), { ratio: 0.5, critic: { coef: 0.5, rhoMax: 2 } })).build(),
  },
  {
    name: "a2c + offline mix: critic only",
    steps: 2 * 5 * 20,
    build: async (data) => env("CartPole-v1", 2, 10).policy(rl.mlp([16])).algo(rl.a2c()).mix(rl.data.offline(await data(), { ratio: 1, imitation: false, critic: true })).build(),
  },
];

/** A double as text that round-trips exactly (NaN and ±Infinity included). */
const exact = (x: number) => (Number.isNaN(x) ? "NaN" : Object.is(x, -0) ? "-0" : String(x));

/** What a case records: every metric of every row (but wall time and speed) and a hash of the final parameters. */
export interface PresetRecord {
  readonly metrics: Record<string, (string | null)[]>;
  readonly params: string;
}

/** Trains one case and records it. */
export async function recordCase(c: PresetCase): Promise<PresetRecord> {
  const run = await c.build(demonstrations);
  try {
    await run.train({ steps: c.steps });
    const t = run.metrics;
    const metrics: Record<string, (string | null)[]> = {};
    for (const f of t.schema.fields) {
      if (f.name === "wallTime" || f.name === "sps") continue;
      const col = t.getChild(f.name)!;
      metrics[f.name] = Array.from({ length: t.numRows }, (_, i) => {
        const v = col.get(i) as number | null;
        return v === null ? null : exact(v);
      });
    }
    const params = (run.algo as AlgoInstance).saveState().arrays.params as Float32Array;
    return { metrics, params: createHash("sha256").update(new Uint8Array(params.buffer, params.byteOffset, params.byteLength)).digest("hex") };
  } finally {
    run.dispose();
  }
}
