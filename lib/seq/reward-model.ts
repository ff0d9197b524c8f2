/**
 * A reward model: a transformer with a scalar head, trained on preference
 * pairs with the Bradley–Terry loss, and usable as the reward of any
 * sequence run (or to score a task's samples into preference lists).
 *
 * ```ts
 * const rm = rl.seq.rewardModel(sft.clone(), tokenizer);
 * await rm.train(pairs, { steps: 300, batch: 32, lr: 1e-3 });
 * rm.evaluate(heldOut);                            // { accuracy, pairs }
 * rl.seq(task, { policy, tokenizer, reward: rm.reward(task) })   // RLHF on the model's reward
 * ```
 *
 * The scalar head is one row of the backbone's output layer: r(x, y) is the
 * logit of `headToken` (default the pad token, which a policy never
 * predicts) at the sequence's last position (its end token), a linear
 * function w·h + b of the last hidden state. A backbone made from an SFT
 * policy thus starts from what that policy learned, as RLHF reward models do.
 */
import { adamStep, makeAdamState, type AdamState } from "../optim/adam.js";
import { clipGradNorm, sumOfSquares } from "../optim/clip.js";
import { logisticLoss } from "../pg/preference/logistic.js";
import { listPairs } from "../data/list-pairs.js";
import { packSequences } from "../pg/seq/pack.js";
import { EpochOrder } from "../data/epoch-order.js";
import type { PreferenceData } from "../data/preferences.js";
import { Rng } from "../random/rng.js";
import type { Display } from "../run/display.js";
import { MetricsLog, type MetricsRow } from "../run/metrics-log.js";
import { runSteps } from "../run/step-loop.js";
import { curveWidget, type CurveOptions } from "../../widgets/server/curve.js";
import type { Widget } from "../../widgets/server/widget.js";
import type { TokenPolicy } from "./policies/token-policy.js";
import type { RewardFunction } from "./tasks/rewards.js";
import { describe, type Task } from "./tasks/task.js";
import type { Tokenizer } from "./tokenizers/tokenizer.js";
import { encodeDecoded } from "./tokenizers/decoded-text.js";

/**
 * The Bradley–Terry loss of one pair, −log σ(r_w − r_l) (Bradley & Terry
 * 1952; the reward-model loss of RLHF), and its slopes with respect to r_w
 * and r_l.
 */
export function bradleyTerryLoss(chosen: number, rejected: number): { loss: number; dChosen: number; dRejected: number } {
  if (!Number.isFinite(chosen) || !Number.isFinite(rejected)) throw new RangeError(`bradleyTerryLoss: rewards must be finite, got ${chosen}, ${rejected}`);
  const { loss, slope } = logisticLoss(chosen - rejected);
  return { loss, dChosen: slope, dRejected: -slope };
}

export interface RewardModelTrainOptions {
  readonly steps: number;
  /** Pairs per step. Default 32. */
  readonly batch?: number;
  /** Adam's learning rate. Default 1e-3. */
  readonly lr?: number;
  /** Global gradient-norm clip (null: none). Default 1. */
  readonly maxGradNorm?: number | null;
  /** The pairs of graded lists: every pair of different scores (default) or best against worst. */
  readonly pairs?: "all" | "best-worst";
  /** Seeds the order pairs are visited in. Default 0. */
  readonly seed?: number;
  readonly display?: Display;
  readonly signal?: AbortSignal;
}

interface EncodedPair {
  readonly chosen: { readonly prompt: Int32Array; readonly tokens: Int32Array };
  readonly rejected: { readonly prompt: Int32Array; readonly tokens: Int32Array };
}

let models = 0;

export class RewardModel {
  readonly id: string;
  /** The token that names the head's row of the output layer. */
  readonly headToken: number;
  private readonly adam: AdamState;
  private log = new MetricsLog();
  private steps = 0;
  private training = false;

  constructor(
    /** The transformer (or GRU) whose last position's `headToken` logit is the reward; the model trains it in place. */
    readonly backbone: TokenPolicy,
    readonly tokenizer: Tokenizer,
    options: { headToken?: number; id?: string } = {},
  ) {
    if (backbone === null || typeof backbone !== "object" || typeof backbone.forward !== "function" || !(backbone.params instanceof Float32Array)) throw new TypeError(`rl.seq.rewardModel: expected a token policy as the backbone, got ${describe(backbone)}`);
    if (tokenizer === null || typeof tokenizer !== "object" || typeof tokenizer.encode !== "function") throw new TypeError(`rl.seq.rewardModel: expected a tokenizer, got ${describe(tokenizer)}`);
    if (backbone.vocabSize !== tokenizer.vocabSize) throw new RangeError(`rl.seq.rewardModel: the backbone's vocabulary has ${backbone.vocabSize} tokens, the tokenizer's ${tokenizer.vocabSize}`);
    this.headToken = options.headToken ?? tokenizer.pad;
    if (!Number.isInteger(this.headToken) || this.headToken < 0 || this.headToken >= backbone.vocabSize) throw new RangeError(`rl.seq.rewardModel: headToken must be a token id in [0, ${backbone.vocabSize}), got ${describe(options.headToken)}`);
    this.adam = makeAdamState(backbone.params.length);
    this.id = options.id ?? `reward-model-${++models}`;
  }

