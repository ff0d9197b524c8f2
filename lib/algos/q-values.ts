import type { Network } from "../nn/network.js";

/** Q(s_b, a_b) from a discrete Q-network's outputs `[batch, k]` for the given actions. */
export function gatherQValues(qOut: ArrayLike<number>, actions: Int32Array | Float32Array, batch: number, k: number): Float32Array {
  const out = new Float32Array(batch);
  for (let b = 0; b < batch; b++) {
    const a = actions[b]!;
    if (!(Number.isInteger(a) && a >= 0 && a < k)) throw new RangeError(`qValues: action ${a} of row ${b} is not one of 0..${k - 1}`);
    out[b] = qOut[b * k + a]!;
  }
  return out;
}

/** min(Q1(s_b, a_b), Q2(s_b, a_b)) of twin critics over [obs, action] rows (the pessimistic value SAC, CQL and IQL act on). */
export function twinCriticValues(q1: Network, q2: Network, obs: Float32Array, obsSize: number, actions: Float32Array, actionSize: number, batch: number): Float32Array {
  const w = obsSize + actionSize;
  const input = new Float32Array(batch * w);
  for (let b = 0; b < batch; b++) {
    input.set(obs.subarray(b * obsSize, (b + 1) * obsSize), b * w);
    input.set(actions.subarray(b * actionSize, (b + 1) * actionSize), b * w + obsSize);
  }
  const a = q1.predict(input, batch);
  const b = q2.predict(input, batch);
  return Float32Array.from({ length: batch }, (_, i) => Math.min(a[i]!, b[i]!));
}
