/**
 * A SePPO run (Semi-Policy Preference Optimization, arXiv 2410.05255, METHODS.md
 * card 9) on a token policy: preference learning without pairs or a reward
 * model. Each step draws problems of a task; the winner is the task's
 * reference solution (the SFT data), the other completion is sampled from a
 * reference model drawn uniformly among the checkpoints saved so far (the
 * initial policy first; one more every `every` steps, the newest `keep`
 * kept), and `rl.pref.seppo()` decides per pair whether that sample is a
 * loser or a second positive.
 *
 * ```ts
 * const run = rl.seq.seppo(task, { policy, tokenizer, level: 2, loss: rl.pref.seppo({ beta: 0.1 }) });
 * await run.train({ steps: 100 });
 * ```
 *
 * `reference: "latest"` always takes the newest checkpoint (the card's
 * ablation of the random choice).
 */
import { adamStep, makeAdamState, type AdamState } from "../optim/adam.js";
import { clipGradNorm, sumOfSquares } from "../optim/clip.js";
import { componentProblems, createComponent, type Component } from "../pg/component.js";
import { completionLogits } from "../pg/seq/completion-logits.js";
import { seppo } from "../pg/preference/seppo.js";
import type { PreferenceTerm } from "../pg/preference/term.js";
import { problem, type Problem } from "../config/problem.js";
import { Rng } from "../random/rng.js";
import { RunConfigError } from "../run/builder.js";
import type { Display } from "../run/display.js";
import { MetricsLog, documentMetric, type MetricsRow } from "../run/metrics-log.js";
import { runSteps, type StepLoopResult } from "../run/step-loop.js";
import { curveWidget, type CurveOptions } from "../../widgets/server/curve.js";
import type { Widget } from "../../widgets/server/widget.js";
import { sampleBatch } from "./policies/sample.js";
import type { TokenPolicy } from "./policies/token-policy.js";
import { backwardSequenceLogProbs, sequenceLogProbs } from "./preference-run.js";
import type { Task } from "./tasks/task.js";
import type { Tokenizer } from "./tokenizers/tokenizer.js";

documentMetric("flipRate", "SePPO: the share of a step's reference samples treated as second positives (s = −1)");
documentMetric("winnerGain", "SePPO: the mean log π(winner) − log π_ref(winner) of a step (how much better the policy fits the real completions than the drawn reference)");
documentMetric("referenceAge", "SePPO: how many checkpoints back the drawn reference is (0: the newest)");
documentMetric("checkpoints", "SePPO: reference checkpoints kept");

export interface SeppoRunOptions {
  readonly policy: TokenPolicy;
  readonly tokenizer: Tokenizer;
  /** Levels the problems are drawn at (default the task's lowest). */
  readonly level?: number;
  readonly levels?: readonly number[];
  /** Default `rl.pref.seppo()`. */
  readonly loss?: Component<"preference">;
  /** Problems per step. Default 16. */
  readonly batch?: number;
  /** Adam's learning rate. Default 5e-4. */
  readonly lr?: number;
  readonly maxGradNorm?: number | null;
  /** Steps between saved reference checkpoints. Default 30. */
  readonly every?: number;
  /** Checkpoints kept (the newest). Default 7. */
  readonly keep?: number;
  /** Which checkpoint samples: "random" (SePPO) or "latest". Default "random". */
  readonly reference?: "random" | "latest";
  /** The most tokens of a reference sample. */
  readonly maxNewTokens: number;
  readonly seed?: number;
  readonly id?: string;
}

let runs = 0;

function problems(task: Task, o: SeppoRunOptions): Problem[] {
  const p: Problem[] = [];
  if (!task || typeof task.generate !== "function") p.push(problem("task", "wrong-type", "expected a task (rl.tasks.addition, …)"));
  if (!o || typeof o !== "object") return [...p, problem("", "wrong-type", "expected options { policy, tokenizer, maxNewTokens, … }")];
  if (!o.policy || typeof o.policy.forward !== "function") p.push(problem("policy", "wrong-type", "expected a token policy"));
  if (!o.tokenizer || typeof o.tokenizer.encode !== "function") p.push(problem("tokenizer", "wrong-type", "expected a tokenizer"));
  if (o.loss !== undefined) {
    p.push(...componentProblems(o.loss, "preference", "loss"));
    if (!p.length && o.loss.kind !== "seppo") p.push(problem("loss", "unsupported", `a SePPO run trains with rl.pref.seppo(), got rl.pref.${o.loss.kind}()`));
  }
  const positiveInt = (name: "batch" | "every" | "keep" | "maxNewTokens", required = false) => {
    const v = o[name];
    if (v === undefined ? required : !(Number.isInteger(v) && (v as number) >= 1)) p.push(problem(name, "out-of-range", `expected a positive integer, got ${String(v)}`));
  };
  positiveInt("batch");
  positiveInt("every");
  positiveInt("keep");
  positiveInt("maxNewTokens", true);
  if (o.lr !== undefined && !(typeof o.lr === "number" && o.lr > 0 && Number.isFinite(o.lr))) p.push(problem("lr", "out-of-range", `expected a number > 0, got ${String(o.lr)}`));
  if (o.reference !== undefined && o.reference !== "random" && o.reference !== "latest") p.push(problem("reference", "not-one-of", `expected "random" or "latest", got ${JSON.stringify(o.reference)}`));
  const levels = o.levels ?? (o.level !== undefined ? [o.level] : undefined);
  if (levels && task?.levels) for (const l of levels) if (!task.levels.includes(l)) p.push(problem("level", "not-one-of", `level ${l} is not one of ${task.levels.join(", ")}`));
  return p;
}

