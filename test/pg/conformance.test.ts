// The conformance suite every component of the policy-gradient engine runs.
// Loss terms (every registered `loss` component, and the kl divergence's term
// with each estimator) on seeded random rows, under every kind of aggregate:
// value and gradients come from one call, the gradients are added into
// `grads`, they match central finite differences of the value for each
// output the term reads (and are zero for the others), and every metric is
// declared and documented. Every component type of every slot: docs,
// formula, field docs, defaults that pass their own schema, and a problem at
// the right path for a wrong value of each numeric field.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { componentTypes, div, ENGINE_SETTINGS, OutputGrads, segmentMeanWeights, type Aggregate, type ComponentType, type LossTerm, type Slot, type TermRows } from "../../lib/pg/index.js";
import type { DivergenceRuntime } from "../../lib/pg/divergence/kl.js";
import type { ConfigSchema, Fields } from "../../lib/config/fields.js";
import { METRIC_DOCS } from "../../lib/run/metrics-log.js";
import { Rng } from "../../lib/random/rng.js";

const SLOTS: readonly Slot[] = ["collect", "advantage", "loss", "divergence", "reference", "aggregation", "optimizer", "schedule", "preference", "constraint"];

/** Dataset terms: declared in the loss slot, but their runtime is `HybridPgTerms` of lib/pg/dataset-terms.ts (rows of a mixed dataset, not TermRows). */
const DATASET_TERMS = new Set(["imitation", "offlineCritic"]);

/** Configurations each loss term is checked in (the defaults, and the variants whose branches differ). */
const VARIANTS: Readonly<Record<string, readonly Record<string, unknown>[]>> = {
  clipped: [{}, { clipLow: 0.2, clipHigh: 0.28 }, { dualClip: 3 }, { clip: 0.1, dualClip: 3, coef: 0.5 }],
  pg: [{}, { coef: 0.3 }],
  value: [{}, { clip: 0.2 }, { clip: 0.2, coef: 2 }],
  entropy: [{}, { coef: 0.5 }],
  opmd: [{}, { tau: 0.5, coef: 2 }],
  rec: [{}, { variant: "oneSideIS" }, { variant: "twoSideIS" }, { variant: "ringNoIS" }],
  gspo: [{}, { clipLow: 0.2, clipHigh: 0.28 }],
};

/** Ratios r = π/π_old where some variant's surrogate has a kink (clip bounds, dual-clip cap). */
const RATIO_KINKS = [0.4, 0.8, 0.9, 1.1, 1.2, 1.28, 3];
const VALUE_CLIP = 0.2;
const SIZE = 16;
const SEGMENTS = Int32Array.of(0, 0, 0, 1, 1, 2, 2, 2, 2, 2, 2, 3, 4, 4, 5, 5);

/**
 * Seeded rows away from every kink (finite differences of step 1e-3 stay on
 * one branch): ratios within and outside the clip bounds, up to ~5 (beyond
 * the dual-clip cap 3), advantages of both signs, V − V_old within and
 * outside ±0.2.
 */
