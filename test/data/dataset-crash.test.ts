import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { openDataset } from "../../lib/data/dataset.js";

for (const format of ["arrow", "parquet"] as const) {
  test(`a dataset save killed at any moment (kill -9) leaves a complete ${format} file in place`, async () => {
    const dir = await mkdtemp(join(tmpdir(), "trellis-ds-crash-"));
    const target = join(dir, `data.${format}`);
    const script = join(dirname(fileURLToPath(import.meta.url)), "dataset-save-loop.js");
    try {
      for (let attempt = 0; attempt < 6; attempt++) {
        const child = spawn(process.execPath, [script, target, format], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, TRELLIS_QUIET: "1" } });
        await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
        child.kill("SIGKILL");
        await new Promise((r) => child.once("exit", r));
        const ds = await openDataset(target);
        assert.ok(ds.numSteps > 0, "the file in place is a complete dataset");
        for (const f of await readdir(dir)) if (f !== `data.${format}`) assert.match(f, /^\.data\..*\.tmp-/, "only temporary siblings can be left over");
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
