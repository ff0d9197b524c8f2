import { problemLine, problemText, type Problem } from "../config/problem.js";
import { categoricalBackward, categoricalStats, sampleCategorical, argmaxRows, type CategoricalStats } from "../dist/categorical.js";
import { gaussianBackward, gaussianStats, sampleGaussian, type GaussianStats } from "../dist/gaussian.js";
import type { Space } from "../envs/space.js";
import { makeMlp } from "../nn/mlp.js";
import type { Network } from "../nn/network.js";
import { wrapLayersModel } from "../nn/tfjs-network.js";
import { HostedNetwork, hostedMlp } from "../nn/hosted-network.js";
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../random/rng.js";
import { vectorGroup, type ParamGroup } from "./param-set.js";
import type { PolicySpec } from "./spec.js";

/** What one rollout step of an actor-critic produces for a batch of observations. */
export interface ActOutput {
  readonly actions: Int32Array | Float32Array;
  readonly logp: Float32Array;
  readonly values: Float32Array;
}

/**
 * A stochastic policy π(a|s) with a state-value critic V(s), the model that
 * REINFORCE, A2C and PPO train. Discrete actions use a categorical head over
 * logits; box actions a diagonal Gaussian with a learned state-independent
 * log σ. Critic: a separate MLP (CleanRL's layout) or, with `shared`, one
 * extra output of the actor network.
 *
 * Training protocol per minibatch: `evaluate(obs, actions, batch)` (keeps
 * activations) → losses give d/d log π, d/d H, d/d V → `backward(...)` adds
 * into every group's `grads`.
 */
export class ActorCritic {
  readonly discrete: boolean;
  /** Number of discrete actions, or the action dimension. */
  readonly actionDim: number;
  readonly obsSize: number;
  readonly actor: Network;
  readonly critic: Network | null;
  readonly logStd: Float32Array | null;
  readonly groups: readonly ParamGroup[];
  private readonly logStdGroup: ParamGroup | null;
  private readonly headWidth: number;
  private stats: CategoricalStats | GaussianStats | null = null;
  private lastActions: Int32Array | Float32Array | null = null;
  private lastOut: Float32Array | null = null;
  private scratch = { logits: new Float32Array(0), values: new Float32Array(0), dOut: new Float32Array(0), dMean: new Float32Array(0) };

  constructor(spec: PolicySpec, obsSize: number, actionSpace: Space, rng: Rng) {
    this.obsSize = obsSize;
    this.discrete = actionSpace.kind === "discrete";
    this.actionDim = actionSpace.kind === "discrete" ? actionSpace.n : actionSpace.shape.reduce((a, b) => a * b, 1);
    const problems = actorCriticProblems(spec, obsSize, actionSpace);
    if (problems.length) throw new Error(problems.map(problemText).join("; "));
    this.headWidth = this.actionDim;
    const mlpSpec = spec.kind === "mlp" ? spec : spec.critic;
    const shared = spec.kind === "mlp" && spec.shared;
    const hosted = spec.kind === "mlp" && spec.engine === "tfjs";
    const mlpOf = (sizes: number[], lastGain: number): Network =>
      hosted ? hostedMlp(sizes, { activation: mlpSpec.activation, rng, lastGain }) : makeMlp(sizes, { activation: mlpSpec.activation, rng, lastGain });
    if (spec.kind === "model") {
      // Each run trains its own copy, so runs built from one builder never share weights.
      // tfjs's WebGPU backend cannot read tensors back synchronously in Node: there the model is rebuilt in the tfjs host's worker
      if (tf.getBackend() === "webgpu") {
        warnModelRebuilt();
        this.actor = HostedNetwork.fromModel(spec.model as tf.LayersModel);
      } else this.actor = wrapLayersModel(spec.model as never).clone();
    } else {
      this.actor = mlpOf([obsSize, ...mlpSpec.hidden, this.actionDim + (shared ? 1 : 0)], 0.01);
    }
    if (shared) scaleValueColumn(this.actor, mlpSpec.hidden.at(-1) ?? obsSize, this.actionDim + 1, 1 / 0.01);
    this.critic = shared ? null : mlpOf([obsSize, ...mlpSpec.hidden, 1], 1);
    this.logStd = this.discrete ? null : new Float32Array(this.actionDim).fill(spec.logStdInit);
    this.logStdGroup = this.logStd ? vectorGroup("logStd", this.logStd) : null;
    const groups: ParamGroup[] = [netGroup("actor", this.actor)];
    if (this.critic) groups.push(netGroup("critic", this.critic));
    if (this.logStdGroup) groups.push(this.logStdGroup);
    this.groups = groups;
  }

