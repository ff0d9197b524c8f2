import { CartPoleVecEnv } from "../../lib/envs/classic/cartpole.js";
import { defineEnv, vectorize } from "../../lib/envs/custom.js";
import { box } from "../../lib/envs/space.js";
import type { VecEnv } from "../../lib/envs/vec-env.js";
import { Rng } from "../../lib/random/rng.js";
import { rl } from "../../lib/index.js";
import type { Table } from "apache-arrow";

/** `n` CartPole-v1 copies (500-step limit) seeded from `seed`. */
export const cartPole = (n: number) => (seed: number): VecEnv => new CartPoleVecEnv({ n, rng: Rng.fromSeed(seed), maxEpisodeSteps: 500 });

/**
 * A 1-D continuous task: the position x starts in [−1, 1], the action a ∈ [−1, 1]
 * moves it to clip(x + 0.25 a, −2, 2), and the reward is −|x|; 20 steps per episode.
 * Small enough for save/load and error tests of continuous-action algorithms.
 */
export const Reach1D = defineEnv({
  id: "Reach1D",
  observationSpace: box(-2, 2, [1]),
  actionSpace: box(-1, 1, [1]),
  maxEpisodeSteps: 20,
  reset: (rng) => {
    const x = rng.uniform(-1, 1);
    return { state: x, obs: [x] };
  },
  step: (x: number, action) => {
    const a = Math.max(-1, Math.min(1, (action as Float32Array)[0]!));
    const next = Math.max(-2, Math.min(2, x + 0.25 * a));
    return { state: next, obs: [next], reward: -Math.abs(next), terminated: false };
  },
});

export const reach1D = (n: number) => (seed: number): VecEnv => vectorize(Reach1D, { n, rng: Rng.fromSeed(seed), maxEpisodeSteps: 20 });

let pendulum: Promise<Table> | undefined;
/**
 * Everything a 6k-step SAC run on Pendulum-v1 recorded (32×32 ReLU, seed 2):
 * near-random episodes first (return ≈ −1500), fairly good ones last (≈ −420).
 * Made once per test file.
 */
export function pendulumSacData(): Promise<Table> {
  pendulum ??= (async () => {
    const sac = rl.env("Pendulum-v1", { seed: 2 }).policy(rl.mlp([32, 32], { activation: "relu" })).algo(rl.sac({ learningStarts: 500, batchSize: 64 })).build();
    await sac.train({ steps: 6_000 });
    const data = sac.data;
    sac.dispose();
    return data;
  })();
  return pendulum;
}
