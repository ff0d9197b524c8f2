/**
 * A preference run: a token policy trained offline on preference data (pairs
 * or graded lists) by a preference loss — DPO and its IPO / hinge options,
 * LiPO-λ — against a frozen reference, step after step from notebook cells,
 * with its metrics, curves and the implicit reward's ranking.
 *
 * ```ts
 * const run = rl.seq.preference(data, { policy, tokenizer, loss: rl.pref.lipo({ beta: 0.05 }), lr: 5e-4, batch: 16 });
 * await run.train({ steps: 200 });
 * run.evaluate(heldOut);   // { ndcg, pairAccuracy, lists }
 * run.curve({ metric: "accuracy" });
 * ```
 *
 * Each step draws `batch` lists (an epoch's order is a seeded shuffle), runs
 * the policy and the reference over every completion (prompt + completion +
 * end token), takes each completion's summed log-probability, and averages
 * the loss's lists; the gradient goes back through the completions' tokens.
 */
import { problem, type Problem } from "../config/problem.js";
import { adamStep, makeAdamState, type AdamState } from "../optim/adam.js";
import { clipGradNorm, sumOfSquares } from "../optim/clip.js";
import { componentProblems, createComponent, type Component } from "../pg/component.js";
import { completionLogits } from "../pg/seq/completion-logits.js";
import type { PreferenceTerm } from "../pg/preference/term.js";
import { dpo } from "../pg/preference/dpo.js";
import type { PreferenceData, PreferenceList } from "../data/preferences.js";
import { Rng } from "../random/rng.js";
import { EpochOrder, type EpochOrderState } from "../data/epoch-order.js";
import { RunConfigError } from "../run/builder.js";
import type { Display } from "../run/display.js";
import { MetricsLog, documentMetric, type MetricsRow } from "../run/metrics-log.js";
import { runSteps, type StepLoopResult } from "../run/step-loop.js";
import { curveWidget, type CurveOptions } from "../../widgets/server/curve.js";
import type { Widget } from "../../widgets/server/widget.js";
import { logSoftmax } from "./policies/logprobs.js";
import type { TokenPolicy } from "./policies/token-policy.js";
import type { Tokenizer } from "./tokenizers/tokenizer.js";
import { ndcg } from "./eval/ndcg.js";

documentMetric("accuracy", "preference runs: the fraction of a step's ordered pairs (better score first) whose implicit rewards are in the same order");
documentMetric("margin", "preference runs: the mean implicit-reward gap s_better − s_worse over a step's ordered pairs (s = β log π/π_ref)");
documentMetric("chosenReward", "preference runs: the mean implicit reward of each list's best completion");
documentMetric("rejectedReward", "preference runs: the mean implicit reward of each list's worst completion");
documentMetric("epoch", "preference runs: passes over the data so far (fractional)");

export interface PreferenceRunOptions {
  readonly policy: TokenPolicy;
  readonly tokenizer: Tokenizer;
  /** The preference loss (default `rl.pref.dpo()`). */
  readonly loss?: Component<"preference">;
  /** The frozen reference π_ref (default: a copy of `policy` as the run is built). */
  readonly reference?: TokenPolicy;
  /** Adam's learning rate. Default 5e-4. */
  readonly lr?: number;
  /** Lists (or pairs) per step. Default 16. */
  readonly batch?: number;
  /** Global gradient-norm clip (null: none). Default 1. */
  readonly maxGradNorm?: number | null;
  /** Seeds the order the data is visited in. Default 0. */
  readonly seed?: number;
  /** How widgets name the run. */
  readonly id?: string;
}

export interface PreferenceEvaluation {
  /** Mean NDCG of the implicit reward's ranking over the lists (lists whose labels are all 0 left out). */
  readonly ndcg: number;
  /** The fraction of ordered pairs (different scores) whose implicit rewards are in the same order. */
  readonly pairAccuracy: number;
  readonly lists: number;
}

let runs = 0;