  private get shared(): boolean {
    return this.critic === null;
  }

  private ensure(batch: number): void {
    const s = this.scratch;
    if (s.values.length < batch) {
      s.values = new Float32Array(batch);
      s.logits = new Float32Array(batch * this.headWidth);
      s.dOut = new Float32Array(batch * (this.headWidth + 1));
      s.dMean = new Float32Array(batch * this.headWidth);
    }
  }

  /** Splits a shared network's output rows into head outputs and values. */
  private split(out: Float32Array, batch: number, heads: Float32Array, values: Float32Array): void {
    const w = this.headWidth;
    for (let b = 0; b < batch; b++) {
      for (let j = 0; j < w; j++) heads[b * w + j] = out[b * (w + 1) + j]!;
      values[b] = out[b * (w + 1) + w]!;
    }
  }

  /** Samples actions for `batch` observations; writes actions, log π(a|s) and V(s) into `out`. */
  act(obs: Float32Array, batch: number, rng: Rng, out: ActOutput): void {
    this.ensure(batch);
    let heads: Float32Array;
    if (this.shared) {
      heads = this.scratch.logits;
      this.split(this.actor.predict(obs, batch), batch, heads, out.values);
    } else {
      heads = this.actor.predict(obs, batch);
      const v = this.critic!.predict(obs, batch);
      for (let b = 0; b < batch; b++) out.values[b] = v[b]!;
    }
    if (this.discrete) sampleCategorical(heads, batch, this.actionDim, rng, out.actions as Int32Array, out.logp);
    else sampleGaussian(heads, this.logStd!, batch, this.actionDim, rng, out.actions as Float32Array, out.logp);
  }

  /** The most likely action (argmax logits, or the Gaussian mean) for evaluation. */
  actGreedy(obs: Float32Array, batch: number, actions: Int32Array | Float32Array): void {
    this.ensure(batch);
    let heads = this.actor.predict(obs, batch);
    if (this.shared) {
      this.split(heads, batch, this.scratch.logits, this.scratch.values);
      heads = this.scratch.logits;
    }
    if (this.discrete) argmaxRows(heads, batch, this.actionDim, actions as Int32Array);
    else for (let i = 0; i < batch * this.actionDim; i++) actions[i] = heads[i]!;
  }

  /** V(s) for `batch` observations into `values`. */
  value(obs: Float32Array, batch: number, values: Float32Array): Float32Array {
    this.ensure(batch);
    if (this.shared) this.split(this.actor.predict(obs, batch), batch, this.scratch.logits, values);
    else {
      const v = this.critic!.predict(obs, batch);
      for (let b = 0; b < batch; b++) values[b] = v[b]!;
    }
    return values;
  }

  /**
   * Training forward on a minibatch: log π(a|s), entropy and V(s) of the given
   * actions. Keeps what `backward` needs. Returned arrays are reused by the next call.
   */
  evaluate(obs: Float32Array, actions: Int32Array | Float32Array, batch: number): { logp: Float32Array; entropy: Float32Array; values: Float32Array } {
    this.ensure(batch);
    let heads: Float32Array;
    const values = this.scratch.values.subarray(0, batch);
    const out = this.actor.forward(obs, batch);
    if (this.shared) {
      heads = this.scratch.logits;
      this.split(out, batch, heads, values);
    } else {
      heads = out;
      const v = this.critic!.forward(obs, batch);
      for (let b = 0; b < batch; b++) values[b] = v[b]!;
    }
    this.lastOut = heads;
    this.lastActions = actions;
    this.stats = this.discrete
      ? categoricalStats(heads, batch, this.actionDim, actions as Int32Array)
      : gaussianStats(heads, this.logStd!, batch, this.actionDim, actions as Float32Array);
    return { logp: this.stats.logp, entropy: this.stats.entropy, values };
  }