  /** Steps trained so far. */
  get step(): number {
    return this.steps;
  }

  /** One row per training step: loss, accuracy, margin, gradNorm, epoch. */
  get metricsLog(): MetricsLog {
    return this.log;
  }

  private encode(prompt: string, completion: string, where: string): { prompt: Int32Array; tokens: Int32Array } {
    const p = this.tokenizer.encode(prompt);
    if (p.length === 0) throw new RangeError(`${where}: the prompt encodes to no tokens`);
    // A sequence run's completions are decoded with their special tokens by name: score the tokens the policy sampled.
    const tokens = Int32Array.from([...encodeDecoded(this.tokenizer, completion), this.tokenizer.eos]);
    if (p.length + tokens.length > this.backbone.context) throw new RangeError(`${where}: ${p.length + tokens.length} tokens, more than the backbone's context of ${this.backbone.context}`);
    return { prompt: p, tokens };
  }

  /** The rewards of sequences, one forward; keeps what a backward needs. Returns the rewards and where each was read. */
  private forward(sequences: readonly { prompt: Int32Array; tokens: Int32Array }[]): { rewards: Float64Array; at: Int32Array; logits: Float32Array | Float64Array } {
    const pack = packSequences(sequences, this.tokenizer.pad);
    const logits = this.backbone.forward(pack.tokens, pack.batch, pack.length);
    const V = this.backbone.vocabSize;
    const at = Int32Array.from(sequences, (s, b) => (b * pack.length + s.prompt.length + s.tokens.length - 1) * V + this.headToken);
    return { rewards: Float64Array.from(at, (i) => logits[i]!), at, logits };
  }

  /** r(prompt, completion) for each pair of texts (batched). */
  scores(items: readonly { readonly prompt: string; readonly completion: string }[]): Float64Array {
    const out = new Float64Array(items.length);
    const chunk = 256;
    for (let start = 0; start < items.length; start += chunk) {
      const part = items.slice(start, start + chunk).map((x, i) => this.encode(x.prompt, x.completion, `rewardModel.scores: item ${start + i}`));
      out.set(this.forward(part).rewards, start);
    }
    return out;
  }

  /** r(prompt, completion). */
  score(prompt: string, completion: string): number {
    return this.scores([{ prompt, completion }])[0]!;
  }

  /**
   * A sequence run's reward: the model's score of the completion, with the
   * task's verdict for the correctness metrics (components: `rewardModel`).
   */
  reward(task: Task): RewardFunction {
    return (completion, item) => {
      const r = this.score(item.prompt, completion);
      return { reward: r, components: { rewardModel: r }, verdict: task.verify(completion, item) };
    };
  }

  /** The ordered pairs of `data` (better first), encoded. */
  private pairsOf(data: PreferenceData, from: "all" | "best-worst"): EncodedPair[] {
    const out: EncodedPair[] = [];
    data.lists().forEach((l, i) => {
      const enc = l.completions.map((c, k) => this.encode(l.prompt, c, `preference data row ${i}, completion ${k}`));
      for (const [w, r] of listPairs(l.scores, from)) out.push({ chosen: enc[w]!, rejected: enc[r]! });
    });
    return out;
  }

  /** The share of `data`'s ordered pairs the model scores in the same order (ties count as wrong), and the pairs counted. */
  evaluate(data: PreferenceData): { accuracy: number; pairs: number } {
    let right = 0;
    let pairs = 0;
    for (const l of data.lists()) {
      const r = this.scores(l.completions.map((completion) => ({ prompt: l.prompt, completion })));
      for (const [w, x] of listPairs(l.scores, "all")) {
        pairs++;
        if (r[w]! > r[x]!) right++;
      }
    }
    return { accuracy: pairs ? right / pairs : NaN, pairs };
  }

