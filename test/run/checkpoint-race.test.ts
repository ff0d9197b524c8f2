import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { rl } from "../../lib/index.js";
import { fingerprint, savedFingerprints } from "../helpers/checkpoints.js";

const saveLoop = join(dirname(fileURLToPath(import.meta.url)), "save-loop.js");

test("200 loads racing a process that saves the same directory in a loop each return exactly one whole save", async () => {
  const dir = await mkdtemp(join(tmpdir(), "trellis-race-"));
  const target = join(dir, "ckpt");
  const log = join(dir, "saves.log");
  const child = spawn(process.execPath, [saveLoop, target, log], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, TRELLIS_QUIET: "1" } });
  const exited = new Promise((r) => child.once("exit", r));
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.once("data", () => resolve());
      child.once("exit", (code) => reject(new Error(`the saving child exited (${code}) before its first save`)));
    });
    const hybrids: string[] = [];
    const errors: string[] = [];
    const steps = new Set<number>();
    for (let i = 0; i < 200; i++) {
      let run;
      try {
        run = await rl.load(target);
      } catch (error) {
        errors.push((error as Error).message);
        continue;
      }
      const expected = (await savedFingerprints(log)).get(run.step);
      if (fingerprint(run) !== expected) hybrids.push(`load ${i}: step ${run.step} with state that no save at that step wrote`);
      steps.add(run.step);
      run.dispose();
    }
    assert.deepEqual({ hybrids: hybrids.length, errors: errors.length }, { hybrids: 0, errors: 0 }, [...hybrids, ...errors].slice(0, 5).join("\n"));
    // The loads really raced the saves: they saw many different ones.
    assert.ok(steps.size >= 10, `the 200 loads saw only ${steps.size} different saves`);
  } finally {
    child.kill("SIGKILL");
    await exited;
    await rm(dir, { recursive: true, force: true });
  }
});
