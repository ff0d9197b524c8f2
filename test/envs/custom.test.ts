import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { defineEnv, vectorize, type CustomEnv } from "../../lib/envs/custom.js";
import { makeEnv, makeVecEnv } from "../../lib/envs/registry.js";
import { box, discrete } from "../../lib/envs/space.js";
import { Rng } from "../../lib/random/rng.js";
import { RandomWalk, drift } from "./custom-fixtures.js";

/** A class-form env whose step() returns whatever the test puts in `next`. */
class Scripted implements CustomEnv {
  static next: unknown = { obs: [0, 0], reward: 0, terminated: false };
  static resetObs: unknown = [0, 0];
  observationSpace = box(-1, 1, [2]);
  actionSpace = discrete(2);
  reset() {
    return Scripted.resetObs as number[];
  }
  step() {
    return Scripted.next as { obs: number[]; reward: number; terminated: boolean };
  }
}

const scripted = (next: unknown, resetObs: unknown = [0, 0]) => {
  Scripted.next = next;
  Scripted.resetObs = resetObs;
  return vectorize(Scripted, { n: 2, rng: Rng.fromSeed(0) });
};

describe("vectorize: class form", () => {
  test("kwargs reach the constructor; spaces, id and time limit come from the class", () => {
    const env = makeVecEnv(RandomWalk, { n: 3, seed: 1, length: 7 });
    assert.equal(env.id, "RandomWalk");
    assert.equal(env.numEnvs, 3);
    assert.equal(env.obsSize, 2);
    assert.equal(env.maxEpisodeSteps, 20);
    assert.equal(makeVecEnv(RandomWalk, { maxEpisodeSteps: 5 }).maxEpisodeSteps, 5);
    const walk = (env as unknown as { envs: RandomWalk[] }).envs[0]!;
    assert.equal(walk.length, 7);
  });

  test("auto-reset with finalObs when an episode terminates", () => {
    const env = makeVecEnv(RandomWalk, { n: 1, seed: 2, length: 2 });
    env.reset();
    assert.deepEqual(Array.from(env.obs), [0.5, 1], "length 2 starts in the middle");
    env.step(Int32Array.of(1));
    assert.deepEqual([env.rewards[0], env.terminated[0], env.elapsed[0]], [1, 1, 0]);
    assert.deepEqual(Array.from(env.finalObs), [1, 0]);
    assert.deepEqual(Array.from(env.obs), [0.5, 1]);
    env.step(Int32Array.of(0));
    assert.deepEqual([env.rewards[0], env.terminated[0]], [-1, 1]);
  });

  test("truncated: true from the env ends the episode like the time limit", () => {
    const env = scripted({ obs: [0.5, 0.5], reward: 1, terminated: false, truncated: true });
    env.reset();
    env.step(Int32Array.of(0, 1));
    assert.deepEqual(Array.from(env.truncated), [1, 1]);
    assert.deepEqual(Array.from(env.terminated), [0, 0]);
    assert.deepEqual(Array.from(env.finalObs), [0.5, 0.5, 0.5, 0.5]);
    assert.deepEqual(Array.from(env.obs), [0, 0, 0, 0]);
  });

  test("a factory function works as well as a class", () => {
    const env = makeVecEnv((opts: { length?: number }) => new RandomWalk(opts), { n: 2, length: 3 });
    env.reset();
    env.step(Int32Array.of(1, 0));
    assert.equal(env.obsSize, 2);
  });

  test("checkpoints save the instance's data fields, typed arrays included", () => {
    const a = makeVecEnv(RandomWalk, { n: 2, seed: 3 });
    a.reset();
    a.step(Int32Array.of(1, 1));
    const saved = JSON.parse(JSON.stringify(a.saveState()));
    const b = makeVecEnv(RandomWalk, { n: 2, seed: 4 });
    b.reset();
    b.loadState(saved);
    const walks = (e: unknown) => (e as { envs: RandomWalk[] }).envs;
    assert.ok(walks(b)[0]!.visits instanceof Float64Array);
    assert.deepEqual(walks(b).map((w) => [w.pos, Array.from(w.visits)]), walks(a).map((w) => [w.pos, Array.from(w.visits)]));
    for (const actions of [Int32Array.of(0, 1), Int32Array.of(1, 1), Int32Array.of(0, 0)]) {
      a.step(actions);
      b.step(actions);
      assert.deepEqual(Array.from(b.obs), Array.from(a.obs));
    }
  });

  test("getState/setState replace the default field snapshot; unsavable fields are named", () => {
    class WithMap extends RandomWalk {
      memo = new Map<number, number>();
    }
    const env = makeVecEnv(WithMap, { n: 1 });
    env.reset();
    assert.throws(() => env.saveState(), /WithMap: cannot save copy 0: state\.memo holds a Map.*getState\(\)\/setState\(\)/);

    class Chosen extends WithMap {
      getState() {
        return { pos: this.pos };
      }
      setState(s: unknown) {
        this.pos = (s as { pos: number }).pos;
      }
    }
    const c = makeVecEnv(Chosen, { n: 1, seed: 1 });
    c.reset();
    const saved = c.saveState();
    assert.deepEqual((saved.extra as { env: unknown }).env, [{ pos: (c as unknown as { envs: Chosen[] }).envs[0]!.pos }]);
    const posAtSave = (c as unknown as { envs: Chosen[] }).envs[0]!.pos;
    c.step(Int32Array.of(1));
    c.loadState(saved);
    assert.equal((c as unknown as { envs: Chosen[] }).envs[0]!.pos, posAtSave);
  });
});

