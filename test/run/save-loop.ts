// Child process of the crash test: trains a little and saves over and over
// to the same directory until it is killed.
import { rl } from "../../lib/index.js";

const target = process.argv[2]!;
const run = rl.env("CartPole-v1", { n: 4, seed: 1 }).policy(rl.mlp([32, 32])).algo(rl.ppo({ numSteps: 32 })).build();
for (let i = 0; ; i++) {
  await run.train({ steps: 128 });
  await run.save(target);
  if (i === 0) process.stdout.write("saved\n");
}
