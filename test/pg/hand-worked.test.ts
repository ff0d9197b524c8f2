// Small examples of the engine's pieces, each computed by hand in a comment.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { baselineAdvantages, clippedSurrogate, linearAnneal, segmentMeanWeights } from "../../lib/pg/index.js";
import { bool, int, num, numOrNull, oneOf, schema } from "../../lib/config/fields.js";
import { problemFromText } from "../../lib/config/problem.js";

const near = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
const one = (logRatio: number, a: number, clip: { low: number; high: number; dual: number | null }) => {
  const d = new Float32Array(1);
  const r = clippedSurrogate(Float32Array.of(logRatio), new Float32Array(1), Float32Array.of(a), clip, { divisor: 1, weights: null }, d);
  return { ...r, grad: d[0]! };
};

describe("clippedSurrogate: asymmetric clip (clip-higher) and dual clip", () => {
  const asym = { low: 0.2, high: 0.28, dual: null };

  test("r = 1.25, Â = 1, ε_low 0.2, ε_high 0.28: inside [0.8, 1.28], loss −1.25 Â = −1.25, ∂/∂log π = −Â r = −1.25, not clipped", () => {
    const r = one(Math.log(1.25), 1, asym);
    near(r.loss, -1.25);
    near(r.grad, -1.25);
    assert.equal(r.clipfrac, 0);
    // The symmetric ε = 0.2 would clip it: max(−1.25, −1.2) = −1.2, no gradient.
    const s = one(Math.log(1.25), 1, { low: 0.2, high: 0.2, dual: null });
    near(s.loss, -1.2);
    assert.equal(s.grad, 0);
    assert.equal(s.clipfrac, 1);
  });

  test("r = 1.3, Â = 1: clipped at 1 + ε_high = 1.28, loss max(−1.3, −1.28) = −1.28, no gradient", () => {
    const r = one(Math.log(1.3), 1, asym);
    near(r.loss, -1.28);
    assert.equal(r.grad, 0);
    assert.equal(r.clipfrac, 1);
  });

  test("r = 0.75, Â = −1: below 1 − ε_low = 0.8, loss max(0.75, 0.8) = 0.8 (clipped branch), no gradient", () => {
    const r = one(Math.log(0.75), -1, asym);
    near(r.loss, 0.8);
    assert.equal(r.grad, 0);
    assert.equal(r.clipfrac, 1);
  });

  test("dual clip c = 3, Â = −1, r = 4: max(4, 1.2) = 4 capped at −c Â = 3, gradient 0", () => {
    const r = one(Math.log(4), -1, { low: 0.2, high: 0.2, dual: 3 });
    near(r.loss, 3);
    assert.equal(r.grad, 0);
    // Without the dual clip: loss 4, ∂/∂log π = −Â r = 4.
    const u = one(Math.log(4), -1, { low: 0.2, high: 0.2, dual: null });
    near(u.loss, 4, 1e-5);
    near(u.grad, 4, 1e-5);
  });

  test("dual clip c = 3, Â = −1, r = 2: max(2, 1.2) = 2 < 3, uncapped, gradient −Â r = 2; Â > 0 is never dual-clipped", () => {
    const r = one(Math.log(2), -1, { low: 0.2, high: 0.2, dual: 3 });
    near(r.loss, 2);
    near(r.grad, 2);
    // Â = 1, r = 0.5: max(−0.5, −0.8) = −0.5, gradient −Â r = −0.5 (the cap only bounds Â < 0).
    const p = one(Math.log(0.5), 1, { low: 0.2, high: 0.2, dual: 3 });
    near(p.loss, -0.5);
    near(p.grad, -0.5);
  });
});

describe("segmentMeanWeights", () => {
  test("[0,0,0,1]: 2 segments of lengths 3 and 1 → 1/(2·3) = 1/6 each, 1/(2·1) = 1/2", () => {
    const w = segmentMeanWeights(Int32Array.of(0, 0, 0, 1), 4);
    assert.deepEqual(Array.from(w), [1 / 6, 1 / 6, 1 / 6, 1 / 2]);
  });

  test("segments need not be contiguous; ids need not start at 0: [5,7,5] → 1/4, 1/2, 1/4; weights sum to 1", () => {
    const w = segmentMeanWeights([5, 7, 5], 3);
    assert.deepEqual(Array.from(w), [0.25, 0.5, 0.25]);
  });

  test("only the first `size` rows count, written into `out`", () => {
    const out = new Float64Array(3);
    segmentMeanWeights(Int32Array.of(1, 2, 2, 9, 9), 3, out);
    // 2 segments: 1 (length 1) → 1/2, 2 (length 2) → 1/4
    assert.deepEqual(Array.from(out), [0.5, 0.25, 0.25]);
  });
});

describe("linearAnneal", () => {
  test("lr 1e-3, totalSteps 1000, batches of 256: U = ⌊1000/256⌋ = 3 updates → 1e-3, 2/3·1e-3, 1/3·1e-3, 0, then 0", () => {
    near(linearAnneal(1e-3, 0, 1000, 256), 1e-3, 1e-15);
    near(linearAnneal(1e-3, 1, 1000, 256), (2 / 3) * 1e-3, 1e-15);
    near(linearAnneal(1e-3, 2, 1000, 256), (1 / 3) * 1e-3, 1e-15);
    assert.equal(linearAnneal(1e-3, 3, 1000, 256), 0);
    assert.equal(linearAnneal(1e-3, 5, 1000, 256), 0);
  });

  test("fewer total steps than one batch: U = max(1, 0) = 1 → lr, then 0", () => {
    assert.equal(linearAnneal(0.5, 0, 100, 256), 0.5);
    assert.equal(linearAnneal(0.5, 1, 100, 256), 0);
  });
});

