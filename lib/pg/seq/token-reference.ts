import type { TokenPolicy } from "../../seq/policies/token-policy.js";
import type { Component } from "../component.js";
import { referenceParams } from "../reference/references.js";

/**
 * The reference policy of a sequence run's divergence: a copy of the token
 * policy's parameters that stays frozen (`rl.ref.initial()`), is refreshed
 * every few updates (`rl.ref.synced({ every })`) or trails the policy as an
 * exponential moving average (`rl.ref.ema({ decay })`), or is another
 * run's or policy's parameters (`rl.ref.run(run)`, MPO's stage-2 reference)
 * or a weight soup of several (`rl.ref.soup([a, b])`, SALSA), frozen.
 */
export class TokenReference {
  readonly copy: TokenPolicy;

  constructor(
    readonly component: Component<"reference">,
    policy: TokenPolicy,
  ) {
    if (!["initial", "synced", "ema", "run", "soup"].includes(component.kind)) {
      throw new RangeError(`a sequence run's reference is rl.ref.initial(), synced({ every }), ema({ decay }), run(run) or soup([a, b]); got "${component.kind}"`);
    }
    this.copy = policy.clone();
    if (component.kind === "run" || component.kind === "soup") {
      const params = referenceParams(component);
      if (params) {
        if (params.length !== policy.params.length) throw new RangeError(`rl.ref.${component.kind}(): the reference has ${params.length} parameters, this run's policy ${policy.params.length}: the architectures differ`);
        this.copy.params.set(params);
      } else this.missing = true;
    }
  }

  /** A run or soup reference rebuilt from a checkpoint's configuration has no parameters until the checkpoint's are loaded. */
  private missing = false;

  /** Sets the reference's parameters (a checkpoint's). */
  load(params: Float32Array): void {
    this.copy.params.set(params);
    this.missing = false;
  }

  /** Throws unless the reference has its parameters. */
  check(): void {
    if (this.missing) throw new Error(`the reference rl.ref.${this.component.kind}() has no parameters: it was rebuilt from a configuration without the checkpoint's referenceParams`);
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
