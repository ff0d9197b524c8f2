/**
 * Runs whose env copies and acting live with actors: worker threads
 * (rl.workers.local) and actor processes over a real `nats-server -js`
 * (rl.workers.nats, `trellis worker`), against the same run without workers.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { rl } from "../../lib/rl.js";
import type { RunBuilder } from "../../lib/run/builder.js";
import { configProblems } from "../helpers/config-problems.js";
import type { Run } from "../../lib/run/run.js";
import type { WorkersSpec } from "../../lib/workers/pool.js";
import { startNatsServer, type LocalNatsServer } from "../../lib/workers/nats/server.js";
import { startNatsActor } from "../../lib/workers/nats/nats-actor.js";
import { connect } from "@nats-io/transport-node";
import { Objm } from "@nats-io/obj";
import { RunStreams } from "../../lib/workers/nats/run-streams.js";
import { VERSION } from "../../lib/version.js";

const quiet = { progress() {}, metricsRow() {} };
const cli = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "kernel", "cli.js");
const N = 4;
const STEPS = 32;
const UPDATES = 5;

function builder(id: string, workers?: WorkersSpec): RunBuilder<true> {
  const b = rl.env("CartPole-v1", { n: N, seed: 3 }).policy(rl.mlp([16])).algo(rl.ppo({ numSteps: STEPS })).record(false).name(id);
  return workers ? b.workers(workers) : b;
}

async function trained(id: string, workers?: WorkersSpec, updates = UPDATES): Promise<Run> {
  const run = builder(id, workers).build();
  await run.train({ steps: N * STEPS * updates, display: quiet });
  return run;
}

const params = (run: Run) => run.algo.saveState().arrays.params as Float32Array;
const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

describe("local workers", () => {
  test("one local worker gives bit for bit the numbers of the run without workers (parameters, returns, losses)", async () => {
    const plain = await trained("plain");
    const one = await trained("one", rl.workers.local({ n: 1 }));
    try {
      assert.ok(same(params(plain), params(one)), "the same parameters");
      for (const k of ["episodicReturn", "policyLoss", "valueLoss", "approxKl"]) {
        assert.deepEqual([...(one.metrics.getChild(k)!.toArray() as Float64Array)], [...(plain.metrics.getChild(k)!.toArray() as Float64Array)], k);
      }
      assert.equal(one.step, plain.step);
      const status = one.workerStatus();
      assert.equal(status.length, 1);
      assert.deepEqual([status[0]!.worker, status[0]!.batches, status[0]!.envSteps], ["local/0", UPDATES, N * STEPS * UPDATES]);
      assert.ok(status[0]!.stepsPerSecond > 0);
    } finally {
      plain.dispose();
      one.dispose();
    }
  });

  test("costs travel with the batches: a PPO-Lagrangian run with one local worker gives bit for bit the numbers of the run without workers", async () => {
    const make = (id: string, workers?: WorkersSpec) => {
      const b = rl.env("CartPole-Cost-v1", { n: N, seed: 3, xLimit: 0.05 }).policy(rl.mlp([16])).algo(rl.ppo({ numSteps: STEPS }).constraint(rl.constraint.lagrangian({ limit: 3, lr: 0.2 }))).name(id);
      return (workers ? b.workers(workers) : b).build();
    };
    const plain = make("plain-cost");
    const one = make("one-cost", rl.workers.local({ n: 1 }));
    try {
      for (const run of [plain, one]) await run.train({ steps: N * STEPS * UPDATES, display: quiet });
      assert.ok(same(params(plain), params(one)), "the same parameters");
      for (const k of ["episodicCost", "lambda", "episodeCost", "costValueLoss"]) {
        assert.deepEqual([...(one.metrics.getChild(k)!.toArray() as Float64Array)], [...(plain.metrics.getChild(k)!.toArray() as Float64Array)], k);
      }
      assert.ok((one.metrics.toArray().at(-1) as Record<string, number>).lambda! > 0, "the constraint bit");
      assert.deepEqual([...(one.data.getChild("cost")!.toArray() as Float32Array)], [...(plain.data.getChild("cost")!.toArray() as Float32Array)], "the recorded costs");
    } finally {
      plain.dispose();
      one.dispose();
    }
  });

  test("two local workers split the copies: the same numbers run after run, other numbers than one worker; train() continues across calls", async () => {
    const a = await trained("two-a", rl.workers.local({ n: 2 }));
    const b = builder("two-b", rl.workers.local({ n: 2 })).build();
    const c = await trained("one-c", rl.workers.local({ n: 1 }));
    try {
      // the same work in two calls, the second starting mid-rollout
      await b.train({ steps: N * STEPS * 2 + N * 5, display: quiet });
      await b.train({ steps: N * STEPS * UPDATES - (N * STEPS * 2 + N * 5), display: quiet });
      assert.ok(same(params(a), params(b)), "two workers repeat their numbers");
      assert.ok(!same(params(a), params(c)), "slot 1 acts from its own streams");
      assert.deepEqual(a.workerStatus().map((s) => [s.worker, s.batches, s.envSteps]), [["local/0", UPDATES, (N / 2) * STEPS * UPDATES], ["local/1", UPDATES, (N / 2) * STEPS * UPDATES]]);
    } finally {
      a.dispose();
      b.dispose();
      c.dispose();
    }
  });

  test("lag 1: rollout k acts with version k − 1 while the learner trains; the same numbers run after run; save with a rollout ahead, load, continue bit for bit", async () => {
    const lagged = (id: string) => builder(id, rl.workers.local({ n: 2, lag: 1 }));
    const a = await trained("lag-a", rl.workers.local({ n: 2, lag: 1 }));
    const b = await trained("lag-b", rl.workers.local({ n: 2, lag: 1 }));
    const sync = await trained("lag-0", rl.workers.local({ n: 2 }));
    const dir = await mkdtemp(join(tmpdir(), "trellis-workers-lag-"));
    try {
      assert.ok(same(params(a), params(b)), "a lagged run repeats its numbers");
      assert.ok(!same(params(a), params(sync)), "acting with the version before gives other numbers");
      const lags = [...(a.metrics.getChild("policyLag")!.toArray() as Float64Array)];
      assert.deepEqual(lags, [0, 1, 1, 1, 1], "the first rollout acts with version 0, then one version behind");
      assert.deepEqual([...(sync.metrics.getChild("policyLag")!.toArray() as Float64Array)], [0, 0, 0, 0, 0]);
      assert.deepEqual([...(a.metrics.getChild("batchesSkipped")!.toArray() as Float64Array)], [0, 0, 0, 0, 0]);
      assert.deepEqual(a.workerStatus().map((s) => s.batches), [UPDATES + 1, UPDATES + 1], "one rollout asked for ahead");
      const first = lagged("lag-a").build();
      await first.train({ steps: N * STEPS * 2 + N * 7, display: quiet });
      await first.save(dir);
      first.dispose();
      const loaded = await rl.load(dir);
      await loaded.train({ steps: N * STEPS * UPDATES - (N * STEPS * 2 + N * 7), display: quiet });
      assert.ok(same(params(a), params(loaded)), "the loaded run continues bit for bit");
      await assert.rejects(rl.load(dir, { workers: rl.workers.local({ n: 2 }) }), /holds 1 rollouts asked for ahead; the run's lag is 0/);
      loaded.dispose();
    } finally {
      for (const r of [a, b, sync]) r.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("what workers cannot serve is refused at build time, by name", () => {
    const one = (f: () => unknown, pattern: RegExp) => {
      const problems = configProblems(f, true);
      assert.ok(problems.some((p) => pattern.test(p)), problems.join("\n"));
    };
    one(() => rl.env("CartPole-v1", { n: 3 }).algo(rl.ppo()).workers(rl.workers.local({ n: 2 })).build(), /3 env copies cannot be split evenly over 2 slots/);
    one(() => rl.env("CartPole-v1", { n: 2 }).algo(rl.ppo()).workers(rl.workers.local({ n: 0 })).build(), /workers.n: expected an integer in \[1, 256\], got 0/);
    one(() => rl.env("CartPole-v1", { n: 2 }).algo(rl.ppo()).workers(rl.workers.local({ n: 1, lag: 9 })).build(), /workers.lag: expected an integer in \[0, 8\] \(rollouts asked for ahead\), got 9/);
    one(() => rl.env("CartPole-v1", { n: 2 }).algo(rl.ppo()).workers(rl.workers.nats({ servers: "nats://x:1", slots: 1, lag: -1 })).build(), /workers.lag: expected an integer in \[0, 8\]/);
    one(() => rl.env("CartPole-v1", { n: 2 }).algo(rl.dqn()).workers(rl.workers.local({ n: 1 })).build(), /workers replay fixed-length rollouts/);
    one(() => rl.env("CartPole-v1", { n: 2 }).algo(rl.reinforce()).workers(rl.workers.local({ n: 1 })).build(), /collects with rl.collect.episodes\(\)/);
    one(() => rl.env("CartPole-v1", { n: 2 }).algo(rl.ppo()).workers(rl.workers.nats({ servers: [], slots: 2 })).build(), /workers.servers: expected a server URL/);
    one(
      () =>
        rl
          .env({ reset: () => [0], step: () => ({ obs: [0], reward: 0, terminated: true }), observationSpace: { kind: "box", shape: [1], low: [-1], high: [1] }, actionSpace: { kind: "discrete", n: 2 } } as never)
          .algo(rl.ppo())
          .workers(rl.workers.local({ n: 1 }))
          .build(),
      /custom env .* cannot travel to actors/,
    );
  });

  test("save mid-rollout, load, continue: the numbers of the run that never stopped (one worker: of the run without workers too)", async () => {
    for (const n of [1, 2]) {
      const whole = await trained(`whole-${n}`, rl.workers.local({ n }));
      const first = builder(`whole-${n}`, rl.workers.local({ n })).build();
      const dir = await mkdtemp(join(tmpdir(), "trellis-workers-"));
      try {
        // stop inside the third rollout
        await first.train({ steps: N * STEPS * 2 + N * 7, display: quiet });
        await first.save(dir);
        first.dispose();
        const loaded = await rl.load(dir);
        assert.equal(loaded.workers?.kind, "local");
        await loaded.train({ steps: N * STEPS * UPDATES - (N * STEPS * 2 + N * 7), display: quiet });
        assert.ok(same(params(whole), params(loaded)), `${n} worker(s): the loaded run continues bit for bit`);
        assert.deepEqual([...(loaded.metrics.getChild("episodicReturn")!.toArray() as Float64Array)], [...(whole.metrics.getChild("episodicReturn")!.toArray() as Float64Array)]);
        await assert.rejects(rl.load(dir, { workers: rl.workers.local({ n: 3 }) }), /holds 2 slots|holds 1 slots|cannot be split evenly/);
        loaded.dispose();
      } finally {
        whole.dispose();
        await rm(dir, { recursive: true, force: true });
      }
    }
  });
});

describe("NATS workers (a real nats-server -js, actor processes started with `trellis worker`)", () => {
  let dir: string;
  let server: LocalNatsServer;
  const processes: ChildProcess[] = [];
  const actor = (run: string, extra: string[] = []) => {
    const p = spawn(process.execPath, [cli, "worker", "--nats", server.url, "--run", run, "--quiet", ...extra], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    p.stdout!.on("data", (d) => (output += d));
    p.stderr!.on("data", (d) => (output += d));
    processes.push(p);
    return Object.assign(p, { output: () => output });
  };
  const exited = (p: ChildProcess) => new Promise<number | null>((resolve) => (p.exitCode !== null ? resolve(p.exitCode) : p.once("exit", (code) => resolve(code))));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "trellis-nats-run-"));
    server = await startNatsServer({ storeDir: join(dir, "store") });
  });
  after(async () => {
    for (const p of processes) if (p.exitCode === null) p.kill("SIGKILL");
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("two actor processes give bit for bit the numbers of two local workers", async () => {
    const actors = [actor("same-numbers"), actor("same-numbers")];
    const local = await trained("same-numbers", rl.workers.local({ n: 2 }));
    const nats = await trained("same-numbers", rl.workers.nats({ servers: server.url, slots: 2, timeoutMs: 30_000 }));
    try {
      assert.ok(same(params(local), params(nats)));
      const status = nats.workerStatus();
      assert.equal(status.reduce((n, s) => n + s.batches, 0), 2 * UPDATES, "each slot's batch counted once per update");
      assert.equal(status.length, 2, "two actors served");
    } finally {
      local.dispose();
      nats.dispose();
      for (const a of actors) a.kill("SIGTERM");
      for (const a of actors) assert.equal(await exited(a), 0, a.output());
    }
  });

  test("lag 2 with weights too large to travel inside tasks (the object store keeps each version in flight): bit for bit the numbers of local threads with lag 2", async () => {
    const big = (id: string, workers: WorkersSpec) => rl.env("CartPole-v1", { n: N, seed: 3 }).policy(rl.mlp([384, 384])).algo(rl.ppo({ numSteps: 16 }).advantage(rl.adv.vtrace())).record(false).name(id).workers(workers);
    const actors = [actor("lag-big"), actor("lag-big")];
    const local = big("lag-big", rl.workers.local({ n: 2, lag: 2 })).build();
    const nats = big("lag-big", rl.workers.nats({ servers: server.url, slots: 2, lag: 2, timeoutMs: 30_000 })).build();
    try {
      assert.ok(params(local).byteLength > 1024 * 1024, `${params(local).byteLength} bytes of parameters: more than a message holds`);
      await local.train({ steps: N * 16 * 6, display: quiet });
      await nats.train({ steps: N * 16 * 6, display: quiet });
      assert.ok(same(params(local), params(nats)));
      assert.deepEqual([...(nats.metrics.getChild("policyLag")!.toArray() as Float64Array)], [0, 1, 2, 2, 2, 2]);
      const nc = await connect({ servers: server.url });
      const kept = await (await new Objm(nc).open("trellis_lag-big")).list();
      await nc.close();
      assert.ok(kept.filter((o) => o.name.startsWith("policy-")).length <= 3, `versions no rollout acts with are removed: ${kept.map((o) => o.name).join(", ")}`);
    } finally {
      local.dispose();
      nats.dispose();
      for (const a of actors) a.kill("SIGTERM");
      for (const a of actors) assert.equal(await exited(a), 0, a.output());
    }
  });

  test("an actor killed mid-run (SIGKILL): a standby claims its slot once the lease runs out, the run finishes, nothing counted twice", async () => {
    const first = actor("kill-one");
    const standby = actor("kill-one");
    const run = builder("kill-one", rl.workers.nats({ servers: server.url, slots: 1, timeoutMs: 60_000, ackWaitMs: 2000 })).build();
    try {
      await run.train({ steps: N * STEPS, display: quiet });
      const served = run.workerStatus()[0]!.worker;
      const victim = [first, standby].find((p) => served.endsWith(`/${p.pid}`))!;
      assert.ok(victim, `the serving actor is one of ours: ${served}`);
      victim.kill("SIGKILL");
      await run.train({ steps: N * STEPS * 3, display: quiet });
      const status = run.workerStatus();
      assert.equal(status.length, 2, `both actors served: ${JSON.stringify(status)}`);
      assert.equal(status.reduce((n, s) => n + s.batches, 0), 4, "one batch per update, none twice");
      assert.equal(run.algo.updates, 4);
    } finally {
      run.dispose();
      for (const p of [first, standby]) if (p.exitCode === null) p.kill("SIGTERM");
    }
  });

  test("a learner restarted from its checkpoint while the actors keep running: they take the new job (the saved env copies) and the run continues bit for bit", async () => {
    const actors = [actor("restart"), actor("restart")];
    const spec = rl.workers.nats({ servers: server.url, slots: 2, timeoutMs: 30_000 });
    const reference = await trained("restart-ref", rl.workers.local({ n: 2 }));
    const first = builder("restart", spec).build();
    const dir = await mkdtemp(join(tmpdir(), "trellis-workers-"));
    try {
      await first.train({ steps: N * STEPS * 2 + N * 3, display: quiet });
      await first.save(dir);
      // the learner dies; the actors do not
      first.dispose();
      const loaded = await rl.load(dir);
      await loaded.train({ steps: N * STEPS * UPDATES - (N * STEPS * 2 + N * 3), display: quiet });
      assert.ok(same(params(reference), params(loaded)), "the numbers of the run that never stopped");
      assert.equal(loaded.workerSkipped(), 0);
      loaded.dispose();
    } finally {
      reference.dispose();
      await rm(dir, { recursive: true, force: true });
      for (const a of actors) a.kill("SIGTERM");
      for (const a of actors) assert.equal(await exited(a), 0, a.output());
    }
  });

  test("the server killed between two updates and restarted (file storage): learner and actors reconnect and the run finishes with its numbers", async () => {
    const storeDir = join(dir, "restart-server");
    let s = await startNatsServer({ storeDir });
    const logs = ["", ""];
    const actors = [0, 1].map((i) => {
      const p = spawn(process.execPath, [cli, "worker", "--nats", s.url, "--run", "server-restart", "--ack-wait", "2000"], { stdio: ["ignore", "pipe", "pipe"] });
      p.stdout!.on("data", (d) => (logs[i] += d));
      p.stderr!.on("data", (d) => (logs[i] += d));
      processes.push(p);
      return p;
    });
    const reference = await trained("server-restart-ref", rl.workers.local({ n: 2 }));
    const run = builder("server-restart", rl.workers.nats({ servers: s.url, slots: 2, timeoutMs: 60_000 })).build();
    try {
      await run.train({ steps: N * STEPS * 2, display: quiet });
      await s.kill();
      s = await startNatsServer({ storeDir, port: s.port });
      await run.train({ steps: N * STEPS * (UPDATES - 2), display: quiet }).catch((error: Error) => assert.fail(`${error.message}\nactors:\n${logs.join("\n")}`));
      assert.ok(same(params(reference), params(run)), `the numbers of a run whose server never stopped; actors:\n${logs.join("\n")}`);
    } finally {
      run.dispose();
      reference.dispose();
      for (const p of actors) p.kill("SIGTERM");
      await Promise.all(actors.map(exited));
      await s.stop();
    }
  });

  test("no actor serving: the learner says which slot waits and how to start one", async () => {
    const run = builder("nobody", rl.workers.nats({ servers: server.url, slots: 2, timeoutMs: 1500 })).build();
    try {
      await assert.rejects(run.train({ steps: N * STEPS, display: quiet }), /no batch of rollout 0 within 1500 ms from slot 0: no actor holds it; slot 1: no actor holds it: start actors with `trellis worker --nats .* --run nobody`/);
    } finally {
      run.dispose();
    }
  });

  test("an actor of another Trellis version refuses the job, one without the job's env too; a wrong password is refused by the server", async () => {
    const nc = await connect({ servers: server.url });
    const streams = await RunStreams.open(nc, "other-version");
    await streams.putJob({ run: "other-version", trellis: "0.0.1", envId: "CartPole-v1", envKwargs: {}, copies: 1, envStates: [[1, 2, 3, 4]], policy: rl.mlp([4]) });
    const handle = await startNatsActor({ servers: server.url, run: "other-version" });
    await assert.rejects(handle.done, /the learner runs Trellis 0\.0\.1, this actor/);
    // an env this process does not have (a custom one registered only in the learner's process)
    const other = await RunStreams.open(nc, "other-env");
    await other.putJob({ run: "other-env", trellis: VERSION, envId: "MyFactory-v0", envKwargs: {}, copies: 1, envStates: [[1, 2, 3, 4]], policy: rl.mlp([4]) });
    const noEnv = await startNatsActor({ servers: server.url, run: "other-env" });
    await assert.rejects(noEnv.done, /run other-env: this actor cannot serve the learner's job \(env MyFactory-v0\): Unknown env 'MyFactory-v0'/);
    await nc.close();
    const s = await startNatsServer({ storeDir: join(dir, "auth"), auth: { user: "u", pass: "right" } });
    try {
      const p = spawn(process.execPath, [cli, "worker", "--nats", s.url, "--run", "x", "--user", "u", "--pass", "wrong"], { stdio: ["ignore", "pipe", "pipe"] });
      let err = "";
      p.stderr!.on("data", (d) => (err += d));
      assert.equal(await exited(p), 1);
      assert.match(err, /Authorization Violation/i);
    } finally {
      await s.stop();
    }
  });

  test("nkey authentication: actors and learner holding a seed the server knows train; another key is refused; a file without a seed is named", async () => {
    const key = rl.workers.createUserNkey();
    const stranger = rl.workers.createUserNkey();
    assert.match(key.publicKey, /^U[A-Z2-7]{55}$/);
    assert.match(key.seed, /^SU[A-Z2-7]{56}$/);
    const seedFile = join(dir, "actor.nk");
    const strangerFile = join(dir, "stranger.nk");
    const badFile = join(dir, "bad.nk");
    await writeFile(seedFile, `${key.seed}\n`, { mode: 0o600 });
    await writeFile(strangerFile, stranger.seed);
    await writeFile(badFile, "not a seed");
    const s = await startNatsServer({ storeDir: join(dir, "nkeys"), auth: { nkeys: [key.publicKey] } });
    const actors = rl.workers.spawnActors({ servers: s.url, run: "nkeys", n: 2, nkeySeedFile: seedFile });
    try {
      const reference = await trained("nkeys-ref", rl.workers.local({ n: 2 }), 2);
      const run = await trained("nkeys", rl.workers.nats({ servers: s.url, slots: 2, nkeySeedFile: seedFile, timeoutMs: 30_000 }), 2);
      assert.ok(same(params(reference), params(run)), "the numbers of local workers");
      reference.dispose();
      run.dispose();
      const refused = spawn(process.execPath, [cli, "worker", "--nats", s.url, "--run", "nkeys", "--nkey-seed-file", strangerFile], { stdio: ["ignore", "pipe", "pipe"] });
      let err = "";
      refused.stderr!.on("data", (d) => (err += d));
      assert.equal(await exited(refused), 1);
      assert.match(err, /Authorization Violation/i);
      const bad = spawn(process.execPath, [cli, "worker", "--nats", s.url, "--run", "nkeys", "--nkey-seed-file", badFile], { stdio: ["ignore", "pipe", "pipe"] });
      let badErr = "";
      bad.stderr!.on("data", (d) => (badErr += d));
      assert.equal(await exited(bad), 1);
      assert.match(badErr, /nkey seed file .*bad\.nk: expected a user nkey seed/);
      const both = spawn(process.execPath, [cli, "worker", "--nats", s.url, "--run", "nkeys", "--nkey-seed-file", seedFile, "--user", "u", "--pass", "p"], { stdio: ["ignore", "pipe", "pipe"] });
      let bothErr = "";
      both.stderr!.on("data", (d) => (bothErr += d));
      assert.equal(await exited(both), 2);
      assert.match(bothErr, /give --user\/--pass or --nkey-seed-file, not both/);
      assert.deepEqual(configProblems(() => rl.env("CartPole-v1", { n: 2 }).algo(rl.ppo()).workers(rl.workers.nats({ servers: s.url, slots: 1, nkeySeedFile: seedFile, user: "u", pass: "p" })).build(), true), ["workers wrong-type: workers: give user/pass or nkeySeedFile, not both"]);
    } finally {
      await actors.stop();
      await s.stop();
    }
  });
});
