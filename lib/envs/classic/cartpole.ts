import { CartPoleKernel, resolveEnvEngine, type EnvEngine, type EnvEngineChoice } from "../../../native/index.js";
import type { Frame, Shape } from "../frame.js";
import { box, discrete } from "../space.js";
import type { VecEnvOptions } from "../vec-env.js";
import { ClassicVecEnv, numberOption } from "./base.js";
import { cos, sin } from "./trig.js";

/** Physical constants of CartPole; the defaults are Gymnasium's. Change them for a sim-vs-real gap. */
export interface CartPoleOptions {
  /** m/s² (9.8). */
  gravity?: number;
  /** kg (1.0). */
  massCart?: number;
  /** kg (0.1). */
  massPole?: number;
  /** Half the pole's length, m (0.5). */
  length?: number;
  /** N pushed left or right (10). */
  forceMag?: number;
  /** Seconds per step (0.02). */
  tau?: number;
  /** Reward -1 on termination and 0 otherwise, instead of +1 every step. */
  suttonBartoReward?: boolean;
  /**
   * How the copies step: "wasm-simd" (a wasm SIMD kernel, two copies per
   * f64x2 vector), "js" (the plain loop, the reference) or "auto" (default:
   * `TRELLIS_ENV_ENGINE` when set, else wasm-simd where the runtime has it).
   * Both give bit-identical results.
   */
  engine?: EnvEngineChoice;
}

const X_THRESHOLD = 2.4;
const THETA_THRESHOLD = (12 * 2 * Math.PI) / 360;
const RESET_LOW = -0.05;
const RESET_HIGH = 0.05;

/**
 * CartPole-v1 (Gymnasium `CartPoleEnv`): push a cart left (0) or right (1) to
 * keep its pole upright. Reward 1 per step; terminates when |x| > 2.4 or
 * |θ| > 12°; truncated at 500 steps. State and observation: x, ẋ, θ, θ̇.
 *
 * Two engines step the copies with bit-identical results: a wasm SIMD
 * kernel (native/envs/cartpole-kernel.ts, the default where the runtime has
 * wasm SIMD; ~2.5× faster at n = 1024) whose memory holds `obs`, `elapsed`
 * and the state, and the plain JS loop below (the reference). Pick one with
 * the `engine` option or `TRELLIS_ENV_ENGINE`.
 */
export class CartPoleVecEnv extends ClassicVecEnv {
  readonly gravity: number;
  readonly massCart: number;
  readonly massPole: number;
  readonly length: number;
  readonly forceMag: number;
  readonly tau: number;
  readonly suttonBartoReward: boolean;
  /** The engine that steps the copies. */
  readonly engine: EnvEngine;
  /** The wasm kernel (engine "wasm-simd"), whose memory holds state, obs, elapsed and ended. */
  private readonly kernel: CartPoleKernel | undefined;
  /** [gravity, massPole, totalMass, polemassLength, length, forceMag, tau, xThreshold, thetaThreshold]. */
  private readonly params: Float64Array;
  /** Scratch of the JS engine: cos θ, sin θ per copy. */
  private readonly trig: Float64Array;

  constructor(options: VecEnvOptions & CartPoleOptions) {
    const high = [X_THRESHOLD * 2, Infinity, THETA_THRESHOLD * 2, Infinity];
    const engine = resolveEnvEngine(options?.engine, "CartPole-v1: option engine");
    let kernel: CartPoleKernel | undefined;
    super(
      {
        id: "CartPole-v1",
        observationSpace: box(high.map((h) => -h), high),
        actionSpace: discrete(2),
        stateLayout: ["x", "x_dot", "theta", "theta_dot"],
        maxEpisodeSteps: 500,
        optionKeys: ["gravity", "massCart", "massPole", "length", "forceMag", "tau", "suttonBartoReward", "engine"],
        buffers: engine === "wasm-simd" ? (n) => (kernel = new CartPoleKernel(n)) : undefined,
      },
      options,
    );
    this.engine = engine;
    this.kernel = kernel;
    this.gravity = numberOption(this.id, options, "gravity", 9.8);
    this.massCart = numberOption(this.id, options, "massCart", 1.0);
    this.massPole = numberOption(this.id, options, "massPole", 0.1);
    this.length = numberOption(this.id, options, "length", 0.5);
    this.forceMag = numberOption(this.id, options, "forceMag", 10.0);
    this.tau = numberOption(this.id, options, "tau", 0.02);
    this.suttonBartoReward = options.suttonBartoReward ?? false;
    // Gymnasium's derived constants, computed the same way (total_mass, polemass_length).
    const totalMass = this.massPole + this.massCart;
    const pml = this.massPole * this.length;
    this.trig = new Float64Array(kernel ? 0 : 2 * this.numEnvs);
    this.params = Float64Array.of(this.gravity, this.massPole, totalMass, pml, this.length, this.forceMag, this.tau, X_THRESHOLD, THETA_THRESHOLD);
    kernel?.setConstants(this.params);
  }

