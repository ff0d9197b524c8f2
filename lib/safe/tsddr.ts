import { makeMlp, type MlpNetwork } from "../nn/mlp.js";
import { adamStep, makeAdamState } from "../optim/adam.js";
import { Rng } from "../random/rng.js";
import { runReservoirChain, type ReservoirProblem } from "./reservoir-chain.js";

/** Options of {@link trainTargetPolicy}. */
export interface TargetPolicyOptions {
  /** Draws one scenario's inflows (one per stage) from `rng`. */
  readonly inflows: (rng: Rng) => ArrayLike<number>;
  /** Gradient steps (default 2000). */
  readonly steps?: number;
  /** Scenarios per step (default 32). */
  readonly batch?: number;
  /** Adam learning rate (default 3e-3). */
  readonly lr?: number;
  /** Hidden widths of the MLP (default [32, 32]). */
  readonly hidden?: readonly number[];
  /** Inputs and outputs are divided and multiplied by this (default the largest demand). */
  readonly scale?: number;
  readonly seed?: number;
}

/**
 * A policy that proposes each stage's target storage from the scenario's
 * inflows, x̂_1..T = π_θ(w_1..T), trained the TS-DDR way: the stages' LPs
 * turn targets into feasible decisions (feasible by construction), and the
 * gradient of the total cost with respect to each target is read off the
 * LPs' duals (`runReservoirChain`), then backpropagated through π_θ.
 */
export class TargetPolicy {
  /** Mean total cost of each training step's scenarios. */
  readonly history: number[] = [];

  private constructor(
    readonly problem: ReservoirProblem,
    private readonly net: MlpNetwork,
    private readonly scale: number,
  ) {}

  static train(problem: ReservoirProblem, options: TargetPolicyOptions): TargetPolicy {
    const T = problem.demand.length;
    if (T < 1) throw new RangeError("TargetPolicy.train: the problem has no stages");
    if (typeof options?.inflows !== "function") throw new TypeError("TargetPolicy.train: options.inflows must be a function (rng) => one inflow per stage");
    const steps = options.steps ?? 2000;
    const batch = options.batch ?? 32;
    for (const [name, v] of [["steps", steps], ["batch", batch]] as const) if (!Number.isInteger(v) || v < 1) throw new RangeError(`TargetPolicy.train: ${name} must be a positive integer, got ${v}`);
    const rng = Rng.fromSeed(options.seed ?? 0);
    const scale = options.scale ?? Math.max(...problem.demand, 1e-9);
    const net = makeMlp([T, ...(options.hidden ?? [32, 32]), T], { rng, lastGain: 1 });
    const policy = new TargetPolicy(problem, net, scale);
    const adam = makeAdamState(net.params.length);
    const x = new Float32Array(batch * T);
    const dOut = new Float32Array(batch * T);
    const scenarios: Float64Array[] = [];
    for (let step = 0; step < steps; step++) {
      scenarios.length = 0;
      for (let b = 0; b < batch; b++) {
        const w = Float64Array.from(options.inflows(rng));
        if (w.length !== T) throw new RangeError(`TargetPolicy.train: inflows gave ${w.length} values for ${T} stages`);
        scenarios.push(w);
        for (let t = 0; t < T; t++) x[b * T + t] = w[t]! / scale;
      }
      net.zeroGrads();
      const out = net.forward(x, batch);
      let sum = 0;
      for (let b = 0; b < batch; b++) {
        const targets = Float64Array.from({ length: T }, (_, t) => out[b * T + t]! * scale);
        const r = runReservoirChain(problem, scenarios[b]!, targets);
        sum += r.total;
        for (let t = 0; t < T; t++) dOut[b * T + t] = (r.dTargets[t]! * scale) / batch;
      }
      net.backward(dOut);
      adamStep(net.params, net.grads, adam, { lr: options.lr ?? 3e-3 });
      net.paramsChanged();
      policy.history.push(sum / batch);
    }
    return policy;
  }

  /** The targets x̂_1..T for one scenario's inflows. */
  targets(inflows: ArrayLike<number>): Float64Array {
    const T = this.problem.demand.length;
    const x = Float32Array.from({ length: T }, (_, t) => inflows[t]! / this.scale);
    const out = this.net.predict(x, 1);
    return Float64Array.from({ length: T }, (_, t) => out[t]! * this.scale);
  }

  /** The total cost of one scenario under the policy (its targets through the stages' LPs). */
  cost(inflows: ArrayLike<number>): number {
    return runReservoirChain(this.problem, inflows, this.targets(inflows)).total;
  }

  dispose(): void {
    this.net.dispose();
  }
}
