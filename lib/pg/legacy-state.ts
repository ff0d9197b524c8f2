import type { AlgoState } from "../algos/algorithm.js";
import type { ParamGroup } from "../policy/param-set.js";

type Arrays = AlgoState["arrays"];

/**
 * The state of a checkpoint saved by the algorithm classes that preceded the
 * engine (PPO and A2C: `{ t, adamT }`; REINFORCE: two optimizers and an
 * episode store without log-probabilities), in the engine's layout, so runs
 * saved before the engine load and continue with the same numbers. Null
 * when `state` is already in the engine's layout.
 */
export function engineStateFromLegacy(state: AlgoState, groups: readonly ParamGroup[], numEnvs: number): AlgoState | null {
  const json = state.json as Record<string, unknown>;
  if (json === null || typeof json !== "object" || "collector" in json) return null;
  const a = state.arrays;
  if (typeof json.valueAdamT === "number" || "episodes" in json) return fromReinforce(json, a, groups, numEnvs);
  const t = json.adamT as number;
  return {
    json: { envSteps: json.envSteps, updates: json.updates, rng: json.rng, adamT: groups.map(() => t), collector: { t: json.t }, ...(json.hybrid !== undefined ? { hybrid: json.hybrid } : {}) },
    arrays: a,
  };
}

/** REINFORCE kept one Adam over the actor (and log σ) and one over a separate critic: the engine keeps one over every group, in the policy's order. */
function fromReinforce(json: Record<string, unknown>, a: Arrays, groups: readonly ParamGroup[], numEnvs: number): AlgoState {
  const total = groups.reduce((s, g) => s + g.params.length, 0);
  const m = new Float32Array(total);
  const v = new Float32Array(total);
  let actorAt = 0;
  let criticAt = 0;
  let at = 0;
  const adamT: number[] = [];
  for (const g of groups) {
    const n = g.params.length;
    const critic = g.name === "critic" && a.valueAdamM !== undefined;
    const [srcM, srcV, from] = critic ? [a.valueAdamM, a.valueAdamV, criticAt] : [a.adamM, a.adamV, actorAt];
    m.set((srcM as Float32Array).subarray(from, from + n), at);
    v.set((srcV as Float32Array).subarray(from, from + n), at);
    if (critic) criticAt += n;
    else actorAt += n;
    adamT.push(critic ? (json.valueAdamT as number) : (json.adamT as number));
    at += n;
  }
  const episodes = json.episodes as { rows: number; episodes: number; open: number[] };
  const arrays: Record<string, Arrays[string]> = { params: a.params!, adamM: m, adamV: v };
  for (const [k, x] of Object.entries(a)) if (k.startsWith("episodes.")) arrays[k] = x;
  // Stored since the engine: the acting policy's log π and V per step (REINFORCE's update reads neither), and the episode of each pooled row.
  arrays["episodes.logp"] ??= new Float32Array(episodes.rows);
  arrays["episodes.values"] ??= new Float32Array(episodes.rows);
  // Episode boundaries within the pool were not saved: every pooled row gets segment 0 (only rl.agg.sequenceMean reads segments).
  arrays["episodes.segments"] ??= new Int32Array(episodes.rows);
  for (let e = 0; e < numEnvs; e++) {
    const len = episodes.open[e] ?? 0;
    arrays[`episodes.open${e}.logp`] ??= new Float32Array(len);
    arrays[`episodes.open${e}.values`] ??= new Float32Array(len);
  }
  return {
    json: { envSteps: json.envSteps, updates: json.updates, rng: json.rng, adamT, collector: { episodes, used: { steps: 0, episodes: 0 } } },
    arrays,
  };
}