  protected sampleState(i: number): void {
    for (let j = 4 * i; j < 4 * i + 4; j++) this.state[j] = this.rng.uniform(RESET_LOW, RESET_HIGH);
  }

  protected writeObs(i: number): void {
    for (let j = 4 * i; j < 4 * i + 4; j++) this.obs[j] = this.state[j]!;
  }

  step(actions: Int32Array | Float32Array): void {
    const a = this.checkDiscreteBuffer(actions);
    const kernel = this.kernel;
    let nEnded: number;
    if (kernel) {
      kernel.actions.set(a);
      nEnded = kernel.step(this.limit);
    } else {
      nEnded = stepCartPoles(this.numEnvs, a, this.state, this.obs, this.elapsed, this.ended, this.params, this.limit, this.trig);
    }
    if (nEnded < 0) this.throwBadDiscrete(a, 2);
    this.rewards.fill(this.suttonBartoReward ? 0 : 1);
    this.terminated.fill(0);
    this.truncated.fill(0);
    this.endEpisodes(nEnded);
  }

  /** Sets the termination flags the loop left out, then ends the episodes (inlined reset: ~1 copy in 20 ends each step). */
  protected override endEpisodes(count: number): void {
    const s = this.state;
    const obs = this.obs;
    const p = this.params;
    for (let k = 0; k < count; k++) {
      const i = this.ended[k]!;
      if (Math.abs(s[4 * i]!) > p[7]! || Math.abs(s[4 * i + 2]!) > p[8]!) {
        this.terminated[i] = 1;
        if (this.suttonBartoReward) this.rewards[i] = -1;
      }
    }
    if (!this.autoReset) return super.endEpisodes(count);
    const finalObs = this.finalObs;
    const rng = this.rng;
    for (let k = 0; k < count; k++) {
      const i = this.ended[k]!;
      if (this.elapsed[i]! >= this.limit) this.truncated[i] = 1;
      for (let j = 4 * i; j < 4 * i + 4; j++) {
        finalObs[j] = obs[j]!;
        const v = rng.uniform(RESET_LOW, RESET_HIGH);
        s[j] = v;
        obs[j] = v;
      }
      this.elapsed[i] = 0;
    }
  }

  /** The observation is the state (x, ẋ, θ, θ̇). */
  stateFromObservation(obs: ArrayLike<number>): number[] {
    return [obs[0]!, obs[1]!, obs[2]!, obs[3]!];
  }

  render(index?: number): Frame {
    const state = this.getPhysicalState(this.renderIndex(index));
    const x = state[0]!;
    const th = state[2]!;
    const poleLen = 2 * this.length;
    const cartW = 0.4;
    const cartH = 0.24;
    const axleY = cartH / 4;
    const w = 0.08;
    // A pole corner given along (py) and across (px) the pole; θ > 0 leans right.
    const corner = (px: number, py: number): [number, number] => [x + px * Math.cos(th) + py * Math.sin(th), axleY - px * Math.sin(th) + py * Math.cos(th)];
    const shapes: Shape[] = [
      { type: "line", x1: -3, y1: 0, x2: 3, y2: 0, stroke: "#000", width: 0.01 },
      { type: "rect", x: x - cartW / 2, y: -cartH / 2, w: cartW, h: cartH, fill: "#000" },
      {
        type: "polygon",
        points: [corner(-w / 2, -w / 2), corner(-w / 2, poleLen - w / 2), corner(w / 2, poleLen - w / 2), corner(w / 2, -w / 2)],
        fill: "#ca9865",
      },
      { type: "circle", cx: x, cy: axleY, r: w / 2, fill: "#8184cb" },
    ];
    return { viewBox: [-3, -1, 6, 4], width: 600, height: 400, background: "#fff", shapes };
  }
}