function randomRows(seed: number): TermRows {
  const rng = Rng.fromSeed(seed);
  const f = () => new Float32Array(SIZE);
  const rows = { size: SIZE, logp: f(), entropy: f(), values: f(), oldLogp: f(), oldValues: f(), advantages: f(), returns: f(), refLogp: f(), segments: SEGMENTS };
  for (let i = 0; i < SIZE; i++) {
    for (;;) {
      // Fixed rows first: a negative advantage far beyond the dual clip, ratios inside and above the asymmetric clip-high bound.
      const logRatio = i === 0 ? Math.log(4) : i === 1 ? Math.log(1.24) : i === 2 ? Math.log(1.35) : i % 2 ? rng.uniform(-0.15, 0.15) : rng.uniform(-0.6, 1.6);
      const a = i === 0 ? -1 : i === 1 || i === 2 ? 1 : rng.normal();
      rows.logp[i] = rng.uniform(-3, -0.1);
      rows.oldLogp[i] = rows.logp[i]! - logRatio;
      rows.advantages[i] = a;
      rows.refLogp[i] = rows.logp[i]! + rng.uniform(-1, 1);
      rows.entropy[i] = rng.uniform(0.1, 1.5);
      rows.values[i] = rng.normal();
      rows.oldValues[i] = rows.values[i]! + rng.uniform(-0.5, 0.5);
      rows.returns[i] = 2 * rng.normal();
      const r = Math.exp(rows.logp[i]! - rows.oldLogp[i]!);
      const delta = rows.values[i]! - rows.oldValues[i]!;
      const diff = rows.values[i]! - rows.returns[i]!;
      const diffC = rows.oldValues[i]! + Math.max(-VALUE_CLIP, Math.min(VALUE_CLIP, delta)) - rows.returns[i]!;
      const nearKink =
        RATIO_KINKS.some((k) => Math.abs(r - k) < 0.03) || Math.abs(Math.abs(delta) - VALUE_CLIP) < 0.02 || (Math.abs(delta) > VALUE_CLIP && Math.abs(Math.abs(diff) - Math.abs(diffC)) < 0.02) || Math.abs(a) < 0.05;
      if (!nearKink) break;
    }
  }
  return rows;
}

const AGGREGATES: readonly { name: string; aggregate: Aggregate }[] = [
  { name: "uniform mean (divisor = rows)", aggregate: { divisor: SIZE, weights: null } },
  { name: "uniform constant (divisor = 7)", aggregate: { divisor: 7, weights: null } },
  { name: "weighted (segment means)", aggregate: { divisor: null, weights: segmentMeanWeights(SEGMENTS, SIZE) } },
];

type Output = "logp" | "entropy" | "values";
const OUTPUTS: readonly Output[] = ["logp", "entropy", "values"];

/** d loss / d output of every row, as `grads` holds it. */
function gradOf(grads: OutputGrads, output: Output, size: number): Float64Array {
  const out = new Float64Array(size);
  if (output === "logp") out.set(grads.logp);
  else if (output === "values") out.set(grads.value);
  else {
    const d = grads.dEntropy;
    if (typeof d === "number") out.fill(d);
    else out.set(d);
  }
  return out;
}

/** Pre-filled gradients (a term adds to what earlier terms wrote). */
function prefilled(size: number): OutputGrads {
  const g = new OutputGrads();
  g.reset(size);
  for (let i = 0; i < size; i++) {
    g.dLogp[i] = 0.25 + i / 64;
    g.dValue[i] = -0.5 + i / 32;
  }
  g.addEntropyUniform(0.125);
  return g;
}

interface TermCase {
  readonly name: string;
  readonly type: ComponentType;
  readonly make: () => LossTerm;
}

function termCases(): { cases: TermCase[]; skipped: string[] } {
  const cases: TermCase[] = [];
  const skipped: string[] = [];
  for (const type of componentTypes("loss")) {
    if (DATASET_TERMS.has(type.kind)) {
      skipped.push(type.kind);
      continue;
    }
    for (const options of VARIANTS[type.kind] ?? [{}]) {
      cases.push({ name: `loss ${type.kind} ${JSON.stringify(options)}`, type, make: () => type.create(type(options as never).config, {}) as LossTerm });
    }
  }
  for (const estimator of ["k1", "k2", "k3"] as const) {
    for (const coef of [0.05, 1]) {
      const c = div.kl({ estimator, coef, in: "loss" });
      cases.push({ name: `divergence kl ${JSON.stringify(c.config)}`, type: div.kl as never, make: () => (div.kl.create(c.config, {}) as DivergenceRuntime).term! });
    }
  }
  return { cases, skipped };
}

const { cases, skipped } = termCases();