function optionProblems(options: PreferenceRunOptions): Problem[] {
  const p: Problem[] = [];
  const o = options as Partial<PreferenceRunOptions> | null;
  if (o === null || typeof o !== "object") return [problem("", "wrong-type", "expected options { policy, tokenizer, loss?, lr?, batch?, … }")];
  const isPolicy = (x: unknown) => x !== null && typeof x === "object" && typeof (x as TokenPolicy).forward === "function" && (x as TokenPolicy).params instanceof Float32Array;
  if (!isPolicy(o.policy)) p.push(problem("policy", "wrong-type", "expected a token policy (rl.seq.policy(...))"));
  if (o.tokenizer === null || typeof o.tokenizer !== "object" || typeof o.tokenizer.encode !== "function") p.push(problem("tokenizer", "wrong-type", "expected a tokenizer (rl.tokenizer.char(...))"));
  if (o.reference !== undefined) {
    if (!isPolicy(o.reference)) p.push(problem("reference", "wrong-type", "expected a token policy"));
    else if (isPolicy(o.policy) && o.reference.params.length !== o.policy!.params.length) p.push(problem("reference", "incompatible", `the reference has ${o.reference.params.length} parameters, the policy ${o.policy!.params.length}: the architectures differ`));
  }
  if (o.loss !== undefined) p.push(...componentProblems(o.loss, "preference", "loss"));
  const positive = (name: "lr" | "batch", integer: boolean) => {
    const v = o[name];
    if (v !== undefined && !(typeof v === "number" && Number.isFinite(v) && v > 0 && (!integer || Number.isInteger(v)))) p.push(problem(name, "out-of-range", `expected a ${integer ? "positive integer" : "number > 0"}, got ${String(v)}`));
  };
  positive("lr", false);
  positive("batch", true);
  if (o.maxGradNorm !== undefined && o.maxGradNorm !== null && !(typeof o.maxGradNorm === "number" && o.maxGradNorm > 0)) p.push(problem("maxGradNorm", "out-of-range", `expected a number > 0 or null, got ${String(o.maxGradNorm)}`));
  if (o.seed !== undefined && !Number.isInteger(o.seed)) p.push(problem("seed", "not-an-integer", `expected an integer, got ${String(o.seed)}`));
  return p;
}

/** A list's completions as token sequences (prompt; completion + end token), checked against the context. */
interface EncodedList {
  readonly list: PreferenceList;
  readonly sequences: { readonly prompt: Int32Array; readonly tokens: Int32Array }[];
}

export class PreferenceRun {
  readonly id: string;
  readonly loss: Component<"preference">;
  readonly reference: TokenPolicy;
  private readonly term: PreferenceTerm;
  private readonly encoded: EncodedList[];
  private readonly adam: AdamState;
  private readonly order: EpochOrder;
  private steps = 0;
  private log = new MetricsLog();
  private trainSeconds = 0;
  private training = false;
  private stopRequested = false;

  constructor(
    readonly data: PreferenceData,
    private readonly options: PreferenceRunOptions,
  ) {
    const problems = optionProblems(options);
    if (problems.length) throw new RunConfigError(problems);
    this.loss = options.loss ?? dpo();
    this.term = createComponent<PreferenceTerm, undefined>(this.loss, undefined);
    this.reference = options.reference ? options.reference.clone() : options.policy.clone();
    this.id = options.id ?? `pref-run-${++runs}`;
    this.encoded = data.lists().map((list, i) => this.encode(list, i));
    this.adam = makeAdamState(options.policy.params.length);
    this.order = new EpochOrder(this.encoded.length, Rng.fromSeed(options.seed ?? 0));
  }

  get policy(): TokenPolicy {
    return this.options.policy;
  }

  get tokenizer(): Tokenizer {
    return this.options.tokenizer;
  }

  /** Steps taken so far. */
  get step(): number {
    return this.steps;
  }

  get label(): string {
    return `${this.loss.kind} preferences`;
  }

  get displayName(): string {
    return /^pref-run-\d+$/.test(this.id) ? `${this.label} · ${this.id}` : this.id;
  }

  /** One row per step: loss, accuracy, margin, chosenReward, rejectedReward, gradNorm, epoch (Arrow, a copy). */
  get metrics() {
    return this.log.toArrow();
  }