describe("vectorize: definition form", () => {
  test("state threads through reset and step; box actions arrive as a fresh Float32Array", () => {
    let received: unknown;
    const def = defineEnv({
      id: "Counter",
      observationSpace: box(0, 100, [1]),
      actionSpace: box(-1, 1, [2]),
      reset: () => ({ state: { count: 0 }, obs: [0] }),
      step: (s, action) => {
        received = action;
        const count = s.count + 1;
        return { state: { count }, obs: [count], reward: 0, terminated: count === 3 };
      },
    });
    const env = makeVecEnv(def, { n: 2 });
    env.reset();
    const actions = Float32Array.of(0.1, 0.2, 0.3, 0.4);
    env.step(actions);
    env.step(actions);
    assert.deepEqual(Array.from(env.obs), [2, 2]);
    assert.ok(received instanceof Float32Array && received.length === 2 && received.buffer !== actions.buffer);
    assert.deepEqual(Array.from(received as Float32Array), [Math.fround(0.3), Math.fround(0.4)]);
    env.step(actions);
    assert.deepEqual(Array.from(env.finalObs), [3, 3]);
    assert.deepEqual(Array.from(env.obs), [0, 0]);
    assert.equal(env.id, "Counter");
  });

  test("save/load restores the definition's state", () => {
    const a = makeVecEnv(drift, { n: 2, seed: 5 });
    a.reset();
    a.step(Float32Array.of(1, -1));
    const saved = JSON.parse(JSON.stringify(a.saveState()));
    a.step(Float32Array.of(0.5, 0.5));
    const expected = Array.from(a.obs);
    const b = makeVecEnv(drift, { n: 2, seed: 6 });
    b.reset();
    b.loadState(saved);
    b.step(Float32Array.of(0.5, 0.5));
    assert.deepEqual(Array.from(b.obs), expected);
  });

  test("a definition takes no kwargs, and must return its state", () => {
    assert.throws(() => makeVecEnv(drift, { length: 3 }), /EnvDefinition takes no options \(got length\)/);
    const forgetful = defineEnv({
      observationSpace: box(0, 1, [1]),
      actionSpace: discrete(2),
      reset: () => ({ obs: [0] }) as unknown as { state: number; obs: number[] },
      step: (s: number) => ({ state: s, obs: [0], reward: 0, terminated: false }),
    });
    assert.throws(() => makeVecEnv(forgetful).reset(), /CustomEnv\.reset\(\) \(copy 0\) threw: reset\(\) must return \{ state, obs \}/);
  });
});

