// Budget guidance: the Gamma length model on card 22's worked examples, the
// predictor's gradient by finite differences and what it learns, and sampling
// under a budget (forced ends for truncation, guided choices, clear errors).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { rl } from "../../lib/rl.js";
import { budgetGuidedProbabilities, gammaLengthCdf, gammaLengthNll } from "../../lib/steer/budget/gamma-length.js";
import { BudgetPredictor, softplus, thinkingEnd } from "../../lib/steer/budget/budget-predictor.js";
import { sampleWithBudget } from "../../lib/steer/budget/budget-sample.js";
import { Rng } from "../../lib/random/rng.js";

const near = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);
const tok = rl.tokenizer.char("0123456789+=,;td");
const semi = tok.tokenToId(";")!;

describe("budget guidance: the length model (card 22)", () => {
  test("Gamma NLL of α = 100, λ = 20 at L = 120 is 0.270671; its slopes match finite differences", () => {
    const y = Math.log(121);
    near(y, 4.795791, 1e-6, "y");
    const g = gammaLengthNll(y, 100, 20);
    near(g.nll, 0.270671, 1e-6, "nll");
    const e = 1e-6;
    near(g.dAlpha, (gammaLengthNll(y, 100 + e, 20).nll - gammaLengthNll(y, 100 - e, 20).nll) / (2 * e), 1e-5, "dα");
    near(g.dLambda, (gammaLengthNll(y, 100, 20 + e).nll - gammaLengthNll(y, 100, 20 - e).nll) / (2 * e), 1e-5, "dλ");
    assert.throws(() => gammaLengthNll(0, 1, 1), /y must be a finite number > 0/);
    assert.throws(() => gammaLengthNll(1, -1, 1), /α and λ must be finite numbers > 0/);
  });

  test("guided probabilities: a tight budget favors the short continuation; a loose one changes little; none fits: the argmax", () => {
    const p = [0.5, 0.3, 0.2];
    const alpha = [100, 80, 120];
    const lambda = [20, 20, 20];
    near(gammaLengthCdf(99, 100, 20), 0.218316, 1e-6, "a_1");
    near(gammaLengthCdf(99, 80, 20), 0.907786, 1e-6, "a_2");
    near(gammaLengthCdf(99, 120, 20), 0.003027, 1e-6, "a_3");
    const tight = budgetGuidedProbabilities(p, alpha, lambda, 99);
    [0.28568, 0.712736, 0.001584].forEach((x, i) => near(tight[i]!, x, 1e-6, `tight ${i}`));
    const loose = budgetGuidedProbabilities(p, alpha, lambda, 999);
    [0.505352, 0.303297, 0.191351].forEach((x, i) => near(loose[i]!, x, 1e-6, `loose ${i}`));
    assert.deepEqual(Array.from(budgetGuidedProbabilities(p, [1e6, 1e6, 1e6], lambda, 0)), [1, 0, 0]);
  });

  test("thinking ends at the first end token", () => {
    const ends = new Set([semi, tok.tokenToId("d")!]);
    assert.equal(thinkingEnd(tok.encode("t3+4=7;7"), ends), 6);
    assert.equal(thinkingEnd(tok.encode("d7"), ends), 0);
    assert.equal(thinkingEnd(tok.encode("t3+4"), ends), -1);
  });
});