describe("baselineAdvantages", () => {
  test("Â = G − V: G = (3, 1, 0), V = (1, 2, 0) → (2, −1, 0), written into and returned as `advantages`", () => {
    const adv = new Float32Array(3);
    const out = baselineAdvantages(Float32Array.of(3, 1, 0), Float32Array.of(1, 2, 0), adv);
    assert.equal(out, adv);
    assert.deepEqual(Array.from(adv), [2, -1, 0]);
  });
});

describe("ConfigSchema", () => {
  const s = schema({
    lr: num(0.1, "step size", { min: 0, exclusiveMin: true, unit: "per step" }),
    n: int(2, "count", { min: 1 }),
    mode: oneOf<"a" | "b">("a", ["a", "b"], "which mode"),
    on: bool(true, "a flag"),
    cap: numOrNull(null, "upper bound", { min: 0, max: 10 }),
  });

  test("defaults, and merge keeps the defaults of the fields not given", () => {
    assert.deepEqual(s.defaults, { lr: 0.1, n: 2, mode: "a", on: true, cap: null });
    assert.deepEqual(s.merge({ n: 3 }), { lr: 0.1, n: 3, mode: "a", on: true, cap: null });
    assert.ok(Object.isFrozen(s.merge({})));
  });

  test("table: one Markdown row per field (name, default, unit, constraint, doc)", () => {
    assert.equal(
      s.table(),
      [
        "| field | default | unit | allowed | meaning |",
        "| --- | --- | --- | --- | --- |",
        "| `lr` | `0.1` | per step | a number > 0 | step size |",
        "| `n` | `2` |  | an integer ≥ 1 | count |",
        '| `mode` | `"a"` |  | one of "a", "b" | which mode |',
        "| `on` | `true` |  | true or false | a flag |",
        "| `cap` | `null` |  | a number ≥ 0 ≤ 10, or null (off) | upper bound |",
      ].join("\n"),
    );
  });

  test("summary: the changed fields, or all", () => {
    assert.equal(s.summary(s.merge({ lr: 0.2, mode: "b" })), 'lr=0.2 mode="b"');
    assert.equal(s.summary(s.defaults), "");
    assert.equal(s.summary(s.defaults, true), 'lr=0.1 n=2 mode="a" on=true cap=null');
  });

  test("problems: one per wrong field, at path.field, with its code, expected and got", () => {
    assert.deepEqual(s.problems(s.defaults, "algo"), []);
    const p = s.problems({ lr: 0, n: 1.5, mode: "c", on: "yes", cap: 11 }, "algo");
    assert.deepEqual(
      p.map((x) => `${x.path} ${x.code}`),
      ["algo.lr out-of-range", "algo.n not-an-integer", "algo.mode not-one-of", "algo.on not-a-boolean", "algo.cap out-of-range"],
    );
    assert.equal(p[0]!.message, "expected a number > 0, got 0");
    assert.equal(p[0]!.expected, "a number > 0");
    assert.equal(p[0]!.got, "0");
    assert.equal(p[2]!.message, 'expected one of "a", "b", got "c"');
    assert.deepEqual(s.problems("fast", "algo").map((x) => `${x.path} ${x.code}`), ["algo wrong-type"]);
  });

  test("problems: an unknown option says which known one was meant", () => {
    const p = s.problems(s.merge({ mdoe: "b" } as never), "algo");
    assert.equal(p.length, 1);
    assert.equal(p[0]!.path, "algo.mdoe");
    assert.equal(p[0]!.code, "unknown-option");
    assert.equal(p[0]!.message, "unknown option. Did you mean 'mode'? Known: lr, n, mode, on, cap");
  });
});

describe("problemFromText", () => {
  test("`path: message` → the path and the message, with the code given (default unsupported)", () => {
    const p = problemFromText("algo.lr: expected a number > 0, got 0", "out-of-range");
    assert.deepEqual({ ...p }, { path: "algo.lr", code: "out-of-range", message: "expected a number > 0, got 0" });
    assert.equal(problemFromText("policy.hidden: bad").code, "unsupported");
  });

  test("text whose prefix is not a path (it has spaces) or without ': ' → path \"\" and the whole text", () => {
    const t = "SAC needs a continuous action space: use rl.ppo()";
    assert.deepEqual({ ...problemFromText(t) }, { path: "", code: "unsupported", message: t });
    assert.deepEqual({ ...problemFromText("no colon here") }, { path: "", code: "unsupported", message: "no colon here" });
  });
});

test("ConfigSchema.merge: undefined gives the defaults; anything but an options object is a TypeError naming the fields; numOr takes its words", async () => {
  const { schema, num, numOr } = await import("../../lib/config/fields.js");
  const s = schema({ lr: num(0.1, "rate", { min: 0 }), target: numOr<"auto">("auto", ["auto"], "target") });
  assert.deepEqual(s.merge(undefined), s.defaults);
  for (const bad of [null, "fast", 3, [1]]) assert.throws(() => s.merge(bad as never), /expected an options object \(\{ lr, target \}\), got /);
  assert.deepEqual(s.problems({ lr: 0.2, target: -3 }, "x"), []);
  assert.deepEqual(s.problems({ lr: 0.2, target: "auto" }, "x"), []);
  assert.deepEqual(s.problems({ lr: 0.2, target: "max" }, "x").map((p) => `${p.path} ${p.code} ${p.expected}`), ['x.target not-a-number a number, or "auto"']);
});
