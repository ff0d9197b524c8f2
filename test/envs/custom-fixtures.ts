// Small custom envs shared by the custom-env tests and the conformance run.
import type { CustomEnv } from "../../lib/envs/custom.js";
import { defineEnv } from "../../lib/envs/custom.js";
import { box, discrete } from "../../lib/envs/space.js";
import type { Rng } from "../../lib/random/rng.js";

/** Class form: a walk on 0..length from a random inner cell; reaching `length` pays +1, falling to 0 pays −1. */
export class RandomWalk implements CustomEnv {
  observationSpace = box(0, 1, [2]);
  actionSpace = discrete(2);
  maxEpisodeSteps = 20;
  length: number;
  pos = 0;
  /** Visits per cell: a typed array, to exercise checkpoints. */
  visits: Float64Array;

  constructor(options: { length?: number } = {}) {
    this.length = options.length ?? 5;
    this.visits = new Float64Array(this.length + 1);
  }

  reset(rng: Rng): number[] {
    this.pos = 1 + rng.int(this.length - 1);
    this.visits[this.pos]! += 1;
    return [this.pos / this.length, 1];
  }

  step(action: number) {
    this.pos += action === 1 ? 1 : -1;
    this.visits[this.pos]! += 1;
    const atEnd = this.pos === 0 || this.pos === this.length;
    return { obs: [this.pos / this.length, atEnd ? 0 : 1], reward: this.pos === this.length ? 1 : this.pos === 0 ? -1 : 0, terminated: atEnd };
  }
}

/** Definition form with a box action: a noisy point mass pushed by a force in [-1, 1]; leaving |x| ≤ 2 terminates. */
export const drift = defineEnv({
  id: "Drift",
  observationSpace: box([-3, -10], [3, 10]),
  actionSpace: box(-1, 1, [1]),
  maxEpisodeSteps: 30,
  reset: (rng) => {
    const state = { x: rng.uniform(-0.5, 0.5), v: 0 };
    return { state, obs: [state.x, state.v] };
  },
  step: (s, action, rng) => {
    const force = Math.max(-1, Math.min(1, (action as Float32Array)[0]!));
    const v = Math.max(-10, Math.min(10, s.v + 0.5 * force + 0.1 * rng.normal()));
    const x = Math.max(-3, Math.min(3, s.x + 0.5 * v));
    return { state: { x, v }, obs: [x, v], reward: -x * x, terminated: Math.abs(x) > 2 };
  },
});
