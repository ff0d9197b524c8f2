import type { Minibatch } from "../../data/sampler.js";

/** A sampled minibatch of transitions as the Q-learning losses take them (int32 actions when discrete, float32 rows when continuous). */
export interface Transitions<A extends Int32Array | Float32Array = Int32Array> {
  obs: Float32Array;
  actions: A;
  rewards: Float32Array;
  /** 1: no bootstrap (terminated, or a row without a recorded next_obs). */
  done: Float32Array;
  nextObs: Float32Array;
}

/** Copies a dataset minibatch into `out`; rows whose next_obs is null get zeros there and done = 1. */
export function readTransitions<A extends Int32Array | Float32Array>(batch: Minibatch, obsSize: number, out: Transitions<A>): Transitions<A> {
  const B = batch.size;
  out.obs = batch.columns.obs as Float32Array;
  out.actions = batch.columns.action as A;
  const r = batch.columns.reward as Float32Array;
  const term = batch.columns.terminated as Uint8Array;
  const next = batch.columns.next_obs as Float32Array;
  const valid = batch.valid.next_obs;
  const tv = batch.valid.terminated;
  const rv = batch.valid.reward;
  for (let b = 0; b < B; b++) {
    out.rewards[b] = rv && !rv[b] ? 0 : r[b]!;
    const ok = !valid || valid[b] === 1;
    out.done[b] = (tv && !tv[b] ? 0 : term[b]!) || !ok ? 1 : 0;
    if (ok) out.nextObs.set(next.subarray(b * obsSize, (b + 1) * obsSize), b * obsSize);
    else out.nextObs.fill(0, b * obsSize, (b + 1) * obsSize);
  }
  return out;
}

export function newTransitions<A extends Int32Array | Float32Array = Int32Array>(B: number, obsSize: number): Transitions<A> {
  return { obs: new Float32Array(0), actions: new Int32Array(0) as A, rewards: new Float32Array(B), done: new Float32Array(B), nextObs: new Float32Array(B * obsSize) };
}