describe("conformance: loss terms", () => {
  test("the registered loss terms are all covered", () => {
    const kinds = new Set(cases.map((c) => c.type.kind));
    for (const t of componentTypes("loss")) assert.ok(kinds.has(t.kind) || DATASET_TERMS.has(t.kind), t.kind);
    assert.ok(kinds.has("kl"));
  });

  for (const kind of skipped) {
    test(`loss ${kind}: skipped (a dataset term: its runtime is HybridPgTerms in lib/pg/dataset-terms.ts, on rows of the mixed dataset, not a LossTerm on TermRows)`, (t) => {
      t.skip(`${kind} is a dataset term whose runtime lives in lib/pg/dataset-terms.ts`);
    });
  }

  for (const c of cases) {
    describe(c.name, () => {
      test("reads only network outputs, and emits only declared, documented, finite metrics", () => {
        const term = c.make();
        assert.ok(term.reads.length > 0);
        for (const r of term.reads) assert.ok(OUTPUTS.includes(r), r);
        const rows = randomRows(1);
        for (const { aggregate } of AGGREGATES) {
          const g = new OutputGrads();
          g.reset(rows.size);
          const { value, metrics } = term.compute(rows, aggregate, g);
          assert.ok(Number.isFinite(value));
          assert.ok(Object.keys(metrics).length > 0, "emits at least one metric");
          for (const [k, v] of Object.entries(metrics)) {
            assert.ok(k in c.type.metrics, `metric ${k} is declared by ${c.type.slot} ${c.type.kind}`);
            assert.ok(METRIC_DOCS[k], `metric ${k} is documented in METRIC_DOCS`);
            assert.ok(Number.isFinite(v), `metric ${k} = ${v}`);
          }
        }
      });

      for (const { name, aggregate } of AGGREGATES) {
        test(`${name}: one call gives the value and adds its gradients; they match finite differences`, () => {
          const term = c.make();
          const rows = randomRows(7);
          const before = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, v instanceof Float32Array ? v.slice() : v]));
          // (a) one call: value + gradients, added to what `grads` held.
          const fresh = new OutputGrads();
          fresh.reset(rows.size);
          const r1 = term.compute(rows, aggregate, fresh);
          const added = prefilled(rows.size);
          const base = prefilled(rows.size);
          const r2 = term.compute(rows, aggregate, added);
          assert.equal(r2.value, r1.value, "the value does not depend on what grads held");
          assert.deepEqual(r2.metrics, r1.metrics);
          for (const o of OUTPUTS) {
            const g0 = gradOf(base, o, rows.size);
            const g1 = gradOf(fresh, o, rows.size);
            const g2 = gradOf(added, o, rows.size);
            for (let i = 0; i < rows.size; i++) assert.ok(Math.abs(g2[i]! - (g0[i]! + g1[i]!)) <= 1e-6, `${o}[${i}]: added ${g2[i]} vs ${g0[i]} + ${g1[i]}`);
          }
          for (const [k, v] of Object.entries(before)) assert.deepEqual((rows as unknown as Record<string, unknown>)[k], v, `compute leaves rows.${k} unchanged`);
          // (b) gradients = central differences of the value, for each output (zero for those it does not read).
          const valueAt = () => {
            const g = new OutputGrads();
            g.reset(rows.size);
            return c.make().compute(rows, aggregate, g).value;
          };
          for (const o of OUTPUTS) {
            const analytic = gradOf(fresh, o, rows.size);
            const x = rows[o];
            for (let i = 0; i < rows.size; i++) {
              const x0 = x[i]!;
              x[i] = x0 + 1e-3;
              const hi = x[i]!;
              const fHi = valueAt();
              x[i] = x0 - 1e-3;
              const lo = x[i]!;
              const fLo = valueAt();
              x[i] = x0;
              const fd = (fHi - fLo) / (hi - lo); // the float32 steps actually taken
              const tol = 2e-6 + 2e-4 * Math.abs(fd);
              if (!c.make().reads.includes(o)) assert.equal(analytic[i], 0, `${o}[${i}]: not read, no gradient`);
              assert.ok(Math.abs(analytic[i]! - fd) <= tol, `${o}[${i}]: analytic ${analytic[i]} vs finite difference ${fd}`);
            }
          }
        });
      }
    });
  }

  test("the fixed rows exercise both sides of the clip bounds and the dual clip", () => {
    const rows = randomRows(7);
    const g = new OutputGrads();
    g.reset(rows.size);
    const plain = componentTypes("loss").find((t) => t.kind === "clipped")!;
    const m = (plain.create(plain({}).config, {}) as LossTerm).compute(rows, AGGREGATES[0]!.aggregate, g).metrics;
    assert.ok(m.clipfrac! > 0 && m.clipfrac! < 1, `clipfrac ${m.clipfrac}`);
    const dual = plain.create(plain({ dualClip: 3 } as never).config, {}) as LossTerm;
    g.reset(rows.size);
    dual.compute(rows, AGGREGATES[0]!.aggregate, g);
    assert.equal(g.logp[0], 0, "row 0 (Â = −1, r = 4) is capped by the dual clip");
  });
});

