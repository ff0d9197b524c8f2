import { int, num, str } from "../../config/fields.js";
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

/** `rl.ref.run(run)`: the current policy of `run` (anything with `id` and `algo.saveState()`), frozen. */
export function run(source: { readonly id: string; readonly algo: { saveState(): { arrays: Record<string, unknown> } } }): Component<"reference", { runId: string }> {
  const params = source?.algo?.saveState?.().arrays.params;
  if (!(params instanceof Float32Array)) throw new TypeError("rl.ref.run(run): expected a run of a policy-gradient method (from .build() or await rl.load(dir))");
  const c = Object.freeze({ slot: "reference" as const, kind: "run", config: Object.freeze({ runId: source.id }) });
  runParams.set(c, params.slice());
  return c;
}
run.kind = savedRun.kind;
