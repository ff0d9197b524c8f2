// Type-level tests: compiled by `tsc` in every `npm test`; an @ts-expect-error
// that stops being an error fails the build.
import { rl } from "../../lib/index.js";

export function builderTypeChecks(): void {
  const noAlgo = rl.env("CartPole-v1", { n: 2 });
  // @ts-expect-error build() needs an algorithm first
  noAlgo.build();
  const withAlgo = noAlgo.algo(rl.ppo());
  withAlgo.build();
  // @ts-expect-error an algorithm is chosen once
  withAlgo.algo(rl.a2c());
  // the policy can still be changed after the algorithm
  withAlgo.policy(rl.mlp([32])).build();
  // @ts-expect-error unknown PPO option
  rl.ppo({ learningRate: 1 });
  // @ts-expect-error A2C runs one epoch of one minibatch by construction
  rl.a2c({ epochs: 4 });
}
