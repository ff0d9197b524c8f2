import assert from "node:assert/strict";
import { test } from "node:test";
import { rl, Rng, passAtK } from "../../lib/index.js";

test("rl.tasks and rl.tokenizer: a split of 2-digit addition, its reward, and the character tokenizer round trip, from the package entry", () => {
  const { train, test: held } = rl.tasks.split(rl.tasks.addition, { seed: 3, level: 2, train: 50, test: 10 });
  assert.equal(train.length, 50);
  assert.equal(held.length, 10);
  assert.ok(held.every((x) => !train.some((y) => y.prompt === x.prompt)));
  const reward = rl.tasks.rewards(rl.tasks.addition, [{ fn: rl.tasks.correctness, weight: 1 }, { fn: rl.tasks.format, weight: 0.1 }]);
  const item = held[0]!;
  assert.equal(reward(item.solution, item).reward, 1.1);
  assert.equal(reward("x", item).reward, 0);
  const tok = rl.tokenizer.char("0123456789+=");
  const ids = tok.encode(item.prompt + item.solution, { eos: true });
  assert.equal(ids.at(-1), tok.eos);
  assert.equal(tok.decode(ids, { skipSpecial: true }), item.prompt + item.solution);
  const x = rl.tasks.addition.generate(Rng.fromSeed(1), 2);
  assert.match(x.prompt, /^\d\d\+\d\d=$/);
  assert.equal(passAtK(8, 2, 8), 1);
});
