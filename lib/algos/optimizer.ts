import { adamStep, type AdamOptions, type AdamState } from "../optim/adam.js";
import type { ParamGroup } from "../policy/param-set.js";

/** Adam over several parameter groups with one shared step counter, like one torch optimizer over `agent.parameters()`. */
export class GroupAdam {
  readonly states: AdamState[];

  constructor(readonly groups: readonly ParamGroup[]) {
    this.states = groups.map((g) => ({ m: new Float32Array(g.params.length), v: new Float32Array(g.params.length), t: 0 }));
  }

  /** One Adam step of every group (or of the groups `only` accepts; the others keep their moments and step count). */
  step(options: AdamOptions, only?: (group: ParamGroup) => boolean): void {
    for (let i = 0; i < this.groups.length; i++) {
      const g = this.groups[i]!;
      if (only && !only(g)) continue;
      adamStep(g.params, g.grads, this.states[i]!, options);
      g.paramsChanged();
    }
  }

  /** Flat copy of the moments and step counter, for checkpoints. */
  save(): { t: number; m: Float32Array; v: Float32Array } {
    const total = this.states.reduce((s, st) => s + st.m.length, 0);
    const m = new Float32Array(total);
    const v = new Float32Array(total);
    let o = 0;
    for (const st of this.states) {
      m.set(st.m, o);
      v.set(st.v, o);
      o += st.m.length;
    }
    return { t: this.states[0]?.t ?? 0, m, v };
  }

  load(saved: { t: number; m: Float32Array; v: Float32Array }): void {
    let o = 0;
    for (const st of this.states) {
      st.m.set(saved.m.subarray(o, o + st.m.length));
      st.v.set(saved.v.subarray(o, o + st.v.length));
      st.t = saved.t;
      o += st.m.length;
    }
  }
}

/** Concatenates the parameters of `groups` (checkpoints, equality checks). */
export function flattenParams(groups: readonly ParamGroup[]): Float32Array {
  const out = new Float32Array(groups.reduce((s, g) => s + g.params.length, 0));
  let o = 0;
  for (const g of groups) {
    out.set(g.params, o);
    o += g.params.length;
  }
  return out;
}

/** Inverse of {@link flattenParams}; tells each group its parameters changed. */
export function unflattenParams(groups: readonly ParamGroup[], flat: Float32Array): void {
  const total = groups.reduce((s, g) => s + g.params.length, 0);
  if (flat.length !== total) throw new RangeError(`checkpoint holds ${flat.length} parameters, this model has ${total}: was it saved from a different architecture?`);
  let o = 0;
  for (const g of groups) {
    g.params.set(flat.subarray(o, o + g.params.length));
    g.paramsChanged();
    o += g.params.length;
  }
}