/** A value that breaks a number field's constraint, and the code it must get. */
function wrongNumbers(check: { min?: number; max?: number; exclusiveMin?: boolean; integer?: boolean }): { value: unknown; code: string }[] {
  const out: { value: unknown; code: string }[] = [
    { value: "oops", code: "not-a-number" },
    { value: Number.NaN, code: "not-a-number" },
    { value: Number.POSITIVE_INFINITY, code: "not-a-number" },
  ];
  if (check.min !== undefined) out.push({ value: check.exclusiveMin ? check.min : check.min - 1, code: "out-of-range" });
  if (check.max !== undefined) out.push({ value: check.max + 1, code: "out-of-range" });
  if (check.integer) {
    const v = (check.min ?? 0) + 1.5;
    if (check.max === undefined || v <= check.max) out.push({ value: v, code: "not-an-integer" });
  }
  return out;
}

function checkSchema(name: string, schema: ConfigSchema<Fields>): void {
  for (const [key, field] of Object.entries(schema.fields)) assert.ok(field.doc.trim().length > 0, `${name}.${key} has a doc`);
  assert.deepEqual(schema.problems(schema.defaults, "x"), [], `${name}: the defaults pass their own schema`);
  for (const [key, field] of Object.entries(schema.fields)) {
    if (field.check.type !== "number") continue;
    for (const { value, code } of wrongNumbers(field.check)) {
      const problems = schema.problems({ ...schema.defaults, [key]: value }, "x");
      assert.ok(["not-a-number", "out-of-range", "not-an-integer"].includes(code));
      assert.deepEqual(
        problems.map((p) => `${p.path} ${p.code}`),
        [`x.${key} ${code}`],
        `${name}.${key} = ${String(value)}`,
      );
    }
  }
}

describe("conformance: every component type", () => {
  for (const slot of SLOTS) {
    test(`slot ${slot}: has components; each has a doc, a formula, documented fields, defaults that pass, problems for wrong numbers`, () => {
      const types = componentTypes(slot);
      assert.ok(types.length > 0, `slot ${slot} has components`);
      for (const t of types) {
        assert.equal(t.slot, slot);
        assert.ok(t.doc.trim().length > 0, `${slot} ${t.kind}: doc`);
        assert.ok(t.formula.trim().length > 0, `${slot} ${t.kind}: formula`);
        checkSchema(`${slot} ${t.kind}`, t.schema);
        assert.deepEqual(t.relations(t.schema.defaults as never, "x"), [], `${slot} ${t.kind}: defaults pass the relations`);
        for (const [k, d] of Object.entries(t.metrics)) {
          assert.ok(d.doc.trim().length > 0, `${slot} ${t.kind}: metric ${k} has a doc`);
          assert.ok(d.over === "last" || d.over === "mean");
          assert.ok(METRIC_DOCS[k], `${slot} ${t.kind}: metric ${k} is documented in METRIC_DOCS`);
        }
      }
    });
  }

  test("the engine's settings: documented fields, defaults that pass, problems for wrong numbers", () => {
    checkSchema("settings", ENGINE_SETTINGS as unknown as ConfigSchema<Fields>);
  });
});
