// Child process of the crash and race tests: trains a little and saves over
// and over to the same directory until it is killed. With a log path, it
// appends `step fingerprint` for each save before the save starts, so a test
// can tell which save a load returned and whether it came back whole.
import { appendFileSync } from "node:fs";
import { rl } from "../../lib/index.js";
import { fingerprint } from "../helpers/checkpoints.js";

const target = process.argv[2]!;
const log = process.argv[3];
const run = rl.env("CartPole-v1", { n: 4, seed: 1 }).policy(rl.mlp([32, 32])).algo(rl.ppo({ numSteps: 32 })).build();
for (let i = 0; ; i++) {
  await run.train({ steps: 128 });
  if (log) appendFileSync(log, `${run.step} ${fingerprint(run)}\n`);
  await run.save(target);
  if (i === 0) process.stdout.write("saved\n");
}
