// scale-out: PPO on Acrobot (8 env copies, 256 steps per rollout) with the
// env copies and the acting on 1, 2, 4 worker threads (rl.workers.local) and
// on 1, 2, 4 actor processes over a local nats-server (rl.workers.nats,
// `trellis worker`), beside the run without workers, synchronous (lag 0) and
// with one rollout asked for ahead (lag 1: acting overlaps learning); env
// steps per second of whole train() calls (acting + learning) after a
// warm-up update. Then a fault
// run (an actor killed with SIGKILL mid-run, a standby takes its slot):
// batches lost and duplicated. Then GRPO on 2-digit addition (a 2-layer
// float32 transformer, 64 completions per step) sampling here, on 1 and 2
// worker threads and on 1 and 2 `trellis worker` processes: steps/s and the
// share of sampling. Then the learner's decode + replay cost per
// transition, and a projection to 8, 64 and 512 workers from the measured
// per-batch costs.
//
//   node dist/bench/scale-out.js [--updates 6] [--workers 1,2,4] [--lags 0,1] [--quick]
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { rl } from "../lib/rl.js";
import type { Run } from "../lib/run/run.js";
import { Actor } from "../lib/workers/actor.js";
import { actorJob } from "../lib/workers/run-workers.js";
import { readTrajectoryBatch } from "../lib/workers/trajectory-batch.js";
import { ReplayVecEnv } from "../lib/workers/remote-rollouts.js";
import { makeVecEnv } from "../lib/envs/registry.js";
import { Rng } from "../lib/random/rng.js";
import { fastTransformer, Transformer } from "../lib/seq/policies/index.js";
import type { WorkersSpec } from "../lib/workers/pool.js";
import { startNatsServer } from "../lib/workers/nats/server.js";
import { emit, median, option, round } from "./stats.js";

const QUICK = process.argv.includes("--quick");
const updates = Number(option("updates", QUICK ? "1" : "6"));
const counts = option("workers", QUICK ? "1" : "1,2,4").split(",").map(Number);
const lags = option("lags", "0,1").split(",").map(Number);
const ENV = "Acrobot-v1";
const N = 8;
const STEPS = QUICK ? 32 : 256;
const cli = join(dirname(fileURLToPath(import.meta.url)), "..", "kernel", "cli.js");
const quiet = { progress() {}, metricsRow() {} };

const build = (id: string, workers?: WorkersSpec): Run => {
  const b = rl.env(ENV, { n: N, seed: 1 }).policy(rl.mlp([64, 64])).algo(rl.ppo({ numSteps: STEPS })).record(false).name(id);
  return (workers ? b.workers(workers) : b).build();
};

/** Env steps per second over `updates` updates after one warm-up update (thread start, connections, job). */
async function stepsPerSecond(run: Run): Promise<number> {
  await run.train({ steps: N * STEPS, display: quiet });
  const t0 = performance.now();
  await run.train({ steps: N * STEPS * updates, display: quiet });
  return (N * STEPS * updates) / ((performance.now() - t0) / 1000);
}

const store = mkdtempSync(join(tmpdir(), "trellis-scale-out-"));
const server = await startNatsServer({ storeDir: join(store, "nats") });
const actors: ChildProcess[] = [];
const startActor = (run: string) => {
  const p = spawn(process.execPath, [cli, "worker", "--nats", server.url, "--run", run, "--quiet"], { stdio: "ignore" });
  actors.push(p);
  return p;
};
const stopActors = async (ps: ChildProcess[]) => {
  for (const p of ps) if (p.exitCode === null) p.kill("SIGTERM");
  await Promise.all(ps.map((p) => (p.exitCode !== null || p.signalCode !== null ? null : new Promise((r) => p.once("exit", r)))));
};

