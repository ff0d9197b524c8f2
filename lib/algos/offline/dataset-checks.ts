import { problemLine, type Problem } from "../../config/problem.js";
import { DataType } from "apache-arrow";
import type { Dataset } from "../../data/dataset.js";
import { META_ENV_ID } from "../../data/schema.js";
import type { VecEnv } from "../../envs/vec-env.js";

/** What {@link datasetProblems} checks and how it words its messages. */
export interface DatasetCheckOptions {
  /** The algorithm named in the messages. */
  readonly algo: string;
  /** Prefix of every problem path (e.g. "mix." for mixed-in data). */
  readonly prefix?: string;
  /** Also require the transition columns (reward, terminated, next_obs) that TD learning needs. */
  readonly transitions?: boolean;
}

/**
 * Why `dataset` cannot train `algo` for `env` (empty when it can): its
 * observation and action columns must fit the env's spaces (discrete actions
 * in range) and, for TD methods, the transition columns must be there.
 */
export function datasetProblems(dataset: Dataset, env: VecEnv, options: DatasetCheckOptions): Problem[] {
  const { algo, prefix = "", transitions = false } = options;
  const p: Problem[] = [];
  const schema = dataset.schema;
  const datasetEnv = schema.metadata.get(META_ENV_ID);
  const from = datasetEnv ? ` (recorded on ${datasetEnv})` : "";
  const obs = schema.fields.find((f) => f.name === "obs");
  const action = schema.fields.find((f) => f.name === "action");
  if (!obs) p.push(problemLine("missing", `dataset: no obs column; ${algo} needs the observations (FixedSizeList<f32>[${env.obsSize}])`));
  else if (!DataType.isFixedSizeList(obs.type) || !DataType.isFloat(obs.type.children[0]!.type)) {
    p.push(problemLine("unsupported", `dataset.obs: expected FixedSizeList<f32>[${env.obsSize}], got ${String(obs.type)}`));
  } else if (obs.type.listSize !== env.obsSize) {
    p.push(problemLine("unsupported", `dataset.obs: the dataset${from} has observations of ${obs.type.listSize} floats, but env ${env.id} observes ${env.obsSize}: pass the dataset's env with rl.offline(dataset, { env })`));
  }
  const space = env.actionSpace;
  if (!action) p.push(problemLine("missing", `dataset: no action column; ${algo} clones the actions taken, so the dataset must record them (trajectory schema column "action")`));
  else if (space.kind === "discrete") {
    if (!DataType.isInt(action.type) || action.type.bitWidth !== 32) {
      p.push(problemLine("unsupported", `dataset.action: env ${env.id} has ${space.n} discrete actions (int32), but the dataset${from} has actions of type ${String(action.type)}`));
    } else {
      let bad = 0;
      let example = 0;
      for (const data of dataset.column("action")!.data) {
        const v = data.values as Int32Array;
        for (let i = 0; i < data.length; i++) {
          const a = v[i]!;
          if (a < 0 || a >= space.n) {
            if (bad === 0) example = a;
            bad++;
          }
        }
      }
      if (bad) p.push(problemLine("unsupported", `dataset.action: ${bad} actions lie outside env ${env.id}'s 0..${space.n - 1} (e.g. ${example})`));
    }
  } else if (!DataType.isFixedSizeList(action.type) || !DataType.isFloat(action.type.children[0]!.type)) {
    p.push(problemLine("unsupported", `dataset.action: env ${env.id} has continuous actions (FixedSizeList<f32>[${env.actionSize}]), but the dataset${from} has actions of type ${String(action.type)}`));
  } else if (action.type.listSize !== env.actionSize) {
    p.push(problemLine("unsupported", `dataset.action: the dataset${from} has actions of ${action.type.listSize} floats, but env ${env.id} takes ${env.actionSize}`));
  }
  if (transitions) {
    for (const name of ["reward", "terminated", "next_obs"]) {
      if (!schema.fields.some((f) => f.name === name)) p.push(problemLine("missing", `dataset: no ${name} column; ${algo} learns from transitions (obs, action, reward, terminated, next_obs)`));
    }
  }
  return prefix ? p.map((x) => ({ ...x, path: prefix + x.path })) : p;
}
