import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Worker } from "node:worker_threads";
import { KernelHarness, resultText } from "./harness.js";

let dir: string;
let k: KernelHarness;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "trellis-interrupt-"));
  k = new KernelHarness(dir);
  await k.kernel.warmUp();
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What the ZMQ thread does on interrupt_request while the main thread is busy: raise the flag, send SIGINT. */
function interruptFromAnotherThread(afterMs: number, withSignal: boolean): Worker {
  const flag = k.kernel.sessionState!.executor.flag;
  return new Worker(
    `const { workerData } = require("node:worker_threads");
     const flag = new Int32Array(workerData.sab);
     setTimeout(() => { Atomics.store(flag, 0, 1); if (workerData.signal) process.kill(process.pid, "SIGINT"); }, workerData.afterMs);`,
    { eval: true, workerData: { sab: flag.buffer, afterMs, signal: withSignal } },
  );
}

test("interrupting an awaiting cell (interrupt_request on control) answers at once; variables survive", async () => {
  await k.execute("let kept = 'still here';");
  const t0 = performance.now();
  const req = k.send("shell", "execute_request", { code: "await new Promise((r) => setTimeout(r, 60_000).unref());" });
  await new Promise((r) => setTimeout(r, 150));
  const ir = await k.request("control", "interrupt_request", {});
  assert.equal(ir.reply.header.msg_type, "interrupt_reply");
  await k.until(() => k.exchange(req).reply !== undefined);
  const ms = performance.now() - t0;
  assert.equal(k.exchange(req).reply.content.status, "error");
  assert.equal(k.exchange(req).reply.content.ename, "Interrupted");
  assert.ok(ms < 2_000, `answered after ${ms.toFixed(0)} ms`);
  assert.equal(resultText(await k.execute("kept")), "'still here'");
});

test("interrupting `while (true) {}`: the loop guard stops it (flag from another thread)", async () => {
  const w = interruptFromAnotherThread(300, false);
  const ex = await k.execute("let spins = 0;\nwhile (true) { spins++; }");
  await w.terminate();
  assert.equal(ex.reply.content.ename, "Interrupted");
  assert.equal(resultText(await k.execute("spins > 1000")), "true");
});

test("interrupting synchronous code without loop guards: SIGINT breaks it (vm breakOnSigint)", async () => {
  const w = interruptFromAnotherThread(300, true);
  const ex = await k.execute('eval("while (true) {}")');
  await w.terminate();
  assert.equal(ex.reply.content.ename, "Interrupted");
  assert.equal(resultText(await k.execute("'alive'")), "'alive'");
});

test("an interrupted train() leaves the run consistent: the next cell continues it", async () => {
  await k.execute('import { rl } from "trellis";\nconst run = rl.env("CartPole-v1", { n: 4, seed: 3 }).algo(rl.ppo()).build();');
  const req = k.send("shell", "execute_request", { code: "await run.train({ steps: 50_000_000 });" });
  await new Promise((r) => setTimeout(r, 500));
  await k.request("control", "interrupt_request", {});
  await k.until(() => k.exchange(req).reply !== undefined);
  assert.equal(k.exchange(req).reply.content.ename, "Interrupted");
  const at = Number(resultText(await k.execute("run.step")));
  assert.ok(at > 0 && at < 50_000_000, `stopped at step ${at}`);
  // The run's own records agree with its counter, and training goes on from there.
  assert.equal(resultText(await k.execute("run.data.numRows === run.step")), "true");
  const more = await k.execute("await run.train({ steps: 512 }); run.step");
  assert.equal(resultText(more), String(at + 512), JSON.stringify(more.reply.content));
});

test("an interrupt that arrives while a cell is still being type checked stops it before it starts; the next cell runs", async () => {
  const checker = (k.kernel.sessionState as unknown as { checker: { check: (...a: unknown[]) => unknown } }).checker;
  const check = checker.check;
  // The interrupt lands between the request and the cell's start, as a slow first type check lets it.
  checker.check = (...a: unknown[]) => {
    const diagnostics = check.apply(checker, a);
    k.kernel.sessionState!.executor.interrupt();
    return diagnostics;
  };
  try {
    const ex = await k.execute("globalThis.startedAnyway = true; let spin = 0; while (true) { spin++; }");
    assert.equal(ex.reply.content.status, "error");
    assert.equal(ex.reply.content.ename, "Interrupted");
  } finally {
    checker.check = check;
  }
  assert.equal(resultText(await k.execute("(globalThis as Record<string, unknown>).startedAnyway === undefined")), "true");
  assert.equal(resultText(await k.execute("'runs again'")), "'runs again'");
});

test("an interrupt that arrives while the kernel still loads stops the cell sent before it; one sent while idle stops nothing later", async () => {
  const cold = new KernelHarness(dir);
  const req = cold.send("shell", "execute_request", { code: "await new Promise((r) => setTimeout(r, 60_000).unref());" });
  const ir = cold.send("control", "interrupt_request", {});
  await cold.until(() => cold.exchange(ir).reply !== undefined);
  assert.equal(cold.sessionStateLoaded(), false, "the interrupt came before the kernel had loaded");
  await cold.until(() => cold.exchange(req).reply !== undefined, 30_000);
  assert.equal(cold.exchange(req).reply.content.ename, "Interrupted");
  // Idle now: an interrupt is meant for nothing and is dropped, by signal (no arrival number) or by message.
  cold.kernel.sessionState!.executor.interrupt();
  assert.equal(resultText(await cold.execute("'not interrupted by the signal'")), "'not interrupted by the signal'");
  await cold.request("control", "interrupt_request", {});
  assert.equal(resultText(await cold.execute("'not interrupted by the message'")), "'not interrupted by the message'");
});