/**
 * One step of `n` CartPoles (the JS engine, and the reference the wasm
 * kernel matches): Gymnasium's Euler update, with the same operand order so
 * float64 results match bit for bit. Writes the state and obs rows,
 * counts `elapsed`, lists the copies that terminated or hit `limit` in
 * `ended` and returns how many; returns -1 without stepping anything if an
 * action is not 0 or 1. Everything else is left to the caller, so the loop is
 * short, has no calls and compiles tightly. `trig` is scratch (2 per copy).
 */
function stepCartPoles(
  n: number,
  a: Int32Array,
  s: Float64Array,
  obs: Float32Array,
  elapsed: Int32Array,
  ended: Int32Array,
  p: Float64Array,
  limit: number,
  trig: Float64Array,
): number {
  // Constants read from a Float64Array stay raw doubles in registers.
  const g = p[0]!;
  const mp = p[1]!;
  const totalMass = p[2]!;
  const pml = p[3]!;
  const len = p[4]!;
  const f = p[5]!;
  const tau = p[6]!;
  const xT = p[7]!;
  const thT = p[8]!;
  // First pass: check the actions and take cos θ and sin θ, changing nothing
  // but scratch, so a bad action leaves the env as it was. The physics loop
  // below then has no call at all (not even Math.cos for |θ| ≥ 0.3), which
  // V8 compiles into tighter code.
  let bad = 0;
  for (let i = 0; i < n; i++) {
    bad |= a[i]! >>> 1;
    const th = s[(i << 2) | 2]!;
    trig[i << 1] = cos(th);
    trig[(i << 1) | 1] = sin(th);
  }
  if (bad !== 0) return -1;
  let nEnded = 0;
  // j | k rather than j + k (j is a multiple of 4): no overflow checks.
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    const x = s[j]!;
    const xDot = s[j | 1]!;
    const th = s[j | 2]!;
    const thDot = s[j | 3]!;
    const force = (a[i]! * 2 - 1) * f;
    const c = trig[i << 1]!;
    const sn = trig[(i << 1) | 1]!;
    const temp = (force + pml * (thDot * thDot) * sn) / totalMass;
    const thAcc = (g * sn - c * temp) / (len * (4.0 / 3.0 - (mp * (c * c)) / totalMass));
    const xAcc = temp - (pml * thAcc * c) / totalMass;
    const x1 = x + tau * xDot;
    const xDot1 = xDot + tau * xAcc;
    const th1 = th + tau * thDot;
    const thDot1 = thDot + tau * thAcc;
    s[j] = x1;
    s[j | 1] = xDot1;
    s[j | 2] = th1;
    s[j | 3] = thDot1;
    obs[j] = x1;
    obs[j | 1] = xDot1;
    obs[j | 2] = th1;
    obs[j | 3] = thDot1;
    const e = elapsed[i]! + 1;
    elapsed[i] = e;
    if (Math.abs(x1) > xT || Math.abs(th1) > thT || e >= limit) ended[nEnded++] = i;
  }
  return nEnded;
}

// V8 allocates a function's type feedback lazily, after a few calls. A first
// call that runs 1024 iterations gets the loop optimized while the lines
// before it have no feedback yet; that code is thrown away on the next call
// and V8 then keeps a slower on-stack-replacement version. A few tiny calls at
// load time (with a time limit of 1, so the `ended` branch runs too) give
// every line its feedback first.
for (let k = 0; k < 16; k++) {
  stepCartPoles(2, new Int32Array(2), new Float64Array(8), new Float32Array(8), new Int32Array(2), new Int32Array(2), new Float64Array(9), 1, new Float64Array(4));
}
