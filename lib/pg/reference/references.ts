import { int, num, nums, str } from "../../config/fields.js";
import { problem } from "../../config/problem.js";
import { weightSoup } from "./soup.js";
import { flattenParams } from "../../algos/optimizer.js";
import { defineComponent, type Component } from "../component.js";
import { copyReference, PolicyCopy, type ReferenceContext, type ReferenceRuntime } from "./policy-copy.js";

export const initial = defineComponent({
  slot: "reference",
  kind: "initial",
  formula: "π_ref = π_θ₀, frozen",
  doc: "The policy as the run was built (after initialization or loading): the usual anchor of a KL penalty.",
  fields: {},
  create: (_c, ctx: ReferenceContext): ReferenceRuntime => copyReference(new PolicyCopy(ctx)),
});

export const synced = defineComponent({
  slot: "reference",
  kind: "synced",
  formula: "π_ref ← π_θ every `every` updates",
  doc: "A copy of the policy refreshed every few updates (a trust region that moves in steps, as in TRL's sync_ref_model).",
  fields: { every: int(10, "updates between two copies of the policy into the reference", { min: 1, unit: "updates" }) },
  create: (c, ctx: ReferenceContext): ReferenceRuntime =>
    copyReference(new PolicyCopy(ctx), (copy, policy, updates) => {
      if (updates % c.every === 0) copy.load(flattenParams(policy.groups));
    }),
});

export const ema = defineComponent({
  slot: "reference",
  kind: "ema",
  formula: "θ_ref ← decay · θ_ref + (1 − decay) · θ after every update",
  doc: "An exponential moving average of the policy's parameters: a reference that trails the policy smoothly.",
  fields: { decay: num(0.99, "weight of the old reference parameters at each update", { min: 0, max: 1 }) },
  create: (c, ctx: ReferenceContext): ReferenceRuntime => copyReference(new PolicyCopy(ctx), (copy, policy) => copy.blend(policy, c.decay)),
});

/** Parameters handed to `rl.ref.run(run)` components, by component (they are not configuration data). */
const runParams = new WeakMap<object, Float32Array>();

const savedRun = defineComponent({
  slot: "reference",
  kind: "run",
  formula: "π_ref = the policy of another run, frozen",
  doc: "The policy of another run (a saved checkpoint loaded with `await rl.load(dir)`, or a run of this notebook) at the time the reference was made; the architecture must match. Its parameters are saved with the checkpoint.",
  fields: {
    runId: str("", "id of the run the parameters came from (for the record)"),
  },
  create: (c, ctx: ReferenceContext & { readonly component?: object }): ReferenceRuntime => {
    const params = ctx.component ? runParams.get(ctx.component) : undefined;
    if (params && params.length !== flattenParams(ctx.policy.groups).length) {
      throw new Error(`rl.ref.run(${c.runId}): that run's policy has ${params.length} parameters, this run's ${flattenParams(ctx.policy.groups).length}: the architectures differ`);
    }
    return copyReference(new PolicyCopy(ctx, params));
  },
});

/** What a reference can be taken from: a run (its current policy), or a policy (its params). */
export type ReferenceSource =
  | { readonly id: string; readonly algo: { saveState(): { arrays: Record<string, unknown> } } }
  | { readonly id: string; readonly policy: { readonly params: Float32Array } }
  | { readonly params: Float32Array; readonly id?: string };

/** The parameters of a reference source (copied) and a name for the record; throws a TypeError naming what is expected. */
function sourceParams(source: ReferenceSource, what: string): { params: Float32Array; id: string } {
  const s = source as { id?: unknown; params?: unknown; policy?: { params?: unknown }; algo?: { saveState?: () => { arrays: Record<string, unknown> } } };
  const params = s?.params instanceof Float32Array ? s.params : s?.policy?.params instanceof Float32Array ? s.policy.params : s?.algo?.saveState?.().arrays.params;
  if (!(params instanceof Float32Array)) throw new TypeError(`${what}: expected a run (from .build() or a load) or a policy with params, got ${source === null ? "null" : typeof source}`);
  return { params: params.slice(), id: typeof s.id === "string" ? s.id : "policy" };
}

/** The parameters a `run` or `soup` reference component carries (not configuration data), or undefined (a component rebuilt from JSON: a checkpoint supplies them). */
export function referenceParams(component: object): Float32Array | undefined {
  return runParams.get(component);
}

/** `rl.ref.run(run)`: the current policy of `run` (a run of this notebook, a loaded checkpoint, or a token policy), frozen — e.g. MPO's stage-2 reference, the DPO model. */
export function run(source: ReferenceSource): Component<"reference", { runId: string }> {
  let taken: { params: Float32Array; id: string };
  try {
    taken = sourceParams(source, "rl.ref.run(run)");
  } catch {
    throw new TypeError("rl.ref.run(run): expected a run of a policy-gradient method (from .build() or await rl.load(dir)) or a policy with params");
  }
  const c = Object.freeze({ slot: "reference" as const, kind: "run", config: Object.freeze({ runId: taken.id }) });
  runParams.set(c, taken.params);
  return c;
}
run.kind = savedRun.kind;

const savedSoup = defineComponent({
  slot: "reference",
  kind: "soup",
  formula: "θ_ref = Σ_j α_j θ_j, frozen (a weight soup; SALSA: the uniform average of two SFT runs)",
  doc: "The weighted average of several policies' parameters of one architecture (SALSA's reference: two SFT runs of one base averaged). The soup's parameters are saved with the checkpoint.",
  fields: {
    sources: str("", "ids of the runs or policies averaged (for the record)"),
    weights: nums([0.5, 0.5], "α_j, one per source, summing to 1", { min: 0 }),
  },
  relations: (c, path) => (Math.abs(c.weights.reduce((a, b) => a + b, 0) - 1) > 1e-6 ? [problem(`${path}.weights`, "out-of-range", `expected weights that sum to 1, got ${JSON.stringify(c.weights)}`, { expected: "a sum of 1" })] : []),
  create: (c, ctx: ReferenceContext & { readonly component?: object }): ReferenceRuntime => {
    const params = ctx.component ? runParams.get(ctx.component) : undefined;
    if (params && params.length !== flattenParams(ctx.policy.groups).length) {
      throw new Error(`rl.ref.soup(${c.sources}): the soup has ${params.length} parameters, this run's policy ${flattenParams(ctx.policy.groups).length}: the architectures differ`);
    }
    return copyReference(new PolicyCopy(ctx, params));
  },
});

/** `rl.ref.soup([a, b], { weights })`: the weighted average of runs' or policies' parameters (SALSA), frozen; uniform weights by default. */
export function soup(sources: readonly ReferenceSource[], options: { weights?: readonly number[] } = {}): Component<"reference", { sources: string; weights: readonly number[] }> {
  if (!Array.isArray(sources) || sources.length === 0) throw new TypeError("rl.ref.soup(sources): expected a non-empty list of runs or policies");
  const taken = sources.map((s, i) => sourceParams(s, `rl.ref.soup: source ${i}`));
  const weights = options.weights ?? taken.map(() => 1 / taken.length);
  const c = Object.freeze({ slot: "reference" as const, kind: "soup", config: Object.freeze({ sources: taken.map((t) => t.id).join(","), weights: Object.freeze([...weights]) }) });
  runParams.set(c, weightSoup(taken.map((t) => t.params), weights));
  return c;
}
soup.kind = savedSoup.kind;
