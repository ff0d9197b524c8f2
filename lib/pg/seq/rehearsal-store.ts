import type { Rng } from "../../random/rng.js";
import { sampleBatch, type SampleOptions } from "../../seq/policies/sample.js";
import type { TokenPolicy } from "../../seq/policies/token-policy.js";
import type { TaskItem } from "../../seq/tasks/task.js";
import type { Tokenizer } from "../../seq/tokenizers/tokenizer.js";
import type { RehearsalSettings } from "../divergence/rehearsal.js";

/** One stored sample of the reference: prompt, completion (end token included) and the reference's log-prob of each token. */
export interface RehearsalSample {
  readonly prompt: Int32Array;
  readonly tokens: Int32Array;
  readonly refLogp: Float32Array;
}

/**
 * DPH-RL's rehearsal set: correct completions the reference policy wrote for
 * the training prompts it already solves (D_pef: its first `solved`
 * pre-samples all correct), with the reference's token log-probabilities, so
 * a mass-covering divergence can be estimated with no reference model online.
 */
export class RehearsalStore {
  private constructor(
    readonly samples: readonly RehearsalSample[],
    /** Prompts the store's samples came from. */
    readonly prompts: number,
  ) {}

  get size(): number {
    return this.samples.length;
  }

  /** Pre-samples `settings.prompts` prompts × `settings.samples` completions from `reference` and keeps the solved prompts' correct ones. */
  static sample(
    reference: TokenPolicy,
    settings: RehearsalSettings,
    io: { draw(n: number): TaskItem[]; tokenizer: Tokenizer; judge(text: string, item: TaskItem): boolean; sample: Omit<SampleOptions, "stopToken" | "greedy"> },
  ): RehearsalStore {
    const items = io.draw(settings.prompts);
    const rows: Int32Array[] = [];
    for (const item of items) {
      const prompt = io.tokenizer.encode(item.prompt);
      for (let s = 0; s < settings.samples; s++) rows.push(prompt);
    }
    const out = sampleBatch(reference, rows, { ...io.sample, stopToken: io.tokenizer.eos });
    const kept: RehearsalSample[] = [];
    let prompts = 0;
    items.forEach((item, j) => {
      const group = out.slice(j * settings.samples, (j + 1) * settings.samples).map((o, s) => {
        const stopped = o.finish === "stop";
        const text = io.tokenizer.decode(stopped ? o.tokens.subarray(0, o.tokens.length - 1) : o.tokens);
        return { correct: io.judge(text, item), sample: { prompt: rows[j * settings.samples + s]!, tokens: o.tokens, refLogp: Float32Array.from(o.logprobs) } };
      });
      if (!group.slice(0, settings.solved).every((g) => g.correct)) return;
      prompts++;
      for (const g of group) if (g.correct) kept.push(g.sample);
    });
    return new RehearsalStore(kept, prompts);
  }

  /** `n` stored samples drawn uniformly with replacement. */
  draw(rng: Rng, n: number): RehearsalSample[] {
    return Array.from({ length: n }, () => this.samples[rng.int(this.samples.length)]!);
  }

  /** The store as float32 arrays (token ids are exact in float32), for a checkpoint's tensors. */
  toArrays(): Record<string, Float32Array> {
    const lengths = new Float32Array(2 * this.samples.length + 1);
    lengths[0] = this.prompts;
    let total = 0;
    this.samples.forEach((s, i) => {
      lengths[1 + 2 * i] = s.prompt.length;
      lengths[2 + 2 * i] = s.tokens.length;
      total += s.prompt.length + s.tokens.length;
    });
    const tokens = new Float32Array(total);
    const refLogp = new Float32Array(this.samples.reduce((n, s) => n + s.tokens.length, 0));
    let t = 0, l = 0;
    for (const s of this.samples) {
      tokens.set(s.prompt, t);
      tokens.set(s.tokens, t + s.prompt.length);
      t += s.prompt.length + s.tokens.length;
      refLogp.set(s.refLogp, l);
      l += s.tokens.length;
    }
    return { rehearsalLengths: lengths, rehearsalTokens: tokens, rehearsalRefLogp: refLogp };
  }

  /** The store saved by {@link toArrays}; an empty store when the checkpoint was saved before one was made. */
  static fromArrays(a: Record<string, Float32Array>): RehearsalStore | null {
    const lengths = a.rehearsalLengths, tokens = a.rehearsalTokens, refLogp = a.rehearsalRefLogp;
    if (!lengths && !tokens && !refLogp) return null;
    if (!lengths || !tokens || !refLogp || lengths.length % 2 !== 1) throw new RangeError("sequence learner state: the rehearsal store needs rehearsalLengths (odd length), rehearsalTokens and rehearsalRefLogp");
    const samples: RehearsalSample[] = [];
    let t = 0, l = 0;
    for (let i = 1; i < lengths.length; i += 2) {
      const p = lengths[i]!, n = lengths[i + 1]!;
      if (!(Number.isInteger(p) && Number.isInteger(n) && p > 0 && n > 0) || t + p + n > tokens.length || l + n > refLogp.length) throw new RangeError(`sequence learner state: rehearsal sample ${(i - 1) / 2} has lengths ${p}, ${n} beyond the stored tokens`);
      samples.push({ prompt: Int32Array.from(tokens.subarray(t, t + p)), tokens: Int32Array.from(tokens.subarray(t + p, t + p + n)), refLogp: refLogp.slice(l, l + n) });
      t += p + n;
      l += n;
    }
    if (t !== tokens.length || l !== refLogp.length) throw new RangeError("sequence learner state: the rehearsal tokens and log-probs do not match their lengths");
    // float32 holds every integer up to 2^24 exactly, and a vocabulary is far smaller
    const badToken = tokens.findIndex((x) => !(Number.isInteger(x) && x >= 0 && x <= 2 ** 24));
    if (badToken >= 0) throw new RangeError(`sequence learner state: rehearsal token ${badToken} is ${tokens[badToken]}, expected a token id (an integer in [0, 2^24])`);
    const badLogp = refLogp.findIndex((x) => !(x <= 0));
    if (badLogp >= 0) throw new RangeError(`sequence learner state: rehearsal log-prob ${badLogp} is ${refLogp[badLogp]}, expected a log-probability (a number ≤ 0)`);
    if (!(Number.isInteger(lengths[0]!) && lengths[0]! >= 0)) throw new RangeError(`sequence learner state: the rehearsal prompt count is ${lengths[0]}, expected an integer ≥ 0`);
    return new RehearsalStore(samples, lengths[0]!);
  }
}
