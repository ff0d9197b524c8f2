/**
 * D4RL-style flat arrays ⇄ the trajectory schema.
 *
 * D4RL stores N transitions as parallel arrays (`observations` N×d,
 * `actions`, `rewards`, `terminals`, `timeouts`, optionally
 * `next_observations`), episodes back to back: a row with `terminals` or
 * `timeouts` set ends its episode.
 */
import type { Table } from "apache-arrow";
import { episodeRuns, episodesFromEnds, flatFromTable, tableFromFlat, type FlatTrajectory, type TableMetaOptions } from "./common.js";

type Flags = ArrayLike<number | boolean>;

/** D4RL arrays (row-major for vectors). */
export interface D4rlArrays {
  /** N × obsSize. */
  observations: Float32Array | Float64Array | ArrayLike<number>;
  /** Discrete: N integers; continuous: N × actionSize. */
  actions: Float32Array | Float64Array | Int32Array | ArrayLike<number>;
  /** N. */
  rewards: ArrayLike<number>;
  /** N flags: the episode ended in a terminal state. */
  terminals: Flags;
  /** N flags: the episode was cut off (default: none). */
  timeouts?: Flags;
  /** N × obsSize observations after each step (default: the next row's observation within the episode, null at episode ends). */
  next_observations?: Float32Array | Float64Array | ArrayLike<number>;
}

/** What `toD4rl` returns. */
export interface D4rlOutput {
  observations: Float32Array;
  actions: Float32Array | Int32Array;
  rewards: Float32Array;
  terminals: Uint8Array;
  timeouts: Uint8Array;
  /** Present only when every row's next_obs is known. */
  next_observations?: Float32Array;
}

export interface FromD4rlOptions extends TableMetaOptions {
  obsSize: number;
  /** Floats per action (ignored for discrete). */
  actionSize: number;
  discrete: boolean;
  envId: string;
}

/**
 * A trajectory table from D4RL arrays: episode ids 0, 1, … and `t` follow the
 * `terminals | timeouts` boundaries; `next_obs` comes from
 * `next_observations` or else from the next row within the episode (null on
 * each episode's last row).
 */
export function fromD4rl(arrays: D4rlArrays, options: FromD4rlOptions): Table {
  const { obsSize: d, discrete } = options;
  const a = discrete ? 1 : options.actionSize;
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`fromD4rl: obsSize must be an integer ≥ 1, got ${String(d)}`);
  if (!Number.isInteger(a) || a < 1) throw new RangeError(`fromD4rl: actionSize must be an integer ≥ 1, got ${String(a)}`);
  const missing = (["observations", "actions", "rewards", "terminals"] as const).filter((k) => arrays[k] === undefined || arrays[k] === null);
  if (missing.length) throw new Error(`fromD4rl: missing arrays: ${missing.join(", ")}`);
  const n = arrays.rewards.length;
  const check = (name: string, arr: { length: number } | undefined, len: number) => {
    if (arr !== undefined && arr.length !== len) throw new RangeError(`fromD4rl: ${name} has length ${arr.length}, expected ${len} (N = ${n} rewards)`);
  };
  check("observations", arrays.observations, n * d);
  check("actions", arrays.actions, n * a);
  check("terminals", arrays.terminals, n);
  check("timeouts", arrays.timeouts, n);
  check("next_observations", arrays.next_observations, n * d);
  const terminated = Uint8Array.from(arrays.terminals as ArrayLike<number>, (x) => (x ? 1 : 0));
  const truncated = arrays.timeouts ? Uint8Array.from(arrays.timeouts as ArrayLike<number>, (x) => (x ? 1 : 0)) : new Uint8Array(n);
  const ends = terminated.map((x, i) => x | truncated[i]!);
  const { episodeIds, t } = episodesFromEnds(ends, n);
  const obs = Float32Array.from(arrays.observations);
  let actions: Int32Array | Float32Array;
  if (discrete) {
    actions = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = Number(arrays.actions[i]);
      if (!Number.isInteger(v)) throw new RangeError(`fromD4rl: discrete action ${v} of row ${i} is not an integer`);
      actions[i] = v;
    }
  } else actions = Float32Array.from(arrays.actions);
  let nextObs: Float32Array;
  let nextObsValid: Uint8Array | undefined;
  if (arrays.next_observations) nextObs = Float32Array.from(arrays.next_observations);
  else {
    nextObs = new Float32Array(n * d);
    nextObsValid = new Uint8Array(n);
    for (let i = 0; i + 1 < n; i++) {
      if (ends[i]) continue;
      nextObs.set(obs.subarray((i + 1) * d, (i + 2) * d), i * d);
      nextObsValid[i] = 1;
    }
  }
  const flat: FlatTrajectory = {
    rows: n,
    obsSize: d,
    actionSize: a,
    discrete,
    obs,
    actions,
    rewards: Float32Array.from(arrays.rewards),
    terminated,
    truncated,
    nextObs,
    episodeIds,
    t,
    ...(nextObsValid ? { nextObsValid } : {}),
  };
  return tableFromFlat(flat, options);
}

/**
 * D4RL arrays from a trajectory table: rows ordered by (episode_id, t);
 * `terminals`/`timeouts` from terminated/truncated. An episode whose last row
 * is neither terminated nor truncated and that is followed by another episode
 * gets `timeouts = 1` on that row, so the boundary survives (D4RL has no
 * episode ids). `next_observations` is included only when no next_obs is null.
 */
export function toD4rl(table: Table): D4rlOutput {
  const flat = flatFromTable(table, "toD4rl");
  const timeouts = flat.truncated.slice();
  const runs = episodeRuns(flat.episodeIds);
  for (let k = 0; k + 1 < runs.length; k++) {
    const last = runs[k]![1] - 1;
    if (!flat.terminated[last] && !timeouts[last]) timeouts[last] = 1;
  }
  const out: D4rlOutput = {
    observations: flat.obs,
    actions: flat.actions,
    rewards: flat.rewards,
    terminals: flat.terminated,
    timeouts,
  };
  if (!flat.nextObsValid || flat.nextObsValid.every((v) => v === 1)) out.next_observations = flat.nextObs;
  return out;
}