  get metricsLog(): MetricsLog {
    return this.log;
  }

  get isTraining(): boolean {
    return this.training;
  }

  stop(): boolean {
    if (!this.training) return false;
    this.stopRequested = true;
    return true;
  }

  private encode(list: PreferenceList, i: number): EncodedList {
    const { tokenizer, policy } = this.options;
    const prompt = tokenizer.encode(list.prompt);
    if (prompt.length === 0) throw new RangeError(`preference data row ${i}: the prompt encodes to no tokens`);
    const sequences = list.completions.map((c, k) => {
      const tokens = tokenizer.encode(c, { eos: true });
      if (prompt.length + tokens.length > policy.context) throw new RangeError(`preference data row ${i}, completion ${k}: ${prompt.length + tokens.length} tokens, more than the policy's context of ${policy.context}`);
      return { prompt, tokens };
    });
    return { list, sequences };
  }

  /** The next `batch` lists of the epochs' shuffled order. */
  private nextBatch(): EncodedList[] {
    return Array.from(this.order.next(Math.min(this.options.batch ?? 16, this.encoded.length)), (i) => this.encoded[i]!);
  }

  /** One gradient step on the next batch; returns its metrics row. */
  trainStep(): MetricsRow {
    const t0 = performance.now();
    const policy = this.policy;
    const batch = this.nextBatch();
    const sequences = batch.flatMap((e) => e.sequences);
    policy.zeroGrads();
    const forward = completionLogits(policy, sequences, this.tokenizer.pad);
    const logp = sequenceLogProbs(forward.logits, forward.rows, forward.targets, sequences, policy.vocabSize);
    const refLogp = this.referenceLogProbs(sequences);
    const dSequence = new Float64Array(sequences.length);
    let loss = 0;
    const stats = { pairs: 0, ordered: 0, margin: 0, chosen: 0, rejected: 0 };
    let k = 0;
    for (const e of batch) {
      const n = e.sequences.length;
      const lp = logp.subarray(k, k + n);
      const rp = refLogp.subarray(k, k + n);
      const r = this.term.list(lp, rp, e.list.scores);
      loss += r.loss / batch.length;
      for (let i = 0; i < n; i++) dSequence[k + i] = r.dLogp[i]! / batch.length;
      rankingStats(lp, rp, e.list.scores, this.term.beta, stats);
      k += n;
    }
    backwardSequenceLogProbs(policy, forward.logits, forward.rows, forward.targets, sequences, dSequence);
    const maxNorm = this.options.maxGradNorm === undefined ? 1 : this.options.maxGradNorm;
    const gradNorm = maxNorm === null ? Math.sqrt(sumOfSquares(policy.grads)) : clipGradNorm([policy.grads], maxNorm);
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) throw new Error(`preference step ${this.steps + 1}: non-finite loss or gradient (loss ${loss}); lower the learning rate`);
    adamStep(policy.params, policy.grads, this.adam, { lr: this.options.lr ?? 5e-4, weightDecay: 0 });
    this.steps++;
    this.trainSeconds += (performance.now() - t0) / 1000;
    this.log.append({
      step: this.steps,
      update: this.steps,
      wallTime: this.trainSeconds,
      loss,
      accuracy: stats.pairs ? stats.ordered / stats.pairs : NaN,
      margin: stats.pairs ? stats.margin / stats.pairs : NaN,
      chosenReward: stats.chosen / batch.length,
      rejectedReward: stats.rejected / batch.length,
      gradNorm,
      epoch: this.order.epoch,
    });
    return this.log.last()!;
  }

  /** Summed log π_ref of each sequence (no gradient kept on the policy). */
  private referenceLogProbs(sequences: readonly { readonly prompt: Int32Array; readonly tokens: Int32Array }[]): Float64Array {
    const f = completionLogits(this.reference, sequences, this.tokenizer.pad);
    return sequenceLogProbs(f.logits, f.rows, f.targets, sequences, this.reference.vocabSize);
  }

  /**
   * The implicit rewards s = β (log π − log π_ref) of each list's completions
   * (of this run's data, or of `data`), in list order.
   */
  implicitRewards(data?: PreferenceData): Float64Array[] {
    const encoded = data ? data.lists().map((l, i) => this.encode(l, i)) : this.encoded;
    const out: Float64Array[] = [];
    const chunk = 64;
    for (let start = 0; start < encoded.length; start += chunk) {
      const part = encoded.slice(start, start + chunk);
      const sequences = part.flatMap((e) => e.sequences);
      const f = completionLogits(this.policy, sequences, this.tokenizer.pad);
      const lp = sequenceLogProbs(f.logits, f.rows, f.targets, sequences, this.policy.vocabSize);
      const rp = this.referenceLogProbs(sequences);
      let k = 0;
      for (const e of part) {
        const n = e.sequences.length;
        out.push(Float64Array.from({ length: n }, (_, i) => this.term.beta * (lp[k + i]! - rp[k + i]!)));
        k += n;
      }
    }
    return out;
  }

  /** How well the implicit reward ranks `data`'s lists (default this run's data): mean NDCG and pair accuracy. */
  evaluate(data?: PreferenceData): PreferenceEvaluation {
    const lists = (data ?? this.data).lists();
    const rewards = this.implicitRewards(data);
    let sum = 0;
    let counted = 0;
    const stats = { pairs: 0, ordered: 0, margin: 0, chosen: 0, rejected: 0 };
    lists.forEach((l, i) => {
      const v = ndcg(rewards[i]!, l.scores);
      if (!Number.isNaN(v)) {
        sum += v;
        counted++;
      }
      orderedPairs(rewards[i]!, l.scores, stats);
    });
    return { ndcg: counted ? sum / counted : NaN, pairAccuracy: stats.pairs ? stats.ordered / stats.pairs : NaN, lists: lists.length };
  }

  /** Saves the run into `dir` (see `preference-checkpoint.ts`); `rl.seq.loadPreference(dir)` continues it bit for bit. */
  async save(dir: string): Promise<void> {
    const { savePreferenceRun } = await import("./preference-checkpoint.js");
    await savePreferenceRun(this, dir);
  }

  /** What a checkpoint keeps of the run besides the policy, the data and the metrics. */
  checkpointState(): { json: { steps: number; trainSeconds: number; adamT: number; order: EpochOrderState; options: { lr?: number; batch?: number; maxGradNorm?: number | null; seed?: number } }; arrays: Record<string, Float32Array> } {
    const { lr, batch, maxGradNorm, seed } = this.options;
    return {
      json: { steps: this.steps, trainSeconds: this.trainSeconds, adamT: this.adam.t, order: this.order.state(), options: { lr, batch, maxGradNorm, seed } },
      arrays: { params: this.policy.params, referenceParams: this.reference.params, adamM: this.adam.m, adamV: this.adam.v },
    };
  }

  /** Continues from a checkpoint's state (the policy's params are already loaded). */
  restoreCheckpoint(json: { steps: number; trainSeconds: number; adamT: number; order: EpochOrderState }, arrays: Record<string, Float32Array>, log: MetricsLog): void {
    const n = this.policy.params.length;
    for (const name of ["referenceParams", "adamM", "adamV"]) if (arrays[name]?.length !== n) throw new RangeError(`the checkpoint's ${name} has ${arrays[name]?.length ?? 0} values, the policy ${n} parameters`);
    if (!Number.isInteger(json.steps) || json.steps < 0 || !Number.isInteger(json.adamT) || json.adamT < 0 || !(json.trainSeconds >= 0)) throw new RangeError(`the checkpoint's counters are not integers ≥ 0: steps ${String(json.steps)}, adamT ${String(json.adamT)}, trainSeconds ${String(json.trainSeconds)}`);
    this.reference.params.set(arrays.referenceParams!);
    this.adam.m.set(arrays.adamM!);
    this.adam.v.set(arrays.adamV!);
    this.adam.t = json.adamT;
    this.order.restore(json.order);
    this.steps = json.steps;
    this.trainSeconds = json.trainSeconds;
    this.log = log;
  }

  /** Trains for `steps` steps (or until `until(row)`), with the progress display; an interrupt stops at a step boundary. */
  async train(options: { steps?: number; until?: (row: MetricsRow) => boolean; display?: Display; signal?: AbortSignal } = {}): Promise<StepLoopResult> {
    if (this.training) throw new Error("this run is already training (another train() call has not finished); await it or stop it first");
    this.training = true;
    this.stopRequested = false;
    try {
      return await runSteps({ ...options, id: this.id, label: this.label, log: this.log, count: () => this.steps, step: () => this.trainStep(), stopRequested: () => this.stopRequested, stop: () => this.stop(), curve: { key: "accuracy", label: "pair accuracy" } });
    } finally {
      this.training = false;
    }
  }

  /** A metric against steps (default "loss"; "accuracy", "margin", …). */
  curve(options: CurveOptions = {}): Widget {
    return curveWidget([{ name: this.displayName, metrics: this.metrics }], {}, { metric: "loss", ...options });
  }
}

