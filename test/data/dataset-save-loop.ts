// Child process of the crash test: saves a dataset to the same path over and
// over (alternating two contents) until it is killed.
import { rl } from "../../lib/index.js";

const [target, format] = [process.argv[2]!, process.argv[3] as "arrow" | "parquet"];
const run = rl.env("CartPole-v1", { n: 4, seed: 1 }).policy(rl.mlp([16])).algo(rl.ppo({ numSteps: 32 })).build();
await run.train({ steps: 2048 });
const big = rl.dataset.from(run.data);
const small = big.select(big.episodes().slice(0, 3));
for (let i = 0; ; i++) {
  await (i % 2 ? small : big).save(target, { format });
  if (i === 0) process.stdout.write("saved\n");
}
