import type { Space } from "../../envs/space.js";
import { ActorCritic } from "../../policy/actor-critic.js";
import type { PolicySpec } from "../../policy/spec.js";
import { Rng } from "../../random/rng.js";
import { flattenParams, unflattenParams } from "../../algos/optimizer.js";

/** What a reference policy is built from. */
export interface ReferenceContext {
  readonly spec: PolicySpec;
  readonly obsSize: number;
  readonly actionSpace: Space;
  /** The policy being trained (its parameters right after initialization when the run is built). */
  readonly policy: ActorCritic;
}

/** The runtime of a reference: a frozen or slowly moving copy of the policy. */
export interface ReferenceRuntime {
  /** log π_ref(a|s) of `batch` rows into `out`. */
  logp(obs: Float32Array, actions: Int32Array | Float32Array, batch: number, out: Float32Array): Float32Array;
  /** Called after every update with the trained policy and the update count. */
  afterUpdate(policy: ActorCritic, updates: number): void;
  /** Its parameters (checkpoints). */
  params(): Float32Array;
  load(params: Float32Array): void;
  dispose(): void;
}

/** A second network of the policy's architecture holding reference parameters. */
export class PolicyCopy {
  readonly net: ActorCritic;

  constructor(ctx: ReferenceContext, params: Float32Array = flattenParams(ctx.policy.groups)) {
    // Its initial weights are overwritten at once: a generator of its own keeps the run's stream untouched.
    this.net = new ActorCritic(ctx.spec, ctx.obsSize, ctx.actionSpace, Rng.fromSeed(0));
    this.load(params);
  }

  logp(obs: Float32Array, actions: Int32Array | Float32Array, batch: number, out: Float32Array): Float32Array {
    out.set(this.net.evaluate(obs, actions, batch).logp.subarray(0, batch));
    return out;
  }

  params(): Float32Array {
    return flattenParams(this.net.groups);
  }

  load(params: Float32Array): void {
    unflattenParams(this.net.groups, params);
  }

  /** θ_ref ← decay · θ_ref + (1 − decay) · θ. */
  blend(policy: ActorCritic, decay: number): void {
    const mine = this.net.groups;
    policy.groups.forEach((g, k) => {
      const p = mine[k]!.params;
      for (let i = 0; i < p.length; i++) p[i] = decay * p[i]! + (1 - decay) * g.params[i]!;
      mine[k]!.paramsChanged();
    });
  }

  dispose(): void {
    this.net.dispose();
  }
}

/** A reference runtime over a {@link PolicyCopy} that moves by `after`. */
export function copyReference(copy: PolicyCopy, after: (copy: PolicyCopy, policy: ActorCritic, updates: number) => void = () => {}): ReferenceRuntime {
  return {
    logp: (obs, actions, batch, out) => copy.logp(obs, actions, batch, out),
    afterUpdate: (policy, updates) => after(copy, policy, updates),
    params: () => copy.params(),
    load: (p) => copy.load(p),
    dispose: () => copy.dispose(),
  };
}