try {
  const results: Record<string, number> = {};
  const plain = build("plain");
  results.none = await stepsPerSecond(plain);
  plain.dispose();
  emit({ bench: "scale-out", workers: 0, transport: "none", steps_per_s: round(results.none, 0) });
  for (const lag of lags) {
    const suffix = lag === 0 ? "" : `_lag${lag}`;
    for (const w of counts) {
      const local = build(`local-${w}${suffix}`, rl.workers.local({ n: w, lag }));
      results[`local${w}${suffix}`] = await stepsPerSecond(local);
      const actorRate = median(local.workerStatus().map((s) => s.stepsPerSecond));
      local.dispose();
      emit({ bench: "scale-out", workers: w, lag, transport: "local", steps_per_s: round(results[`local${w}${suffix}`]!, 0), actor_steps_per_s_median: round(actorRate, 0) });
      const id = `nats-${w}${suffix.replace("_", "-")}`;
      const ps = Array.from({ length: w }, () => startActor(id));
      const nats = build(id, rl.workers.nats({ servers: server.url, slots: w, lag, timeoutMs: 120_000 }));
      results[`nats${w}${suffix}`] = await stepsPerSecond(nats);
      const natsActorRate = median(nats.workerStatus().map((s) => s.stepsPerSecond));
      nats.dispose();
      await stopActors(ps);
      emit({ bench: "scale-out", workers: w, lag, transport: "nats", steps_per_s: round(results[`nats${w}${suffix}`]!, 0), actor_steps_per_s_median: round(natsActorRate, 0), overhead_vs_local_pct: round((results[`local${w}${suffix}`]! / results[`nats${w}${suffix}`]! - 1) * 100, 1) });
    }
  }

  // Faults: 2 slots, 3 actors; the first serving actor is killed with SIGKILL after 2 updates.
  const faultRun = "faults";
  const ps = [startActor(faultRun), startActor(faultRun), startActor(faultRun)];
  const run = build(faultRun, rl.workers.nats({ servers: server.url, slots: 2, timeoutMs: 120_000, ackWaitMs: 2000 }));
  await run.train({ steps: N * STEPS * 2, display: quiet });
  const serving = run.workerStatus()[0]!.worker;
  ps.find((p) => serving.endsWith(`/${p.pid}`))?.kill("SIGKILL");
  const faultUpdates = QUICK ? 2 : 4;
  await run.train({ steps: N * STEPS * faultUpdates, display: quiet });
  const received = run.workerStatus().reduce((n, s) => n + s.batches, 0);
  const expected = 2 * run.algo.updates;
  const skipped = run.workerSkipped();
  run.dispose();
  await stopActors(ps);
  emit({ bench: "scale-out", fault: "actor SIGKILL mid-run", updates: run.algo.updates, batches_expected: expected, batches_received: received, batches_skipped: skipped });

  // GRPO sampling on worker threads (the learner judges and trains).
  const tok = rl.tokenizer.char("0123456789+=");
  const grpoSteps = QUICK ? 1 : 6;
  const grpo: Record<string, { steps_per_s: number; sample_share: number }> = {};
  for (const [transport, w] of [["none", 0], ["local", 1], ["local", 2], ["nats", 1], ["nats", 2]] as const) {
    const policy = fastTransformer(Transformer.create({ vocabSize: tok.vocabSize, layers: 2, dModel: 64, heads: 4, mlpHidden: 256, context: 24 }, { rng: Rng.fromSeed(1) }));
    const id = `grpo-${transport}-${w}`;
    const b = rl.seq(rl.tasks.addition, { level: 2, policy, tokenizer: tok, seed: 1, id }).algo(rl.grpo({ prompts: 8, groupSize: 8, maxNewTokens: 8 }));
    const ps = transport === "nats" ? Array.from({ length: w }, () => startActor(id)) : [];
    const run = (transport === "local" ? b.workers(rl.workers.local({ n: w })) : transport === "nats" ? b.workers(rl.workers.nats({ servers: server.url, slots: w, timeoutMs: 120_000 })) : b).build();
    await run.train({ steps: 1, display: quiet });
    const t0 = performance.now();
    await run.train({ steps: grpoSteps, display: quiet });
    const seconds = (performance.now() - t0) / 1000;
    const rows = run.metricsLog;
    const sample = rows.column("sampleSeconds").slice(-grpoSteps).reduce((a, x) => a + x, 0);
    grpo[transport === "none" ? "none" : `${transport}${w}`] = { steps_per_s: round(grpoSteps / seconds, 3), sample_share: round(sample / seconds, 3) };
    run.dispose();
    await stopActors(ps);
    emit({ bench: "scale-out", workload: "grpo sampling", workers: w, transport, steps_per_s: round(grpoSteps / seconds, 3), sample_share: round(sample / seconds, 3) });
  }

  // The learner's side of one batch: decode (checks included) and replay into the rollout layout.
  const job = actorJob("decode", { id: ENV, n: 64, seed: 1, kwargs: {} }, rl.mlp([64, 64]), Rng.fromSeed(1).state(), 1);
  const actor = new Actor(job, 0, "bench");
  actor.load(0, new Float32Array(actor.paramCount));
  const T = QUICK ? 16 : 256;
  const actT0 = performance.now();
  const bytes = actor.rollout(T, Rng.fromSeed(2).state()).bytes;
  const actSeconds = (performance.now() - actT0) / 1000;
  const base = makeVecEnv(ENV, { n: 64, seed: 1 });
  const replay = new ReplayVecEnv(base, 1);
  replay.steps = T;
  const expect = { envId: ENV, obsSize: base.obsSize, actionSize: 3, discrete: true, numEnvs: 64, numSteps: T };
  const reps = QUICK ? 3 : 30;
  const decodeTimes: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const batch = readTrajectoryBatch(bytes, expect);
    replay.load(replay.assemble([{ slot: 0, batch }]));
    decodeTimes.push(performance.now() - t0);
  }
  const rows = 64 * T;
  const decodePerSecond = rows / (median(decodeTimes) / 1000);
  emit({ bench: "scale-out", decode_rows: rows, batch_bytes: bytes.length, decode_ms_median: round(median(decodeTimes), 3), decode_transitions_per_s: round(decodePerSecond, 0) });

  // Projection (sync rollouts, lag 0): W workers of N copies each bring W·R rows per update (R = N·STEPS); the
  // slowest rollout takes rolloutS, and the learner spends (decode + replay) b and (update) u seconds per row.
  const R = N * STEPS;
  const rolloutS = R / (rows / actSeconds);
  const b = 1 / decodePerSecond;
  const u = Math.max(0, 1 / results.none! - 1 / (rows / actSeconds));
  const projection = Object.fromEntries(
    [8, 64, 512].map((w) => {
      const seconds = rolloutS + w * R * (b + u);
      return [w, { env_steps_per_s: round((w * R) / seconds, 0), learner_share: round((w * R * (b + u)) / seconds, 3) }];
    }),
  );
  // with lag ≥ 1 the rollouts of update k + 1 are made while the learner trains on update k's
  const projectionLagged = Object.fromEntries(
    [8, 64, 512].map((w) => {
      const seconds = Math.max(rolloutS, w * R * (b + u));
      return [w, { env_steps_per_s: round((w * R) / seconds, 0), learner_share: round((w * R * (b + u)) / seconds, 3) }];
    }),
  );
  const overheadAt = (suffix: string) => Object.fromEntries(counts.map((w) => [w, round((results[`local${w}${suffix}`]! / results[`nats${w}${suffix}`]! - 1) * 100, 1)]));
  const overhead = overheadAt("");
  emit({
    summary: "scale-out",
    env: ENV,
    copies: N,
    rollout_steps: STEPS,
    updates,
    steps_per_s: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, round(v, 0)])),
    nats_overhead_pct: overhead,
    ...Object.fromEntries(lags.filter((l) => l > 0).map((l) => [`nats_overhead_pct_lag${l}`, overheadAt(`_lag${l}`)])),
    lag_speedup: Object.fromEntries(lags.filter((l) => l > 0).flatMap((l) => counts.flatMap((w) => ["local", "nats"].map((t) => [`${t}${w}_lag${l}`, round(results[`${t}${w}_lag${l}`]! / results[`${t}${w}`]!, 3)])))),
    batches_lost: Math.max(0, expected - received),
    batches_duplicated: Math.max(0, received - expected),
    batches_skipped: skipped,
    decode_transitions_per_s: round(decodePerSecond, 0),
    projection_per_workers: projection,
    grpo_sampling: grpo,
    grpo_speedup_local2: round(grpo.local2!.steps_per_s / grpo.none!.steps_per_s, 3),
    grpo_nats_overhead_pct: { 1: round((grpo.local1!.steps_per_s / grpo.nats1!.steps_per_s - 1) * 100, 1), 2: round((grpo.local2!.steps_per_s / grpo.nats2!.steps_per_s - 1) * 100, 1) },
    projection_per_workers_lag1: projectionLagged,
    learner_limit_steps_per_s: round(1 / (b + u), 0),
    projection_assumes: `sync rollouts: each worker holds ${N} copies and rolls out ${STEPS} steps in ${round(rolloutS, 4)} s (one actor's rate here); the learner spends ${round(b * 1e6, 3)} µs per row decoding and replaying and ${round(u * 1e6, 3)} µs per row updating (this run without workers, less its acting)`,
  });
} finally {
  await stopActors(actors);
  await server.stop();
  rmSync(store, { recursive: true, force: true });
}
