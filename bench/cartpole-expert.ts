// A CartPole-v1 expert for the offline and hybrid benchmarks: PPO trained
// until its last 100 training episodes average ≥ 475, and datasets of its
// greedy actions recorded in the trajectory schema.
import { rl, RecordingVecEnv, type Dataset, type Run } from "../lib/index.js";

export const SOLVED_RETURN = 475;

/** PPO (CleanRL defaults, 4 copies) trained on CartPole-v1 until solved; throws when it is not within `maxSteps`. */
export async function trainCartPoleExpert(seed: number, maxSteps = 1_000_000): Promise<Run> {
  const ppo = rl.env("CartPole-v1", { n: 4, seed }).algo(rl.ppo()).record(false).build();
  const r = await ppo.train({ steps: maxSteps, until: (m) => m.episodes >= 100 && m.meanReturn >= SOLVED_RETURN });
  if (r.stopped !== "until") throw new Error(`the CartPole expert (seed ${seed}) did not reach ${SOLVED_RETURN} within ${maxSteps} steps`);
  return ppo;
}

/** `steps` env steps of `expert`'s greedy actions on 8 fresh copies of `envId` (CartPole kwargs allowed), as a dataset. */
export function expertRollouts(expert: Run, steps: number, seed: number, kwargs: Record<string, unknown> = {}): Dataset {
  const env = new RecordingVecEnv(rl.makeVec("CartPole-v1", { ...kwargs, n: 8, seed }), `expert-${seed}`);
  env.reset({ seed });
  const actions = new Int32Array(env.numEnvs);
  for (let t = 0; t < steps; t += env.numEnvs) {
    expert.algo.actGreedy(env.obs, env.numEnvs, actions);
    env.step(actions);
  }
  return rl.dataset.from(env.recorder.toTable());
}
