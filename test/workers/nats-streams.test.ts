/**
 * The run's JetStream streams against a real `nats-server -js` on loopback
 * (file storage in a temporary directory): tasks, batches, weights, and the
 * faults the scale-out path must survive.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Objm } from "@nats-io/obj";
import { startNatsServer, type LocalNatsServer } from "../../lib/workers/nats/server.js";
import { RunStreams } from "../../lib/workers/nats/run-streams.js";

let dir: string;
let server: LocalNatsServer;
const connections: NatsConnection[] = [];

async function client(url = server.url, extra: Record<string, unknown> = {}): Promise<NatsConnection> {
  const nc = await connect({ servers: url, reconnectTimeWait: 100, maxReconnectAttempts: 50, ...extra });
  connections.push(nc);
  return nc;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "trellis-nats-"));
  server = await startNatsServer({ storeDir: join(dir, "store") });
});

after(async () => {
  for (const nc of connections) await nc.close().catch(() => {});
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const bytesOf = (text: string) => new TextEncoder().encode(text);
const textOf = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("a run's streams on a real nats-server", () => {
  test("tasks go to actors, batches come back in order with their positions, weights round-trip bit for bit", async () => {
    const learner = await RunStreams.open(await client(), "roundtrip");
    const actor = await RunStreams.open(await client(), "roundtrip");
    assert.equal(await actor.weights(3), null);
    const params = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 1e-3);
    await learner.putWeights(3, params);
    for (let i = 0; i < 3; i++) await learner.publishTask(0, { id: `t${i}`, policyVersion: 3, body: { steps: 8 } });
    for (let i = 0; i < 3; i++) {
      const task = (await actor.nextTask(0))!;
      assert.equal(task.id, `t${i}`);
      assert.equal(task.deliveries, 1);
      assert.deepEqual(task.body, { steps: 8 });
      const w = (await actor.weights(3))!;
      assert.equal(w.version, 3);
      assert.deepEqual(w.params, params);
      assert.equal(await actor.weights(2), null, "only the versions stored are there");
      const stored = await actor.publishBatch(task.id, bytesOf(`batch ${i}`));
      assert.deepEqual(stored, { duplicate: false, position: i + 1 });
      await task.ack();
    }
    assert.equal(await actor.nextTask(0, 1000), null, "the work queue is empty once every task is acked");
    await learner.putWeights(4, params.map((x) => -x));
    await learner.deleteWeights(3);
    assert.equal(await actor.weights(3), null, "a version removed by the learner is gone");
    assert.deepEqual((await actor.weights(4))!.params, params.map((x) => -x));
    const reader = await learner.batchesAfter(0);
    for (let i = 0; i < 3; i++) {
      const b = (await reader.next())!;
      assert.deepEqual([b.position, b.id, textOf(b.bytes)], [i + 1, `t${i}`, `batch ${i}`]);
    }
    assert.deepEqual(await learner.counts(), { batches: 3, lastPosition: 3, tasks: 0 });
  });

  test("an actor that dies holding a task: the task goes to another after ackWait, and a batch published twice is stored once", async () => {
    const learner = await RunStreams.open(await client(), "faults", { ackWaitMs: 400 });
    await learner.publishTask(0, { id: "a", policyVersion: 0, body: {} });
    await learner.publishTask(0, { id: "b", policyVersion: 0, body: {} });
    // actor 1 takes task a and dies before publishing; then takes task b, publishes and dies before acking
    const doomedConnection = await client();
    const doomed = await RunStreams.open(doomedConnection, "faults", { ackWaitMs: 400 });
    assert.equal((await doomed.nextTask(0))!.id, "a");
    const b = (await doomed.nextTask(0))!;
    assert.equal(b.id, "b");
    await doomed.publishBatch("b", bytesOf("b from actor 1"));
    await doomedConnection.close();
    const survivor = await RunStreams.open(await client(), "faults", { ackWaitMs: 400 });
    const redone: string[] = [];
    for (let k = 0; k < 2; k++) {
      const task = (await survivor.nextTask(0, 3000))!;
      assert.ok(task, "the dead actor's tasks are delivered again");
      assert.equal(task.deliveries, 2);
      const r = await survivor.publishBatch(task.id, bytesOf(`${task.id} from actor 2`));
      assert.equal(r.duplicate, task.id === "b", `batch ${task.id}: duplicate ${r.duplicate}`);
      await task.ack();
      redone.push(task.id);
    }
    assert.deepEqual(redone.sort(), ["a", "b"]);
    const reader = await learner.batchesAfter(0);
    const got = [(await reader.next())!, (await reader.next())!].map((x) => `${x.id}: ${textOf(x.bytes)}`);
    assert.deepEqual(got, ["b: b from actor 1", "a: a from actor 2"]);
    assert.equal(await reader.next(1000), null, "nothing counted twice");
  });

  test("a learner restarted from its checkpoint's position reads the next batch: none lost, none twice", async () => {
    const streams = await RunStreams.open(await client(), "restart");
    for (let i = 1; i <= 5; i++) await streams.publishBatch(`x${i}`, bytesOf(`batch ${i}`));
    const first = await streams.batchesAfter(0);
    const read = [(await first.next())!, (await first.next())!];
    const position = read[1]!.position;
    const again = await RunStreams.open(await client(), "restart");
    const reader = await again.batchesAfter(position);
    const rest: string[] = [];
    for (let b = await reader.next(1000); b; b = await reader.next(1000)) rest.push(textOf(b.bytes));
    assert.deepEqual([...read.map((b) => textOf(b.bytes)), ...rest], ["batch 1", "batch 2", "batch 3", "batch 4", "batch 5"]);
  });

  test("a killed and restarted server keeps the streams, the waiting tasks and the weights (file storage)", async () => {
    const storeDir = join(dir, "restart-store");
    let s = await startNatsServer({ storeDir });
    try {
      const nc = await connect({ servers: s.url });
      const streams = await RunStreams.open(nc, "durable");
      await streams.putWeights(7, Float32Array.of(1, 2, 3));
      await streams.publishTask(0, { id: "t", policyVersion: 7, body: {} });
      await streams.publishBatch("x", bytesOf("kept"));
      await nc.close();
      await s.kill();
      s = await startNatsServer({ storeDir, port: s.port });
      const back = await RunStreams.open(await connect({ servers: s.url }), "durable");
      assert.deepEqual(await back.counts(), { batches: 1, lastPosition: 1, tasks: 1 });
      assert.deepEqual((await back.weights(7))!.params, Float32Array.of(1, 2, 3));
      assert.equal((await back.nextTask(0))!.id, "t");
      assert.equal(textOf((await (await back.batchesAfter(0)).next())!.bytes), "kept");
      await back.nc.close();
    } finally {
      await s.stop();
    }
  });

  test("user/password authentication: refused without, accepted with", async () => {
    const s = await startNatsServer({ storeDir: join(dir, "auth-store"), auth: { user: "trellis", pass: "s3cret" } });
    try {
      await assert.rejects(connect({ servers: s.url, maxReconnectAttempts: 0 }), /Authorization Violation/i);
      const nc = await connect({ servers: s.url, user: "trellis", pass: "s3cret" });
      await RunStreams.open(nc, "auth");
      await nc.close();
    } finally {
      await s.stop();
    }
  });

  test("clear errors: a bad run id, weights of another Trellis version, a batch over max_payload, a malformed task", async () => {
    const nc = await client();
    await assert.rejects(RunStreams.open(nc, "has.dot"), /run id must be 1–64 letters/);
    const streams = await RunStreams.open(nc, "errors");
    const bucket = await new Objm(nc).open("trellis_errors");
    await bucket.putBlob({ name: "policy-1", metadata: { version: "1", trellis: "0.0.1", length: "1" } }, new Uint8Array(4));
    await assert.rejects(streams.weights(1), /written by Trellis 0\.0\.1, this actor runs/);
    await assert.rejects(streams.publishBatch("big", new Uint8Array(2 * 1024 * 1024)), /more than the server's max_payload/);
    await streams.js.publish(`${streams.tasksSubject}.0`, "{nope");
    await assert.rejects(streams.nextTask(0), /not JSON/);
    await streams.js.publish(`${streams.tasksSubject}.0`, JSON.stringify({ id: "", policyVersion: 1, body: {} }));
    await assert.rejects(streams.nextTask(0), /expected \{ id: non-empty string/);
  });
});