describe("budget guidance: the predictor and the sampler", () => {
  const samples = [...Array(24)].flatMap((_, i) => {
    const a = i % 10;
    const b = (i * 7) % 10;
    const prompt = tok.encode(`${a}+${b}=`);
    return [
      { prompt, tokens: Int32Array.from([...tok.encode(`d${a + b}`), tok.eos]) },
      { prompt, tokens: Int32Array.from([...tok.encode(`t${a}+${b}=${a + b};${a + b}`), tok.eos]) },
    ];
  });
  const make = (seed = 1) => rl.steer.budgetPredictor(tok, { endTokens: [";", "d"], config: { layers: 1, dModel: 16, heads: 2, mlpHidden: 32, context: 24 }, seed });

  test("a training step's gradient matches finite differences of the mean NLL", () => {
    const pred = make(2);
    const b = pred.backbone;
    const before = Float32Array.from(b.params);
    pred.train(samples.slice(0, 6), { steps: 1, batch: 6, maxGradNorm: null });
    const grads = Float64Array.from(b.grads);
    b.params.set(before);
    const rng = Rng.fromSeed(4);
    let checked = 0;
    for (let n = 0; n < 30 && checked < 5; n++) {
      const i = rng.int(before.length);
      if (Math.abs(grads[i]!) < 1e-4) continue;
      const e = 1e-3;
      b.params[i] = before[i]! + e;
      const up = pred.loss(samples.slice(0, 6));
      b.params[i] = before[i]! - e;
      const down = pred.loss(samples.slice(0, 6));
      b.params[i] = before[i]!;
      near(grads[i]!, (up - down) / (2 * e), 2e-3 * Math.max(1, Math.abs(grads[i]!)), `param ${i}`);
      checked++;
    }
    assert.ok(checked >= 3, `checked ${checked}`);
  });

  test("it learns that a direct answer ends thinking now and a scratchpad does not", () => {
    const pred = make(3);
    const before = pred.loss(samples);
    pred.train(samples, { steps: 150, batch: 16, lr: 3e-3 });
    assert.ok(pred.loss(samples) < before / 2, `loss ${before} → ${pred.loss(samples)}`);
    const prompt = tok.encode("3+4=");
    const z = pred.backbone.forward(prompt, 1, prompt.length);
    const V = tok.vocabSize;
    const alpha = new Float64Array(V);
    const lambda = new Float64Array(V);
    pred.gammaParams(z, (prompt.length - 1) * 2 * V, alpha, lambda);
    const [d, t] = [tok.tokenToId("d")!, tok.tokenToId("t")!];
    // "d" ends thinking at once (L = 1); "t" starts a scratchpad of 7 tokens.
    assert.ok(gammaLengthCdf(1, alpha[d]!, lambda[d]!) > 0.3, `Pr(L_d ≤ 1) = ${gammaLengthCdf(1, alpha[d]!, lambda[d]!)}`);
    assert.ok(gammaLengthCdf(1, alpha[t]!, lambda[t]!) < 0.05, `Pr(L_t ≤ 1) = ${gammaLengthCdf(1, alpha[t]!, lambda[t]!)}`);
    assert.ok(gammaLengthCdf(20, alpha[t]!, lambda[t]!) > 0.8, `Pr(L_t ≤ 20) = ${gammaLengthCdf(20, alpha[t]!, lambda[t]!)}`);
    assert.ok(softplus(0) > 0);
  });

  test("truncation forces the end token when the budget runs out; guidance at budget 1 answers directly; seeds repeat", () => {
    const policy = rl.seq.policy("transformer", { vocabSize: tok.vocabSize, layers: 1, dModel: 16, heads: 2, mlpHidden: 32, context: 24 }, { seed: 5 });
    rl.seq.sft(policy, tok, rl.tasks.thinkOrNot, { levels: [0], steps: 60, batch: 32, lr: 3e-3, seed: 1, completions: "all" });
    const pred = make(6);
    pred.train(samples, { steps: 150, batch: 16, lr: 3e-3 });
    const prompts = Array.from({ length: 40 }, (_, i) => `${i % 10}+${(i * 3) % 10}=`);
    const cut = sampleWithBudget(policy, tok, prompts, { mode: "truncation", budget: 3, maxNewTokens: 12, rng: Rng.fromSeed(1), predictor: pred });
    for (const c of cut) {
      const end = thinkingEnd(c.tokens, pred.ends);
      if (end === -1) assert.ok(c.tokens.length < 3 && c.finish === "stop", `no end only when it stopped first: ${c.text}`);
      else assert.ok(end <= 2 && c.thinking === end + 1, `thinking ${c.thinking} within 3: ${c.text}`);
      if (c.tokens.length >= 3 && c.tokens[0] === tok.tokenToId("t")) assert.ok(c.tokens.slice(0, 3).includes(semi), `forced ";" by the third token: ${c.text}`);
    }
    const run = (mode: "guidance" | "none") => sampleWithBudget(policy, tok, prompts, { mode, budget: 1, maxNewTokens: 12, rng: Rng.fromSeed(2), predictor: pred });
    const direct = (cs: ReturnType<typeof run>) => cs.filter((c) => c.text.startsWith("d")).length;
    const guided = run("guidance");
    assert.deepEqual(run("guidance").map((c) => c.text), guided.map((c) => c.text));
    assert.ok(direct(guided) > direct(run("none")), `direct answers: guided ${direct(guided)} vs plain ${direct(run("none"))} of 40`);
    assert.ok(direct(guided) >= 30, `guided at budget 1: ${direct(guided)} of 40 direct`);
  });

  test("bad inputs are named", () => {
    const policy = rl.seq.policy("transformer", { vocabSize: tok.vocabSize, layers: 1, dModel: 8, heads: 2, mlpHidden: 16, context: 24 }, { seed: 1 });
    const pred = make(1);
    const base = { budget: 4, maxNewTokens: 8, rng: Rng.fromSeed(1), predictor: pred };
    assert.throws(() => sampleWithBudget(policy, tok, ["1+1="], { ...base, mode: "soft" as never }), /mode must be "guidance", "truncation" or "none"/);
    assert.throws(() => sampleWithBudget(policy, tok, ["1+1="], { ...base, mode: "guidance", budget: 0 }), /budget must be a positive integer/);
    assert.throws(() => sampleWithBudget(policy, tok, ["1+1="], { ...base, mode: "guidance", predictor: {} as never }), /predictor must be a BudgetPredictor/);
    assert.throws(() => rl.steer.budgetPredictor(tok, { endTokens: ["x"], config: { context: 8 } }), /end token "x" is not in the tokenizer's vocabulary/);
    assert.throws(() => rl.steer.budgetPredictor(tok, { endTokens: [], config: { context: 8 } }), /endTokens must name/);
    assert.throws(() => make().train([{ prompt: tok.encode("1="), tokens: tok.encode("t1") }], { steps: 1 }), /no completion ends its thinking/);
    const other = rl.seq.policy("transformer", { vocabSize: 5, layers: 1, dModel: 8, heads: 2, mlpHidden: 16, context: 24 }, { seed: 1 });
    assert.throws(() => sampleWithBudget(other, tok, ["1+1="], { ...base, mode: "none" }), /the predictor knows 19 tokens, the policy 5/);
  });
});
