import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { rl, type AlgoInstance } from "../../lib/index.js";

// Runs saved by the algorithm classes that preceded the engine (commit 197d3f4), each after 301 steps,
// and the metrics and final parameters that code reached after 400 more steps (continued.json).
const fixtures = new URL("../../../test/fixtures/checkpoints-pre-engine/", import.meta.url);
const continued = JSON.parse(await readFile(new URL("continued.json", fixtures), "utf8")) as Record<string, { steps: number; metrics: Record<string, (string | null)[]>; params: string }>;

for (const [name, expected] of Object.entries(continued)) {
  test(`a ${name} checkpoint saved before the engine loads and continues with the same numbers`, async () => {
    const dir = await mkdtemp(join(tmpdir(), "trellis-legacy-"));
    try {
      await cp(new URL(name, fixtures), join(dir, name), { recursive: true });
      const run = await rl.load(join(dir, name));
      await run.train({ steps: expected.steps });
      const t = run.metrics;
      for (const [metric, values] of Object.entries(expected.metrics)) {
        const col = t.getChild(metric);
        assert.ok(col, `metric ${metric}`);
        assert.deepEqual(Array.from(col.toArray() as ArrayLike<number>, (v) => (v === null || v === undefined ? null : String(v))), values, `metric ${metric}`);
      }
      const p = (run.algo as AlgoInstance).saveState().arrays.params as Float32Array;
      assert.equal(createHash("sha256").update(new Uint8Array(p.buffer, p.byteOffset, p.byteLength)).digest("hex"), expected.params, "SHA-256 of the final parameters");
      run.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
