import assert from "node:assert/strict";
import { test } from "node:test";
import { rl } from "../../../lib/rl.js";
import { createComponent } from "../../../lib/pg/component.js";
import { tokenSteps, type StepAdvantageRuntime } from "../../../lib/pg/advantage/step-credit.js";
import { empgAdvantages } from "../../../lib/credit/empg.js";
import { Transformer } from "../../../lib/seq/policies/index.js";
import { Rng } from "../../../lib/random/rng.js";

const tok = rl.tokenizer.char("0123456789+-*/=,: abcdefghijklmnopqrstuvwxyz");
const comma = tok.encode(",")[0]!;
const ids = (text: string) => Int32Array.from([...tok.encode(text), tok.eos]);
const near = (got: ArrayLike<number>, want: readonly number[], tol = 1e-5) => {
  assert.equal(got.length, want.length);
  want.forEach((w, i) => assert.ok(Math.abs(got[i]! - w) <= tol, `index ${i}: ${got[i]} vs ${w}`));
};

test("tokenSteps: a step ends with its separator; the end token is in the last step; a trailing separator opens no step", () => {
  assert.deepEqual([...tokenSteps(ids("1+2=3,3*4=12"), comma)], [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]);
  assert.deepEqual([...tokenSteps(Int32Array.of(5, comma), comma)], [0, 0]);
  assert.deepEqual([...tokenSteps(new Int32Array(0), comma)], []);
});

test("rl.adv.selfAttribution on card 12's example: GOOD/BAD/GOOD with R = 1 and BAD/BAD with R = 0 → step advantages on every token of the step", () => {
  const rt = createComponent<StepAdvantageRuntime, unknown>(rl.adv.selfAttribution(), {});
  const a = ids("1+1=2,2+2=4,4*2=8"), b = ids("1+9=9,9-1=1");
  const out = rt.tokenAdvantages(
    [
      { group: 0, reward: 1, tokens: a, entropy: new Float32Array(a.length), stepVerdicts: [true, false, true] },
      { group: 0, reward: 0, tokens: b, entropy: new Float32Array(b.length), stepVerdicts: [false, false] },
    ],
    tok,
  );
  const steps = (text: string, values: number[]) => [...tokenSteps(ids(text), comma)].map((k) => values[k]!);
  near(out[0]!, steps("1+1=2,2+2=4,4*2=8", [1.212132, 1.070711, 1.141421]));
  near(out[1]!, steps("1+9=9,9-1=1", [-1.141421, -1.070711]));
  // unlabeled steps count as BAD
  const unlabeled = rt.tokenAdvantages([{ group: 0, reward: 1, tokens: a, entropy: new Float32Array(a.length) }, { group: 0, reward: 0, tokens: b, entropy: new Float32Array(b.length), stepVerdicts: [false, false] }], tok);
  assert.ok(unlabeled[0]![0]! < out[0]![0]!);
});

test("rl.adv.empg: each step's mean token entropy modulates its completion's outcome advantage (the pure function's numbers, broadcast to tokens)", () => {
  const rt = createComponent<StepAdvantageRuntime, unknown>(rl.adv.empg({ normalize: "none" }), {});
  const a = ids("1+1=2,2+2=4"), b = ids("3*3=9,9-1=8");
  const ent = (text: string, values: number[]) => Float32Array.from(tokenSteps(ids(text), comma), (k) => values[k]!);
  const out = rt.tokenAdvantages(
    [
      { group: 0, reward: 1, tokens: a, entropy: ent("1+1=2,2+2=4", [0.2, 1.0]) },
      { group: 0, reward: 0, tokens: b, entropy: ent("3*3=9,9-1=8", [0.6, 1.4]) },
    ],
    tok,
  );
  // mean-only outcome advantages ±0.5; card 10's entropies
  const want = empgAdvantages([0.2, 1.0, 0.6, 1.4], [0, 0, 1, 1], [0.5, -0.5]);
  near(out[0]!, [...tokenSteps(a, comma)].map((k) => want[k]!));
  near(out[1]!, [...tokenSteps(b, comma)].map((k) => want[2 + k]!));
  assert.throws(() => createComponent<StepAdvantageRuntime, unknown>(rl.adv.empg({ separator: "ab" }), {}).tokenAdvantages([{ group: 0, reward: 1, tokens: a, entropy: new Float32Array(a.length) }], tok), /must be one token/);
});

test("a Countdown run with step credit trains each token with its step's advantage, and the table keeps them", async () => {
  const policy = Transformer.create({ vocabSize: tok.vocabSize, layers: 1, dModel: 16, heads: 2, mlpHidden: 32, context: 48 }, { rng: Rng.fromSeed(3) });
  // partial credit (format) so groups differ; teachers give the groups correct, multi-step samples
  const spec = rl.grpo({ prompts: 4, groupSize: 4, maxNewTokens: 12, lr: 1e-2 }).advantage(rl.adv.selfAttribution()).guidance(rl.guide.teachers({ k: 1 })).addLoss(rl.loss.offPolicy({ shape: "likelihood" }));
  const r = rl.seq(rl.tasks.countdown, { level: 3, policy, tokenizer: tok, seed: 2 }).algo(spec).eval({ problems: 10 }).build();
  await r.train({ steps: 2, display: { progress() {} } });
  const trained = r.learner.last.filter((s) => s.status === "trained");
  const teacher = trained.find((s) => s.source === "teacher")!;
  assert.ok(teacher, "a teacher solution was trained");
  assert.equal(teacher.tokenAdvantages!.length, teacher.tokens.length);
  assert.ok(new Set(teacher.tokenAdvantages).size > 1, "a multi-step solution's steps get different advantages");
  const table = r.completions({ lastSteps: 1 });
  const adv = table.getChild("token_adv")!;
  const varying = Array.from({ length: table.numRows }, (_, i) => adv.get(i)?.toArray() as Float32Array | undefined).filter((a) => a && new Set(a).size > 1);
  assert.ok(varying.length > 0);
});
