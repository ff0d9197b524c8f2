import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { box, discrete, rl, type CustomEnv } from "../../lib/index.js";
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
  await assert.rejects(run.save(join(tmpdir(), "never-written")), /register it with registerEnv\(id, factory\)/);
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