describe("vectorize: validation names the env, the method, the copy and the step", () => {
  test("wrong observation length", () => {
    const env = scripted({ obs: [1, 2, 3], reward: 0, terminated: false });
    env.reset();
    assert.throws(() => env.step(Int32Array.of(0, 0)), (err: Error) => {
      assert.ok(err instanceof RangeError);
      assert.equal(err.message, "Scripted.step() (copy 0, episode step 1) returned an observation of length 3; expected 2 numbers (observationSpace shape [2])");
      return true;
    });
    assert.throws(() => scripted(undefined, [0]).reset(), /Scripted\.reset\(\) \(copy 0\) returned an observation of length 1; expected 2/);
  });

  test("NaN reward, non-finite obs, non-boolean flags, no result", () => {
    const bad = (next: unknown) => {
      const env = scripted(next);
      env.reset();
      return () => env.step(Int32Array.of(0, 0));
    };
    assert.throws(bad({ obs: [0, 0], reward: NaN, terminated: false }), /Scripted\.step\(\) \(copy 0, episode step 1\) returned reward NaN; expected a finite number/);
    assert.throws(bad({ obs: [0, Infinity], reward: 0, terminated: false }), /returned obs\[1\] = Infinity; every observation entry must be a finite number/);
    assert.throws(bad({ obs: [0, 0], reward: 0, terminated: 1 }), /returned terminated 1, truncated undefined; expected booleans/);
    assert.throws(bad(undefined), /returned undefined; return \{ obs, reward, terminated \}/);
  });

  test("an error thrown by the user's step is wrapped with where it happened", () => {
    class Boom extends RandomWalk {
      override step(action: number) {
        if (this.pos === 2) throw new Error("kaboom");
        return super.step(action);
      }
    }
    const env = makeVecEnv(Boom, { n: 1, length: 4 });
    env.reset({ seed: 0 });
    const pos = (env as unknown as { envs: Boom[] }).envs[0]!.pos;
    if (pos !== 2) env.step(Int32Array.of(pos < 2 ? 1 : 0));
    assert.throws(() => env.step(Int32Array.of(1)), (err: Error) => {
      assert.match(err.message, /^Boom\.step\(\) \(copy 0, episode step \d\) threw: kaboom$/);
      assert.equal((err.cause as Error).message, "kaboom");
      return true;
    });
  });

  test("spaces and the source itself are checked", () => {
    class Discrete extends Scripted {
      override observationSpace = discrete(3) as never;
    }
    assert.throws(() => vectorize(Discrete, { n: 1, rng: Rng.fromSeed(0) }), /observationSpace must be a Box/);
    assert.throws(() => vectorize((() => ({})) as never, { n: 1, rng: Rng.fromSeed(0) }), /did not produce an env: expected an object with reset\(\) and step\(\)/);
    assert.throws(() => vectorize(RandomWalk, { n: 0, rng: Rng.fromSeed(0) }), RangeError);
  });

  test("no render() falls back to a text frame of the observation", () => {
    const env = makeVecEnv(RandomWalk, { n: 1 });
    env.reset();
    const frame = env.render();
    assert.ok(frame.shapes.some((s) => s.type === "text" && s.text.startsWith("obs[0] = ")));
  });

  test("makeEnv runs a custom env one step at a time", () => {
    const env = makeEnv(RandomWalk, { seed: 0, length: 2 });
    assert.deepEqual(Array.from(env.reset().obs), [0.5, 1]);
    const step = env.step(1);
    assert.deepEqual([step.reward, step.terminated, Array.from(step.obs)], [1, true, [1, 0]]);
    assert.throws(() => env.step(1), /call reset\(\) before step\(\)/);
  });
});

test("defineEnv infers the state type from reset (type-level check)", () => {
  defineEnv({
    observationSpace: box(0, 1, [1]),
    actionSpace: discrete(2),
    reset: () => ({ state: { count: 0 }, obs: [0] }),
    // @ts-expect-error `state` is { count: number }: a misspelt field does not compile
    step: (s) => ({ state: s, obs: [s.cuont], reward: 0, terminated: false }),
  });
});
