// The CLI a user runs, through a real process (`npm start` runs `trellis run` on the quickstart notebook: test/notebooks/notebooks.test.ts).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { rl } from "../lib/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const cli = (...args: string[]) => spawnSync(process.execPath, [join(root, "dist/kernel/cli.js"), ...args], { encoding: "utf8", env: { ...process.env, TRELLIS_QUIET: "1" } });

test("trellis demo trains PPO on CartPole, prints a JSON summary and exits 0 only when solved", () => {
  const r = cli("demo", "--steps", "4096", "--seed", "1");
  const summary = JSON.parse(r.stdout.slice(r.stdout.indexOf("{"))) as { env: string; steps: number; stopped: string; evalMeanReturn: number; evalEpisodes: number };
  assert.equal(summary.env, "CartPole-v1");
  assert.equal(summary.steps, 4096);
  assert.equal(summary.stopped, "steps");
  assert.equal(summary.evalEpisodes, 20);
  assert.equal(r.status, summary.evalMeanReturn >= 475 ? 0 : 1);
});

test("trellis train runs an algorithm on an env and saves a loadable checkpoint", async () => {
  const dir = await mkdtemp(join(tmpdir(), "trellis-cli-"));
  try {
    const r = cli("train", "--env", "CartPole-v1", "--algo", "a2c", "--steps", "1000", "--n", "4", "--save", join(dir, "ckpt"));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /saved to/);
    const run = await rl.load(join(dir, "ckpt"));
    assert.equal(run.algo.name, "a2c");
    assert.equal(run.step, 1000);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("trellis explains bad commands and options", () => {
  const unknown = cli("bogus");
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command 'bogus'/);
  const noEnv = cli("train");
  assert.equal(noEnv.status, 2);
  assert.match(noEnv.stderr, /--env ID is required/);
  const badAlgo = cli("train", "--env", "CartPole-v1", "--algo", "nope");
  assert.equal(badAlgo.status, 2);
  assert.match(badAlgo.stderr, /unknown --algo 'nope'; known: ppo, a2c/);
  const help = cli("--help");
  assert.equal(help.status, 0);
  assert.match(help.stdout, /trellis demo/);
});