/** Per sequence, Σ_t log π(token_t | prefix) from {@link completionLogits}' output. */
export function sequenceLogProbs(logits: ArrayLike<number>, rows: Int32Array, targets: Int32Array, sequences: readonly { readonly tokens: Int32Array }[], vocab: number): Float64Array {
  const out = new Float64Array(sequences.length);
  const lp = new Float64Array(vocab);
  let i = 0;
  sequences.forEach((s, k) => {
    let sum = 0;
    for (let t = 0; t < s.tokens.length; t++, i++) {
      logSoftmax(logits, rows[i]! * vocab, vocab, 1, lp);
      sum += lp[targets[i]!]!;
    }
    out[k] = sum;
  });
  return out;
}

/** Backward of {@link sequenceLogProbs}: the policy's gradient of Σ_k dSequence[k] · log π(sequence k). */
export function backwardSequenceLogProbs(policy: TokenPolicy, logits: Float32Array | Float64Array, rows: Int32Array, targets: Int32Array, sequences: readonly { readonly tokens: Int32Array }[], dSequence: Float64Array): void {
  const V = policy.vocabSize;
  const dLogits = new Float32Array(logits.length);
  const lp = new Float64Array(V);
  let i = 0;
  sequences.forEach((s, k) => {
    const g = dSequence[k]!;
    for (let t = 0; t < s.tokens.length; t++, i++) {
      if (g === 0) continue;
      const o = rows[i]! * V;
      logSoftmax(logits, o, V, 1, lp);
      for (let v = 0; v < V; v++) dLogits[o + v]! -= g * Math.exp(lp[v]!);
      dLogits[o + targets[i]!]! += g;
    }
  });
  policy.backward(dLogits);
}