  /** Trains on `data`'s pairs with the Bradley–Terry loss (see {@link RewardModelTrainOptions}); an interrupt stops at a step boundary. */
  async train(data: PreferenceData, options: RewardModelTrainOptions): Promise<{ steps: number; last: MetricsRow | undefined }> {
    const { steps, batch = 32, lr = 1e-3, pairs: from = "all", seed = 0 } = options;
    const maxNorm = options.maxGradNorm === undefined ? 1 : options.maxGradNorm;
    if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`rewardModel.train: steps must be a positive integer, got ${describe(steps)}`);
    if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`rewardModel.train: batch must be a positive integer, got ${describe(batch)}`);
    if (!(lr > 0) || !Number.isFinite(lr)) throw new RangeError(`rewardModel.train: lr must be a number > 0, got ${describe(lr)}`);
    if (from !== "all" && from !== "best-worst") throw new RangeError(`rewardModel.train: pairs must be "all" or "best-worst", got ${describe(from)}`);
    if (maxNorm !== null && !(maxNorm > 0)) throw new RangeError(`rewardModel.train: maxGradNorm must be a number > 0 or null, got ${describe(maxNorm)}`);
    if (this.training) throw new Error("this reward model is already training");
    const pairs = this.pairsOf(data, from);
    if (pairs.length === 0) throw new RangeError("rewardModel.train: the data has no pair of different scores");
    const order = new EpochOrder(pairs.length, Rng.fromSeed(seed));
    this.training = true;
    try {
      const r = await runSteps({
        steps,
        ...(options.display ? { display: options.display } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        id: this.id,
        label: "reward model",
        log: this.log,
        count: () => this.steps,
        step: () => this.trainStep(Array.from(order.next(Math.min(batch, pairs.length)), (i) => pairs[i]!), lr, maxNorm, order.epoch),
        curve: { key: "accuracy", label: "pair accuracy" },
      });
      return { steps: r.steps, last: r.last };
    } finally {
      this.training = false;
    }
  }

  /** One Bradley–Terry step on `picked` pairs; returns its metrics row. */
  private trainStep(picked: readonly EncodedPair[], lr: number, maxNorm: number | null, epoch: number): MetricsRow {
    const m = picked.length;
    const sequences = picked.flatMap((p) => [p.chosen, p.rejected]);
    const b = this.backbone;
    b.zeroGrads();
    const { rewards, at, logits } = this.forward(sequences);
    const dLogits = new Float32Array(logits.length);
    let loss = 0;
    let right = 0;
    let margin = 0;
    for (let k = 0; k < m; k++) {
      const l = bradleyTerryLoss(rewards[2 * k]!, rewards[2 * k + 1]!);
      loss += l.loss / m;
      dLogits[at[2 * k]!] = dLogits[at[2 * k]!]! + l.dChosen / m;
      dLogits[at[2 * k + 1]!] = dLogits[at[2 * k + 1]!]! + l.dRejected / m;
      if (rewards[2 * k]! > rewards[2 * k + 1]!) right++;
      margin += (rewards[2 * k]! - rewards[2 * k + 1]!) / m;
    }
    b.backward(dLogits);
    const gradNorm = maxNorm === null ? Math.sqrt(sumOfSquares(b.grads)) : clipGradNorm([b.grads], maxNorm);
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) throw new Error(`reward model step ${this.steps + 1}: non-finite loss or gradient (loss ${loss}); lower the learning rate`);
    adamStep(b.params, b.grads, this.adam, { lr, weightDecay: 0 });
    this.steps++;
    this.log.append({ step: this.steps, update: this.steps, loss, accuracy: right / m, margin, gradNorm, epoch });
    return this.log.last()!;
  }

  /** Saves the model into `dir` (see `reward-model-checkpoint.ts`); `rl.seq.loadRewardModel(dir)` continues it bit for bit. */
  async save(dir: string): Promise<void> {
    if (this.training) throw new Error("rewardModel.save: the model is training; await train() first");
    const { saveRewardModel } = await import("./reward-model-checkpoint.js");
    await saveRewardModel(this, dir);
  }

  /** What a checkpoint keeps besides the backbone's params and the metrics. */
  checkpointState(): { steps: number; adamT: number; adamM: Float32Array; adamV: Float32Array } {
    return { steps: this.steps, adamT: this.adam.t, adamM: this.adam.m, adamV: this.adam.v };
  }

  /** Continues from a checkpoint's state (the backbone's params are already loaded). */
  restoreCheckpoint(state: { steps: number; adamT: number; adamM: Float32Array; adamV: Float32Array }, log: MetricsLog): void {
    const n = this.backbone.params.length;
    if (state.adamM?.length !== n || state.adamV?.length !== n) throw new RangeError(`the checkpoint's Adam moments have ${state.adamM?.length ?? 0} and ${state.adamV?.length ?? 0} values, the backbone ${n} parameters`);
    if (!Number.isInteger(state.steps) || state.steps < 0 || !Number.isInteger(state.adamT) || state.adamT < 0) throw new RangeError(`the checkpoint's counters are not integers ≥ 0: steps ${String(state.steps)}, adamT ${String(state.adamT)}`);
    this.adam.m.set(state.adamM);
    this.adam.v.set(state.adamV);
    this.adam.t = state.adamT;
    this.steps = state.steps;
    this.log = log;
  }

  /** A training metric against steps (default "loss"). */
  curve(options: CurveOptions = {}): Widget {
    return curveWidget([{ name: this.id, metrics: this.log.toArrow() }], {}, { metric: "loss", ...options });
  }
}
