import assert from "node:assert/strict";
import { test } from "node:test";
import { rl } from "../../lib/rl.js";
import { evaluateHybrid } from "../../lib/seq/eval/hybrid-accuracy.js";
import type { TokenDecoder, TokenPolicy } from "../../lib/seq/policies/token-policy.js";
import type { TaskItem } from "../../lib/seq/tasks/task.js";
import { Rng } from "../../lib/random/rng.js";

const tok = rl.tokenizer.char("0123456789+=,;td");

/**
 * A policy that writes scripted completions: after a prompt it starts with
 * `first[prompt]`, and after a mode token it writes that mode's completion of
 * `script[prompt]` (a logit margin of 60 makes sampling all but certain).
 */
function scripted(script: Record<string, { first: "t" | "d"; t: string; d: string }>): TokenPolicy {
  const V = tok.vocabSize;
  const next = (history: number[]): number => {
    const text = tok.decode(Int32Array.from(history));
    const prompt = Object.keys(script).find((p) => text.startsWith(p));
    if (prompt === undefined) return tok.pad; // inside a prompt: what it predicts is not read
    const written = text.slice(prompt.length);
    if (written === "") return tok.encode(script[prompt]!.first)[0]!;
    if (written[0] !== "t" && written[0] !== "d") return tok.eos;
    const full = script[prompt]![written[0]];
    return written.length < full.length ? tok.encode(full[written.length]!)[0]! : tok.eos;
  };
  const policy: TokenPolicy = {
    kind: "scripted",
    vocabSize: V,
    context: 64,
    params: new Float32Array(1),
    grads: new Float32Array(1),
    zeroGrads() {},
    clone: () => policy,
    forward: () => {
      throw new Error("not used");
    },
    backward() {},
    decoder(rows: number): TokenDecoder {
      const histories = Array.from({ length: rows }, () => [] as number[]);
      let position = 0;
      return {
        rows,
        get position() {
          return position;
        },
        step(tokens, active, logits) {
          for (let r = 0; r < rows; r++) {
            if (active && !active[r]) continue;
            histories[r]!.push(tokens[r]!);
            logits.fill(0, r * V, (r + 1) * V);
            logits[r * V + next(histories[r]!)] = 60;
          }
          position++;
        },
      };
    },
  };
  return policy;
}

const item = (prompt: string, answer: string, level: number): TaskItem => ({ id: `think-or-not/${level}/${prompt}`, prompt, answer, solution: "", level });

test("evaluateHybrid: greedy mode vs the mode each problem prefers, with think rate, pass@1 and tokens per answer", () => {
  const easy = item("1+2=", "3", 0), hard = item("1+2+3+4=", "10", 1), hard2 = item("2+2+2+2=", "8", 1);
  const policy = scripted({
    // easy: both modes right, so direct is preferred; the policy answers directly: a hit
    "1+2=": { first: "d", t: "t1+2=3;3", d: "d3" },
    // hard: only thinking is right, so thinking is preferred; the policy answers directly (wrong): a miss
    "1+2+3+4=": { first: "d", t: "t1+2=3,3+3=6,6+4=10;10", d: "d9" },
    // hard: only thinking is right and the policy thinks: a hit
    "2+2+2+2=": { first: "t", t: "t2+2=4,4+2=6,6+2=8;8", d: "d7" },
  });
  const e = evaluateHybrid(policy, tok, rl.tasks.thinkOrNot, { items: [easy, hard, hard2], maxNewTokens: 24, samples: 3, rng: Rng.fromSeed(1) });
  assert.deepEqual(e.chosen, ["no_think", "no_think", "think"]);
  assert.deepEqual(e.preferred, ["no_think", "think", "think"]);
  assert.ok(Math.abs(e.hybridAccuracy - 2 / 3) < 1e-12);
  assert.ok(Math.abs(e.pass1 - 2 / 3) < 1e-12);
  assert.ok(Math.abs(e.thinkRate - 1 / 3) < 1e-12);
  // "d3" + end, "d9" + end, "t2+2=4,4+2=6,6+2=8;8" + end
  assert.ok(Math.abs(e.tokensPerAnswer - (3 + 3 + 21) / 3) < 1e-12);
  assert.deepEqual(e.byLevel[0], { problems: 1, hybridAccuracy: 1, thinkRate: 0, preferThinkRate: 0, pass1: 1, tokensPerAnswer: 3 });
  assert.deepEqual(e.byLevel[1], { problems: 2, hybridAccuracy: 0.5, thinkRate: 0.5, preferThinkRate: 1, pass1: 0.5, tokensPerAnswer: 12 });
  // δ decides: with both modes equally right, thinking is never preferred, whatever δ ≥ 0
  const tie = evaluateHybrid(policy, tok, rl.tasks.thinkOrNot, { items: [easy], maxNewTokens: 24, samples: 2, delta: 0, rng: Rng.fromSeed(1) });
  assert.deepEqual(tie.preferred, ["no_think"]);
  // δ ≥ 1: thinking is never preferred, so the thinking policy misses
  const strict = evaluateHybrid(policy, tok, rl.tasks.thinkOrNot, { items: [hard2], maxNewTokens: 24, samples: 2, delta: 1, rng: Rng.fromSeed(1) });
  assert.deepEqual([strict.preferred, strict.hybridAccuracy], [["no_think"], 0]);
});

test("evaluateHybrid: a greedy completion that starts with neither mode misses; inputs are checked", () => {
  const policy = scripted({ "1+2=": { first: "d", t: "t1+2=3;3", d: "d3" } });
  const e = evaluateHybrid(policy, tok, rl.tasks.thinkOrNot, { items: [item("1+2=", "3", 0)], maxNewTokens: 24, think: "3", samples: 2, rng: Rng.fromSeed(1) });
  assert.deepEqual(e.chosen, ["no_think"]);
  const neither = evaluateHybrid(policy, tok, rl.tasks.thinkOrNot, { items: [item("1+2=", "3", 0)], maxNewTokens: 24, think: "1", direct: "2", samples: 2, rng: Rng.fromSeed(1) });
  assert.deepEqual([neither.chosen, neither.hybridAccuracy], [[null], 0]);
  const opts = { items: [item("1+2=", "3", 0)], maxNewTokens: 24, rng: Rng.fromSeed(1) };
  assert.throws(() => evaluateHybrid(policy, tok, rl.tasks.thinkOrNot, { ...opts, items: [] }), /non-empty/);
  assert.throws(() => evaluateHybrid(policy, tok, rl.tasks.thinkOrNot, { ...opts, samples: 0 }), /samples must be an integer ≥ 1/);
  assert.throws(() => evaluateHybrid(policy, tok, rl.tasks.thinkOrNot, { ...opts, delta: -1 }), /delta/);
  assert.throws(() => evaluateHybrid(policy, tok, rl.tasks.thinkOrNot, { ...opts, think: "tt" }), /think mode "tt" must be one token/);
  assert.throws(() => evaluateHybrid(policy, tok, rl.tasks.thinkOrNot, { ...opts, direct: "t" }), /different tokens/);
  assert.throws(() => evaluateHybrid(policy, tok, rl.tasks.thinkOrNot, { ...opts, maxNewTokens: 1 }), /maxNewTokens/);
});
