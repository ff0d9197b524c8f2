import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ReplayBatch, ReplayBuffer } from "../../../lib/algos/off-policy/replay-buffer.js";
import { Rng } from "../../../lib/random/rng.js";

/** Adds `n` transitions whose fields encode their index t: obs [t, −t], next obs [t + 1, −t − 1], action t % 3, reward 10t, terminated t % 2. */
function fill(buf: ReplayBuffer, from: number, n: number): void {
  const obs = new Float32Array(n * 2);
  const next = new Float32Array(n * 2);
  const actions = new Int32Array(n);
  const rewards = new Float32Array(n);
  const term = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const t = from + i;
    obs.set([t, -t], i * 2);
    next.set([t + 1, -t - 1], i * 2);
    actions[i] = t % 3;
    rewards[i] = 10 * t;
    term[i] = t % 2;
  }
  buf.addBatch(obs, actions, rewards, next, term, n);
}

describe("ReplayBuffer", () => {
  test("a ring buffer: once full, each new transition overwrites the oldest", () => {
    const buf = new ReplayBuffer(3, 2, 1, true);
    fill(buf, 0, 2);
    assert.equal(buf.size, 2);
    assert.equal(buf.position, 2);
    fill(buf, 2, 2); // t = 2 goes to row 2, t = 3 overwrites row 0
    assert.equal(buf.size, 3);
    assert.equal(buf.position, 1);
    assert.deepEqual(Array.from(buf.obs.subarray(0, 6)), [3, -3, 1, -1, 2, -2]);
    assert.deepEqual(Array.from(buf.nextObs.subarray(0, 2)), [4, -4]);
    assert.deepEqual(Array.from(buf.actions.subarray(0, 3)), [0, 1, 2]);
    assert.deepEqual(Array.from(buf.rewards.subarray(0, 3)), [30, 10, 20]);
    assert.deepEqual(Array.from(buf.terminated.subarray(0, 3)), [1, 1, 0]);
  });

  test("samples uniformly with replacement, one rng.int(size) per row, and copies whole transitions", () => {
    const buf = new ReplayBuffer(100, 2, 1, true);
    fill(buf, 0, 5);
    const batch = new ReplayBatch(64, 2, 1, true);
    buf.sample(Rng.fromSeed(3), batch);
    const rng = Rng.fromSeed(3);
    for (let r = 0; r < 64; r++) {
      const i = rng.int(5);
      assert.equal(batch.indices[r], i);
      assert.deepEqual(Array.from(batch.obs.subarray(r * 2, r * 2 + 2)), [i, -i]);
      assert.deepEqual(Array.from(batch.nextObs.subarray(r * 2, r * 2 + 2)), [i + 1, -i - 1]);
      assert.equal(batch.actions[r], i % 3);
      assert.equal(batch.rewards[r], 10 * i);
      assert.equal(batch.terminated[r], i % 2);
    }
    assert.equal(new Set(batch.indices).size, 5, "every stored row is drawn from a batch of 64");
  });

  test("continuous actions keep their rows", () => {
    const buf = new ReplayBuffer(4, 1, 2, false);
    buf.addBatch(Float32Array.of(1, 2), Float32Array.of(0.5, -0.5, 1.5, -1.5), Float32Array.of(0, 1), Float32Array.of(3, 4), [0, 0], 2);
    const batch = new ReplayBatch(8, 1, 2, false);
    buf.sample(Rng.fromSeed(1), batch);
    for (let r = 0; r < 8; r++) {
      const i = batch.indices[r]!;
      assert.deepEqual(Array.from(batch.actions.subarray(r * 2, r * 2 + 2)), i === 0 ? [0.5, -0.5] : [1.5, -1.5]);
    }
  });

  test("storage grows by doubling up to the capacity", () => {
    const buf = new ReplayBuffer(1_000_000, 3, 1, true);
    assert.equal(buf.obs.length, 1024 * 3, "starts small");
    fill2(buf, 1500);
    assert.equal(buf.obs.length, 2048 * 3);
    const small = new ReplayBuffer(10, 3, 1, true);
    assert.equal(small.obs.length, 30);
  });

  test("save/load restores contents and position: the next samples and writes are identical", () => {
    const a = new ReplayBuffer(7, 2, 1, true);
    fill(a, 0, 10);
    const saved = a.saveState();
    assert.equal(saved.arrays.obs!.length, 14, "only the filled rows are saved");
    const b = new ReplayBuffer(7, 2, 1, true);
    b.loadState({ json: JSON.parse(JSON.stringify(saved.json)), arrays: saved.arrays });
    fill(a, 10, 2);
    fill(b, 10, 2);
    const ba = a.sample(Rng.fromSeed(5), new ReplayBatch(16, 2, 1, true));
    const bb = b.sample(Rng.fromSeed(5), new ReplayBatch(16, 2, 1, true));
    assert.deepEqual(ba, bb);
    assert.throws(() => new ReplayBuffer(3, 2, 1, true).loadState({ json: saved.json, arrays: saved.arrays }), /capacity 3/);
  });

  test("sampling an empty buffer is a clear error", () => {
    assert.throws(() => new ReplayBuffer(3, 1, 1, true).sample(Rng.fromSeed(0), new ReplayBatch(1, 1, 1, true)), /empty/);
  });
});

function fill2(buf: ReplayBuffer, n: number): void {
  buf.addBatch(new Float32Array(n * 3), new Int32Array(n), new Float32Array(n), new Float32Array(n * 3), new Uint8Array(n), n);
}
