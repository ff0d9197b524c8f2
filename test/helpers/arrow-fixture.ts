import { Float32, Table, vectorFromArray } from "apache-arrow";
import { rl } from "../../lib/index.js";

/**
 * A short PPO run's recorded data as a test fixture for Arrow files: the
 * trajectory schema's dictionary, FixedSizeList, bool, int64 and nullable
 * columns and schema metadata, with nulls in some rows of `value`, cut into
 * three record batches (slices, so bitmaps start at an offset).
 */
export async function arrowFixtureTable(steps = 1_024): Promise<Table> {
  const run = rl.env("CartPole-v1", { n: 4, seed: 1 }).algo(rl.ppo({ numSteps: 64 })).build();
  await run.train({ steps });
  const data = run.data;
  run.dispose();
  const values = Array.from(data.getChild("value")!, (v, i) => (i % 5 === 2 ? null : v));
  const withNulls = data.setChild("value", vectorFromArray(values, new Float32()));
  const batch = withNulls.batches[0]!;
  const third = Math.floor(batch.numRows / 3);
  return new Table(withNulls.schema, [batch.slice(0, third), batch.slice(third, 2 * third), batch.slice(2 * third)]);
}
