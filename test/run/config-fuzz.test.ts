// Configurations come from cells, checkpoints and files: any value in any option must end as problems
// (data, with a known code) from check(), never as a crash inside it.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { makeVecEnv, mlp, rl, type AlgoSpec } from "../../lib/index.js";
import { componentTypes } from "../../lib/pg/index.js";

const CODES = new Set(["unknown-option", "not-a-number", "out-of-range", "not-an-integer", "not-a-boolean", "not-one-of", "wrong-type", "incompatible", "unsupported", "missing"]);
const cartPole = makeVecEnv("CartPole-v1", { n: 2, seed: 0 });
const pendulum = makeVecEnv("Pendulum-v1", { n: 2, seed: 0 });
const costed = makeVecEnv("GridWorld-Hazards-v0", { n: 2, seed: 0 });

const KEYS = ["lr", "gamma", "numSteps", "minibatches", "epochs", "clip", "gae", "epsilon", "logStd", "batchSize", "tau", "loss", "truncation", "targetKl", "maxGradNorm", "valueIters", "batchSteps", "expectile", "targetEntropy", "bogus"];
const value = fc.oneof(fc.anything(), fc.double(), fc.integer({ min: -5, max: 1000 }), fc.constantFrom("auto", "mse", "huber", "done", null, true), fc.dictionary(fc.constantFrom("gamma", "lambda", "start", "end", "min", "max", "x"), fc.anything()));
const options = fc.dictionary(fc.constantFrom(...KEYS), value);

function assertProblems(list: readonly unknown[]): void {
  for (const p of list) {
    assert.ok(typeof p === "object" && p !== null, `a problem object, got ${String(p)}`);
    const q = p as { path: unknown; code: unknown; message: unknown };
    assert.equal(typeof q.path, "string");
    assert.equal(typeof q.message, "string");
    assert.ok(CODES.has(q.code as string), `known code ${String(q.code)}`);
  }
}

const ALGOS: [string, (o: never) => AlgoSpec, typeof cartPole][] = [
  ["ppo", rl.ppo as never, cartPole],
  ["a2c", rl.a2c as never, cartPole],
  ["reinforce", rl.reinforce as never, cartPole],
  ["dqn", rl.dqn as never, cartPole],
  ["sac", rl.sac as never, pendulum],
  ["bc", rl.bc as never, cartPole],
  ["cql", rl.cql as never, cartPole],
  ["iql", rl.iql as never, cartPole],
];

for (const [name, make, env] of ALGOS) {
  test(`rl.${name}(any options): check() returns problems with known codes and never throws`, () => {
    fc.assert(
      fc.property(options, (o) => {
        const spec = make(o as never);
        assertProblems(spec.check(env, mlp([8])));
      }),
      { numRuns: 150 },
    );
  });
}

test("the engine: any settings and any component config in any slot give problems, never an exception", () => {
  // Preference losses are checked by preference runs (test/seq/preference-run.test.ts), not by the engine.
  const slots = componentTypes().filter((t) => t.slot !== "preference");
  fc.assert(
    fc.property(fc.constantFrom(...slots), fc.anything(), fc.dictionary(fc.constantFrom("epochs", "minibatches", "maxGradNorm", "targetKl", "truncation", "valueSteps", "x"), value), (type, config, settings) => {
      const c = { slot: type.slot, kind: type.kind, config } as never;
      let spec = rl.pg().set(settings as never);
      spec = type.slot === "loss" ? spec.addLoss(c) : type.slot === "collect" ? spec.collect(c) : type.slot === "advantage" ? spec.advantage(c) : type.slot === "divergence" ? spec.divergence(c) : type.slot === "reference" ? spec.divergence(rl.div.kl()).reference(c) : type.slot === "aggregation" ? spec.aggregation(c) : type.slot === "optimizer" ? spec.optimizer(c) : type.slot === "constraint" ? spec.constraint(c) : spec.schedule(c);
      assertProblems(spec.check(cartPole, mlp([8])));
      // A constraint also on an env with costs, where its cost name is looked up.
      if (type.slot === "constraint") assertProblems(spec.check(costed, mlp([8])));
    }),
    { numRuns: 300 },
  );
});

test("rl.mlp(hidden, { engine: anything }): every algorithm's check() gives problems with known codes; an engine other than \"kernels\" or \"tfjs\" is named, and only policy-gradient methods take \"tfjs\"", () => {
  const pg = new Set(["ppo", "a2c", "reinforce"]);
  fc.assert(
    fc.property(fc.constantFrom(...ALGOS), fc.oneof(fc.anything(), fc.constantFrom("kernels", "tfjs", "gpu", "")), ([name, make, env], engine) => {
      const problems = make({} as never).check(env, mlp([8], { engine: engine as never }));
      assertProblems(problems);
      const named = problems.some((p) => typeof p === "object" && p.path === "policy.engine");
      if (engine === undefined || engine === "kernels") assert.ok(!named, `${name}: ${JSON.stringify(engine)} refused`);
      else if (engine === "tfjs") assert.equal(named, !pg.has(name), `${name}: "tfjs"`);
      else assert.ok(named, `${name}: engine ${JSON.stringify(engine)} not named`);
    }),
    { numRuns: 200 },
  );
});