  /** Backpropagates d loss / d log π, d loss / d H (per row or one scalar) and d loss / d V of the last `evaluate`. */
  backward(dLogp: Float32Array, dEntropy: Float32Array | number, dValue: Float32Array, batch: number): void {
    if (!this.stats || !this.lastActions || !this.lastOut) throw new Error("ActorCritic.backward called before evaluate");
    const w = this.headWidth;
    const dHeads = this.scratch.dMean.subarray(0, batch * w);
    if (this.discrete) {
      categoricalBackward(this.stats as CategoricalStats, batch, w, this.lastActions, dLogp, dEntropy, dHeads);
    } else {
      gaussianBackward(this.lastOut, this.logStd!, batch, w, this.lastActions as Float32Array, dLogp, dEntropy, dHeads, this.logStdGroup!.grads);
    }
    if (this.shared) {
      const dOut = this.scratch.dOut.subarray(0, batch * (w + 1));
      for (let b = 0; b < batch; b++) {
        for (let j = 0; j < w; j++) dOut[b * (w + 1) + j] = dHeads[b * w + j]!;
        dOut[b * (w + 1) + w] = dValue[b]!;
      }
      this.actor.backward(dOut);
    } else {
      this.actor.backward(dHeads);
      this.critic!.backward(dValue.subarray(0, batch));
    }
  }

  dispose(): void {
    this.actor.dispose();
    this.critic?.dispose();
  }
}

/**
 * Gives the value output of a shared network the critic's init gain (1.0)
 * instead of the actor head's (0.01): its column of the last orthogonal
 * weight matrix is scaled, which keeps the columns orthogonal. Layout per
 * layer: W as [in, out] row-major, then b (see `lib/nn/mlp.ts`).
 */
function scaleValueColumn(net: Network, lastIn: number, out: number, factor: number): void {
  const w = net.params.length - (lastIn * out + out);
  for (let r = 0; r < lastIn; r++) net.params[w + r * out + out - 1] = net.params[w + r * out + out - 1]! * factor;
  net.paramsChanged();
}

/** Why `spec` cannot act in an env with these spaces (empty when it can), each with its path. */
export function actorCriticProblems(spec: PolicySpec, obsSize: number, actionSpace: Space): Problem[] {
  const discrete = actionSpace.kind === "discrete";
  const actionDim = actionSpace.kind === "discrete" ? actionSpace.n : actionSpace.shape.reduce((a, b) => a * b, 1);
  const head = spec.head === "auto" ? (discrete ? "categorical" : "gaussian") : spec.head;
  const problems: Problem[] = [];
  if (head === "categorical" && !discrete) {
    problems.push(problemLine("unsupported", `policy.head: "categorical" needs a discrete action space; this env's actions are continuous: use "gaussian" or "auto"`));
  } else if (head !== "categorical" && discrete) {
    problems.push(problemLine("unsupported", `policy.head: "${head}" needs a continuous (box) action space; this env has discrete actions: use "categorical" or "auto"`));
  } else if (head === "tanh-gaussian") {
    problems.push(problemLine("unsupported", `policy.head: "tanh-gaussian" is for SAC; policy-gradient methods use "gaussian" (actions are clipped by the env)`));
  }
  if (spec.kind === "model") {
    const model = spec.model as { inputs?: { shape: (number | null)[] }[]; outputs?: { shape: (number | null)[] }[] };
    const inSize = model.inputs?.length === 1 ? model.inputs[0]!.shape[1] : undefined;
    const outSize = model.outputs?.length === 1 ? model.outputs[0]!.shape[1] : undefined;
    if (inSize !== obsSize || outSize !== actionDim) {
      problems.push(
        problemLine("unsupported", `policy.model: the policy model maps ${inSize ?? "?"} → ${outSize ?? "?"} values, but this env needs ${obsSize} observations → ${actionDim} ${discrete ? "logits" : "action means"}`),
      );
    }
  }
  return problems;
}

/** A network's parameters as an optimizer group. */
export function netGroup(name: string, net: Network): ParamGroup {
  return { name, params: net.params, grads: net.grads, paramsChanged: () => net.paramsChanged() };
}

let warnedModelRebuilt = false;
function warnModelRebuilt(): void {
  if (warnedModelRebuilt) return;
  warnedModelRebuilt = true;
  process.emitWarning(
    "rl.model(...) on WebGPU: the model is rebuilt in the tfjs host's worker with fresh weights from its own initializers (GPU weights cannot be read back synchronously in Node); the given model's current weights are not used and the draw is not seeded by the run",
    { code: "TRELLIS_MODEL_REBUILT" },
  );
}