export class SeppoRun {
  readonly id: string;
  readonly loss: Component<"preference">;
  private readonly term: PreferenceTerm;
  private readonly adam: AdamState;
  private readonly rng: Rng;
  private readonly levels: readonly number[];
  /** Reference checkpoints, oldest first. */
  private readonly pool: TokenPolicy[];
  private readonly log = new MetricsLog();
  private steps = 0;
  private training = false;

  constructor(
    readonly task: Task,
    private readonly options: SeppoRunOptions,
  ) {
    const p = problems(task, options);
    if (p.length) throw new RunConfigError(p);
    this.loss = options.loss ?? seppo();
    this.term = createComponent<PreferenceTerm, undefined>(this.loss, undefined);
    this.adam = makeAdamState(options.policy.params.length);
    this.rng = Rng.fromSeed(options.seed ?? 0);
    this.levels = options.levels ?? (options.level !== undefined ? [options.level] : [task.levels[0]!]);
    this.pool = [options.policy.clone()];
    this.id = options.id ?? `seppo-run-${++runs}`;
  }

  get policy(): TokenPolicy {
    return this.options.policy;
  }

  get step(): number {
    return this.steps;
  }

  /** Reference checkpoints kept. */
  get checkpoints(): number {
    return this.pool.length;
  }

  get displayName(): string {
    return this.id;
  }

  get metricsLog(): MetricsLog {
    return this.log;
  }

  get metrics() {
    return this.log.toArrow();
  }

  /** One step: draw problems and a reference, sample, train; returns the metrics row. */
  trainStep(): MetricsRow {
    const { tokenizer, policy } = this.options;
    const batch = this.options.batch ?? 16;
    const items = Array.from({ length: batch }, () => this.task.generate(this.rng, this.levels[this.rng.int(this.levels.length)]!));
    const age = this.options.reference === "latest" ? 0 : this.rng.int(this.pool.length);
    const reference = this.pool[this.pool.length - 1 - age]!;
    const prompts = items.map((it) => tokenizer.encode(it.prompt));
    const samples = sampleBatch(reference, prompts, { maxNewTokens: this.options.maxNewTokens, stopToken: tokenizer.eos, rng: this.rng });
    const sequences = items.flatMap((it, i) => {
      const winner = tokenizer.encode(it.solution, { eos: true });
      if (prompts[i]!.length + winner.length > policy.context) throw new RangeError(`SePPO: problem ${JSON.stringify(it.prompt)}: its solution makes ${prompts[i]!.length + winner.length} tokens, more than the policy's context of ${policy.context}`);
      return [{ prompt: prompts[i]!, tokens: winner }, { prompt: prompts[i]!, tokens: samples[i]!.tokens }];
    });
    policy.zeroGrads();
    const f = completionLogits(policy, sequences, tokenizer.pad);
    const logp = sequenceLogProbs(f.logits, f.rows, f.targets, sequences, policy.vocabSize);
    const r = completionLogits(reference, sequences, tokenizer.pad);
    const refLogp = sequenceLogProbs(r.logits, r.rows, r.targets, sequences, reference.vocabSize);
    const dSequence = new Float64Array(sequences.length);
    let loss = 0;
    let flips = 0;
    let gain = 0;
    for (let i = 0; i < batch; i++) {
      const lp = logp.subarray(2 * i, 2 * i + 2);
      const rp = refLogp.subarray(2 * i, 2 * i + 2);
      const out = this.term.list(lp, rp, [1, 0]);
      loss += out.loss / batch;
      dSequence[2 * i] = out.dLogp[0]! / batch;
      dSequence[2 * i + 1] = out.dLogp[1]! / batch;
      gain += (lp[0]! - rp[0]!) / batch;
      if (!(lp[0]! - rp[0]! > 0) && (this.loss.config as { flip?: string }).flip !== "always-loser") flips++;
    }
    backwardSequenceLogProbs(policy, f.logits, f.rows, f.targets, sequences, dSequence);
    const maxNorm = this.options.maxGradNorm === undefined ? 1 : this.options.maxGradNorm;
    const gradNorm = maxNorm === null ? Math.sqrt(sumOfSquares(policy.grads)) : clipGradNorm([policy.grads], maxNorm);
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) throw new Error(`SePPO step ${this.steps + 1}: non-finite loss or gradient (loss ${loss}); lower the learning rate`);
    adamStep(policy.params, policy.grads, this.adam, { lr: this.options.lr ?? 5e-4, weightDecay: 0 });
    this.steps++;
    if (this.steps % (this.options.every ?? 30) === 0) {
      this.pool.push(policy.clone());
      if (this.pool.length > (this.options.keep ?? 7)) this.pool.shift();
    }
    this.log.append({ step: this.steps, update: this.steps, loss, flipRate: flips / batch, winnerGain: gain, referenceAge: age, checkpoints: this.pool.length, gradNorm });
    return this.log.last()!;
  }

  /** Trains for `steps` steps (or until `until(row)`) with the progress display; an interrupt stops at a step boundary. */
  async train(options: { steps?: number; until?: (row: MetricsRow) => boolean; display?: Display; signal?: AbortSignal }): Promise<StepLoopResult> {
    if (this.training) throw new Error("this run is already training");
    this.training = true;
    try {
      return await runSteps({ ...options, id: this.id, label: "SePPO", log: this.log, count: () => this.steps, step: () => this.trainStep(), curve: { key: "winnerGain", label: "winner log-ratio" } });
    } finally {
      this.training = false;
    }
  }

  /** A metric against steps (default "loss"). */
  curve(options: CurveOptions = {}): Widget {
    return curveWidget([{ name: this.displayName, metrics: this.metrics }], {}, { metric: "loss", ...options });
  }
}
