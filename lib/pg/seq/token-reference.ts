import type { TokenPolicy } from "../../seq/policies/token-policy.js";
import type { Component } from "../component.js";

/**
 * The reference policy of a sequence run's divergence: a copy of the token
 * policy's parameters that stays frozen (`rl.ref.initial()`), is refreshed
 * every few updates (`rl.ref.synced({ every })`) or trails the policy as an
 * exponential moving average (`rl.ref.ema({ decay })`).
 */
export class TokenReference {
  readonly copy: TokenPolicy;

  constructor(
    readonly component: Component<"reference">,
    policy: TokenPolicy,
  ) {
    if (!["initial", "synced", "ema"].includes(component.kind)) {
      throw new RangeError(`a sequence run's reference is rl.ref.initial(), rl.ref.synced({ every }) or rl.ref.ema({ decay }); got "${component.kind}"`);
    }
    this.copy = policy.clone();
  }

  /** Called after every update with the trained policy and the update count. */
  afterUpdate(policy: TokenPolicy, updates: number): void {
    const c = this.component.config as { every?: number; decay?: number };
    if (this.component.kind === "synced" && updates % c.every! === 0) this.copy.params.set(policy.params);
    if (this.component.kind === "ema") {
      const d = c.decay!;
      const p = this.copy.params;
      for (let i = 0; i < p.length; i++) p[i] = d * p[i]! + (1 - d) * policy.params[i]!;
    }
  }
}
