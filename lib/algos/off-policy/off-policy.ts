import { problemLine, type Problem } from "../../config/problem.js";
import type { VecEnv } from "../../envs/vec-env.js";
import type { Network } from "../../nn/network.js";
import type { ParamGroup } from "../../policy/param-set.js";
import { kernelsOnlyProblems, type PolicySpec } from "../../policy/spec.js";
import type { GroupAdam } from "../optimizer.js";

/**
 * Small parts shared by the off-policy algorithms (DQN, SAC): target-network
 * updates, the real next observation of a vector step, and policy-spec checks.
 */

/**
 * Polyak averaging θ' ← τ θ + (1 − τ) θ' in place (τ = 1 copies θ exactly).
 * CleanRL's `target_param.data.copy_(tau * param.data + (1 - tau) * target_param.data)`.
 */
export function polyakUpdate(target: Float32Array, source: Float32Array, tau: number): Float32Array {
  if (target.length !== source.length) throw new RangeError(`polyakUpdate: target has ${target.length} parameters, source ${source.length}`);
  if (tau === 1) target.set(source);
  else for (let i = 0; i < target.length; i++) target[i] = tau * source[i]! + (1 - tau) * target[i]!;
  return target;
}

/** {@link polyakUpdate} of a target network from its online network. */
export function updateTargetNetwork(target: Network, online: Network, tau: number): void {
  polyakUpdate(target.params, online.params, tau);
  target.paramsChanged();
}

/**
 * The real next observation of every copy after `env.step`: the `finalObs`
 * row for copies that just terminated or were truncated (their `obs` row
 * already starts the next episode), the `obs` row otherwise.
 */
export function realNextObs(env: VecEnv, out: Float32Array): Float32Array {
  const o = env.obsSize;
  for (let e = 0; e < env.numEnvs; e++) {
    const src = env.terminated[e] || env.truncated[e] ? env.finalObs : env.obs;
    out.set(src.subarray(e * o, e * o + o), e * o);
  }
  return out;
}

/**
 * Problems with using `policy` as the architecture of an off-policy
 * algorithm's networks (`what` names them, e.g. "the Q-network").
 */
export function checkOffPolicyPolicy(policy: PolicySpec, algo: string, what: string, heads: readonly string[]): Problem[] {
  const p: Problem[] = [];
  if (policy.kind !== "mlp") {
    p.push(problemLine("unsupported", `policy: ${algo} builds ${what} from rl.mlp([...]) widths; a tfjs model policy is not supported for ${algo} yet`));
    return p;
  }
  p.push(...kernelsOnlyProblems(policy, algo, what));
  if (policy.shared) p.push(problemLine("unsupported", `policy.shared: ${algo} trains separate networks (${what}); remove shared: true`));
  if (!heads.includes(policy.head)) p.push(problemLine("unsupported", `policy.head: ${algo} needs head ${heads.map((h) => JSON.stringify(h)).join(" or ")}, got ${JSON.stringify(policy.head)}`));
  return p;
}

/**
 * A copy of the parameters and optimizer moments of some groups, taken
 * before an update so that a non-finite loss can undo it. Buffers are
 * allocated once; `take()` only copies.
 */
export class UpdateSnapshot {
  private readonly params: Float32Array[];
  private readonly moments: { m: Float32Array; v: Float32Array; t: number }[];

  constructor(
    private readonly groups: readonly ParamGroup[],
    private readonly optimizers: readonly GroupAdam[],
  ) {
    this.params = groups.map((g) => new Float32Array(g.params.length));
    this.moments = optimizers.flatMap((o) => o.states.map((st) => ({ m: new Float32Array(st.m.length), v: new Float32Array(st.v.length), t: 0 })));
  }

  take(): void {
    this.groups.forEach((g, i) => this.params[i]!.set(g.params));
    let k = 0;
    for (const o of this.optimizers) {
      for (const st of o.states) {
        const copy = this.moments[k++]!;
        copy.m.set(st.m);
        copy.v.set(st.v);
        copy.t = st.t;
      }
    }
  }

  restore(): void {
    this.groups.forEach((g, i) => {
      g.params.set(this.params[i]!);
      g.paramsChanged();
    });
    let k = 0;
    for (const o of this.optimizers) {
      for (const st of o.states) {
        const copy = this.moments[k++]!;
        st.m.set(copy.m);
        st.v.set(copy.v);
        st.t = copy.t;
      }
    }
  }
}
