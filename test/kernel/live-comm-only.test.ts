// TRELLIS_LIVE_SOCKET=0: the kernel opens no loopback socket; training views are told of the comm target only.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { KernelHarness, ofType } from "./harness.js";
import { payload } from "../helpers/widgets.js";
import type { TrainingData } from "../../widgets/shared/types.js";

test("with TRELLIS_LIVE_SOCKET=0 a training view gets the comm target and no socket URL", async () => {
  const dir = await mkdtemp(join(tmpdir(), "trellis-comm-only-"));
  process.env.TRELLIS_LIVE_SOCKET = "0";
  try {
    const k = new KernelHarness(dir);
    const ex = await k.execute('import { rl } from "trellis";\nawait rl.env("CartPole-v1", { seed: 1 }).algo(rl.ppo({ numSteps: 64 })).build().train({ steps: 4096 });');
    const first = ofType(ex, "display_data").find((m) => /data-kind="training"/.test((m.content.data as Record<string, string>)["text/html"] ?? ""))!;
    const data = payload<{ training: TrainingData }>((first.content.data as Record<string, string>)["text/html"]!).training;
    assert.deepEqual(data.live, { comm: "trellis.live" });
  } finally {
    delete process.env.TRELLIS_LIVE_SOCKET;
    await rm(dir, { recursive: true, force: true });
  }
});
