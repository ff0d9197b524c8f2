import type { Rng } from "../../random/rng.js";
import type { TokenPolicy } from "../../seq/policies/token-policy.js";
import type { TaskItem } from "../../seq/tasks/task.js";
import type { Tokenizer } from "../../seq/tokenizers/tokenizer.js";
import type { SampledCompletion } from "../seq/learner.js";

/** One completion to sample for guidance: the context it is sampled in, its problem and group. */
export interface GuidedRequest {
  readonly context: Int32Array;
  readonly item: TaskItem;
  readonly group: number;
  /** Text the verifier reads before the completion's own (a hint that is the answer's beginning). */
  readonly answerPrefix?: string;
}

/** What the sequence learner lends a guidance component during a step. */
export interface GuidanceTools {
  readonly tokenizer: Tokenizer;
  readonly groupSize: number;
  /**
   * One completion per request from the current policy, with the
   * collector's settings, judged by the run's reward on `answerPrefix` + its
   * text; `prompt` is the context it was sampled in, `source` "online".
   */
  sample(requests: readonly GuidedRequest[]): SampledCompletion[];
  /** The run's reward of a completion text. */
  judge(text: string, item: TaskItem): { reward: number; correct: boolean; format: boolean; steps?: boolean[] };
  /** The policy being trained (read only: guidance scores with it, never steps it). */
  readonly policy: TokenPolicy;
  /** The sampling temperature of the collector. */
  readonly temperature: number;
  /** The run's generator (every random choice of guidance). */
  readonly rng: Rng;
}

/** The runtime of a guidance component: rewrites a sampling round's groups before they are credited. */
export interface GuidanceRuntime {
  /**
   * Returns the round's groups (each `groupSize` completions of one prompt,
   * in order) with the guided ones replaced, and the step's guidance metrics.
   */
  guide(groups: readonly SampledCompletion[][], tools: GuidanceTools): { groups: SampledCompletion[][]; metrics: Record<string, number> };
  /**
   * Guidance that re-samples every group: the groups of a round's problems,
   * sampled by the guidance itself (the learner then skips its own plain
   * sampling, which would be thrown away).
   */
  sampleGroups?(problems: readonly { readonly item: TaskItem; readonly prompt: Int32Array; readonly group: number }[], tools: GuidanceTools): { groups: SampledCompletion[][]; metrics: Record<string, number> };
  /** Whether the completions it makes carry off-policy tokens (a loss term must read `offPolicy`). */
  readonly offPolicyTokens: boolean;
}
