import { problemLine, type Problem } from "../config/problem.js";
import type { Activation } from "../nn/network.js";

/** Which distribution turns the actor's outputs into actions. `auto`: categorical for discrete actions, Gaussian for boxes. */
export type HeadKind = "auto" | "categorical" | "gaussian" | "tanh-gaussian";

/**
 * What `rl.mlp(hidden, options)` returns: an architecture, not yet a network.
 * The algorithm turns it into the networks it needs (actor and critic for
 * policy-gradient methods, a Q-network for DQN, actor and twin critics for SAC)
 * once the env's spaces are known.
 */
export interface MlpPolicySpec {
  readonly kind: "mlp";
  /** Hidden layer widths, e.g. [64, 64]. */
  readonly hidden: readonly number[];
  /** Hidden activation. Default "tanh" (CleanRL's PPO). */
  readonly activation: Activation;
  /** Actor and critic share the hidden layers (one network with a value output) instead of two networks. Default false. */
  readonly shared: boolean;
  /** Action distribution. Default "auto". */
  readonly head: HeadKind;
  /** Initial log σ of Gaussian heads. Default 0. */
  readonly logStdInit: number;
  /**
   * What computes the networks. Absent or "kernels": the fused small-MLP
   * kernels on this thread (fastest on a CPU). "tfjs": TensorFlow.js in a
   * worker on the best backend present (WebGPU on a GPU machine); pays for
   * wide networks on a GPU (see docs/gpu.md). Policy-gradient methods only.
   */
  readonly engine?: NetworkEngine;
}

/** See {@link MlpPolicySpec.engine}. */
export type NetworkEngine = "kernels" | "tfjs";

/** A tfjs `LayersModel` used as the actor (outputs logits or means); the critic stays an MLP. */
export interface ModelPolicySpec {
  readonly kind: "model";
  readonly model: unknown;
  readonly critic: MlpPolicySpec;
  readonly head: HeadKind;
  readonly logStdInit: number;
}

export type PolicySpec = MlpPolicySpec | ModelPolicySpec;

export interface MlpOptions {
  activation?: Activation;
  shared?: boolean;
  head?: HeadKind;
  logStdInit?: number;
  engine?: NetworkEngine;
}

/** An MLP policy with the given hidden widths, e.g. `rl.mlp([64, 64])`. */
export function mlp(hidden: readonly number[] = [64, 64], options: MlpOptions = {}): MlpPolicySpec {
  return {
    kind: "mlp",
    hidden: [...hidden],
    activation: options.activation ?? "tanh",
    shared: options.shared ?? false,
    head: options.head ?? "auto",
    logStdInit: options.logStdInit ?? 0,
    ...(options.engine !== undefined ? { engine: options.engine } : {}),
  };
}

/** The problem of an `rl.mlp(..., { engine: "tfjs" })` given to `algo`, which builds `what` on the fused kernels only (empty otherwise). */
export function kernelsOnlyProblems(spec: PolicySpec, algo: string, what: string): Problem[] {
  if (spec.kind !== "mlp" || spec.engine !== "tfjs") return [];
  return [problemLine("unsupported", `policy.engine: ${algo} runs ${what} on the fused kernels; engine "tfjs" is for policy-gradient methods (remove engine)`)];
}

/** Problems with a policy spec, each with its path (empty when valid). */
export function checkPolicySpec(spec: PolicySpec, path = "policy"): Problem[] {
  const problems: Problem[] = [];
  const hidden = spec.kind === "mlp" ? spec.hidden : spec.critic.hidden;
  if (!Array.isArray(hidden) || hidden.some((h) => !Number.isInteger(h) || h < 1)) {
    problems.push(problemLine("wrong-type", `${path}.hidden: expected positive integer widths, got ${JSON.stringify(hidden)}`));
  }
  if (spec.kind === "mlp" && !["tanh", "relu", "linear"].includes(spec.activation)) {
    problems.push(problemLine("not-one-of", `${path}.activation: expected "tanh", "relu" or "linear", got ${JSON.stringify(spec.activation)}`));
  }
  if (!["auto", "categorical", "gaussian", "tanh-gaussian"].includes(spec.head)) {
    problems.push(problemLine("not-one-of", `${path}.head: expected "auto", "categorical", "gaussian" or "tanh-gaussian", got ${JSON.stringify(spec.head)}`));
  }
  if (spec.kind === "mlp" && spec.engine !== undefined && spec.engine !== "kernels" && spec.engine !== "tfjs") {
    problems.push(problemLine("not-one-of", `${path}.engine: expected "kernels" or "tfjs", got ${JSON.stringify(spec.engine)}`));
  }
  if (!Number.isFinite(spec.logStdInit)) problems.push(problemLine("not-a-number", `${path}.logStdInit: expected a finite number, got ${spec.logStdInit}`));
  return problems;
}
