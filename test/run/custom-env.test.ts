import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { box, defineEnv, discrete, rl, type CustomEnv } from "../../lib/index.js";
import { META_ENV_ID } from "../../lib/data/schema.js";
import { Rng } from "../../lib/random/rng.js";
import { fingerprint, savedFingerprints } from "../helpers/checkpoints.js";

/** A corridor written the way a notebook user would: walk right to reach the goal. */
class Corridor implements CustomEnv {
  readonly observationSpace = box(0, 1, [1]);
  readonly actionSpace = discrete(2);
  readonly maxEpisodeSteps = 30;
  pos = 0;
  constructor(readonly opts: { length?: number } = {}) {}
  reset() {
    this.pos = 0;
    return [0];
  }
  step(action: number | Float32Array) {
    const length = this.opts.length ?? 5;
    this.pos = Math.max(0, Math.min(length, this.pos + (action === 1 ? 1 : -1)));
    const done = this.pos === length;
    return { obs: [this.pos / length], reward: done ? 1 : -0.01, terminated: done };
  }
}

test("a class defined in a cell is vectorized automatically and trained", async () => {
  const run = rl.env(Corridor, { n: 8, seed: 1, length: 4 }).policy(rl.mlp([16])).algo(rl.ppo({ numSteps: 32, lr: 3e-3 })).build();
  await run.train({ steps: 8192 });
  const ev = await run.evaluate({ episodes: 4 });
  // The shortest path takes 4 steps: 3 × −0.01 + 1.
  for (const r of ev.returns) assert.ok(Math.abs(r - 0.97) < 1e-6, `greedy return ${r}`);
});

test("a run on an unregistered class explains how to make it saveable", async () => {
  const run = rl.env(Corridor, { n: 2 }).algo(rl.ppo({ numSteps: 8, minibatches: 2 })).build();
  await assert.rejects(run.save(join(tmpdir(), "never-written")), /register it \(registerEnv\('MyEnv-v0', MyEnv\), the class or definition itself\)/);
});

test("registerEnv takes the class itself: a run from its id records the id, learns offline from its own data, saves and loads", async () => {
  rl.registerEnv("Corridor-v0", Corridor, { description: "test fixture" });
  const run = rl.env("Corridor-v0", { n: 4, seed: 2, length: 3 }).algo(rl.ppo({ numSteps: 16, minibatches: 2 })).build();
  await run.train({ steps: 256 });
  assert.equal(run.env.id, "Corridor-v0");
  assert.equal(run.data.schema.metadata.get(META_ENV_ID), "Corridor-v0", "the data names the id, not the class");
  const offline = rl.offline(rl.dataset.from(run.data)).algo(rl.bc()).build();
  await offline.train({ updates: 4 });
  const dir = await mkdtemp(join(tmpdir(), "trellis-registered-class-"));
  try {
    await run.save(join(dir, "run"));
    const back = await rl.load(join(dir, "run"));
    assert.equal(back.step, run.step);
    await back.train({ steps: 64 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("registerEnv takes an env definition; a factory that returns one env (not a VecEnv) and other values get errors that say what to pass", () => {
  rl.registerEnv("Coin-v0", defineEnv({ observationSpace: box(0, 1, [1]), actionSpace: discrete(2), reset: () => ({ state: 0, obs: [0] }), step: (_s, a) => ({ state: 0, obs: [0], reward: a === 1 ? 1 : 0, terminated: true }) }));
  const env = rl.makeVec("Coin-v0", { n: 3 });
  assert.equal(env.id, "Coin-v0");
  assert.equal(env.numEnvs, 3);
  // An old-style constructor (prototype methods) is a class too.
  function OldCoin(this: { t: number }) {
    this.t = 0;
  }
  Object.assign(OldCoin.prototype, { observationSpace: box(0, 1, [1]), actionSpace: discrete(2), reset: () => [0], step: () => ({ obs: [0], reward: 1, terminated: true }) });
  rl.registerEnv("OldCoin-v0", OldCoin as never);
  assert.equal(rl.makeVec("OldCoin-v0", { n: 2 }).numEnvs, 2);
  rl.registerEnv("OneCorridor-v0", () => new Corridor() as never);
  assert.throws(() => rl.makeVec("OneCorridor-v0"), /registerEnv\('OneCorridor-v0'\): the factory returned one env, not a VecEnv; register the class itself \(registerEnv\('OneCorridor-v0', MyEnv\)\) or a factory \(o\) => vectorize\(MyEnv, o\)/);
  assert.throws(() => rl.registerEnv("Nothing-v0", 42 as never), /expected an env class, an env definition or a factory \(options\) => VecEnv, got number/);
  assert.throws(() => rl.registerEnv("Half-v0", { observationSpace: box(0, 1, [1]) } as never), /an env definition needs reset\(\) and step\(\)/);
});

test("a save killed at any moment (kill -9), 20 times: the next load gives the old or the new checkpoint whole, and the next save leaves no temporary folders", async () => {
  const dir = await mkdtemp(join(tmpdir(), "trellis-crash-"));
  const target = join(dir, "ckpt");
  const log = join(dir, "saves.log");
  const script = join(dirname(fileURLToPath(import.meta.url)), "save-loop.js");
  const rng = Rng.fromSeed(7);
  try {
    for (let attempt = 0; attempt < 20; attempt++) {
      const child = spawn(process.execPath, [script, target, log], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, TRELLIS_QUIET: "1" } });
      // Wait until the child has saved at least once, then kill it at a random moment of its save loop.
      await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
      await new Promise((r) => setTimeout(r, 5 + rng.int(60)));
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      const loaded = await rl.load(target);
      assert.ok(loaded.step > 0);
      assert.equal(fingerprint(loaded), (await savedFingerprints(log)).get(loaded.step), `kill ${attempt}: the load is one whole save`);
      const stray = (await readdir(dir)).filter((f) => f !== "ckpt" && f !== "saves.log");
      for (const f of stray) assert.match(f, /^\.ckpt\.(tmp|old)-/, "only temporary siblings can be left over");
      await loaded.save(target);
      loaded.dispose();
      assert.deepEqual((await readdir(dir)).sort(), ["ckpt", "saves.log"], `kill ${attempt}: the next save removed the dead writer's temporary folders ${stray.join(", ")}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a crash between the two renames of a save is recovered on load", async () => {
  const { writeDirAtomic, recoverDir } = await import("../../lib/run/atomic-dir.js");
  const { rename, writeFile, readFile } = await import("node:fs/promises");
  const dir = await mkdtemp(join(tmpdir(), "trellis-recover-"));
  try {
    const target = join(dir, "ckpt");
    await writeDirAtomic(target, (tmp) => writeFile(join(tmp, "v"), "1"));
    // Simulate the crash: the old version was moved aside by a writer (a process that has ended since), the new one never arrived.
    const { pid } = spawnSync(process.execPath, ["-e", ""]);
    await rename(target, join(dir, `.ckpt.old-${pid}-0-x`));
    assert.equal(await recoverDir(target), "recovered");
    assert.equal(await readFile(join(target, "v"), "utf8"), "1");
    assert.equal(await recoverDir(target), "present");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
