// tfjs prints advice to the console from several places: the cpu backend's
// "Hi, looks like you are running TensorFlow.js in Node.js…" banner on its
// first tensor, "Platform node has already been set" and "backend was already
// registered" when tfjs-node loads. All of them are gated on tfjs's PROD (or
// IS_TEST) flag, so raising PROD while a backend loads silences exactly
// those, and the caller's own value comes back afterwards. (IS_TEST would
// also turn on tfjs's per-kernel leak checks.)
import type * as Tf from "@tensorflow/tfjs";

export async function quietly<T>(tf: typeof Tf, work: () => Promise<T>): Promise<T> {
  const env = tf.env();
  const before = env.getBool("PROD");
  env.set("PROD", true);
  try {
    return await work();
  } finally {
    env.set("PROD", before);
  }
}

/** Creates one tensor under PROD so that the active backend's first-use banner is spent. */
export async function spendFirstUseBanner(tf: typeof Tf): Promise<void> {
  await quietly(tf, async () => tf.scalar(0).dispose());
}