/** Adds a list's ordered pairs' counts (pairs, correctly ordered, margin) by the implicit rewards `s`. */
function orderedPairs(s: ArrayLike<number>, scores: readonly number[], stats: { pairs: number; ordered: number; margin: number }): void {
  for (let i = 0; i < scores.length; i++) {
    for (let j = 0; j < scores.length; j++) {
      if (!(scores[i]! > scores[j]!)) continue;
      stats.pairs++;
      if (s[i]! > s[j]!) stats.ordered++;
      stats.margin += s[i]! - s[j]!;
    }
  }
}

/** {@link orderedPairs} of the implicit rewards β (logp − refLogp), plus the best and worst completions' rewards. */
function rankingStats(logp: ArrayLike<number>, refLogp: ArrayLike<number>, scores: readonly number[], beta: number, stats: { pairs: number; ordered: number; margin: number; chosen: number; rejected: number }): void {
  const s = Float64Array.from(scores, (_, k) => beta * (logp[k]! - refLogp[k]!));
  orderedPairs(s, scores, stats);
  let best = 0;
  let worst = 0;
  scores.forEach((v, k) => {
    if (v > scores[best]!) best = k;
    if (v < scores[worst]!) worst = k;
  });
  stats.chosen += s[best]!;
  stats.rejected += s[worst]!;
}
