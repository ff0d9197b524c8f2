// The checks every VecEnv must pass, whatever its dynamics. Call
// `vecEnvConformance(name, make)` inside a test file; it registers one
// `describe` block. A skipped check needs a written reason (`skip`).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { frameToSvg, type Frame } from "../../lib/envs/frame.js";
import { flatSize, type Space } from "../../lib/envs/space.js";
import type { VecEnv } from "../../lib/envs/vec-env.js";
import { Rng } from "../../lib/random/rng.js";

export type ConformanceMakeOptions = {
  n: number;
  seed: number;
  maxEpisodeSteps?: number;
  autoReset?: boolean;
};

export type ConformanceCheck =
  | "spaces"
  | "reset"
  | "rollout"
  | "finalObs"
  | "determinism"
  | "reseed"
  | "checkpoint"
  | "explicitState"
  | "render"
  | "badActions";

export interface ConformanceOptions {
  /** Time limit the rollout checks run under, short so that episodes end within them (default 8). */
  shortLimit?: number;
  /** Checks to skip, each with the reason printed in the report. */
  skip?: Partial<Record<ConformanceCheck, string>>;
}

/** Random actions for every copy, drawn from `rng` (box bounds clamped to ±2 where infinite). */
export function randomActions(env: VecEnv, rng: Rng): Int32Array | Float32Array {
  const space = env.actionSpace;
  if (space.kind === "discrete") return Int32Array.from({ length: env.numEnvs }, () => rng.int(space.n));
  const out = new Float32Array(env.numEnvs * env.actionSize);
  for (let j = 0; j < out.length; j++) {
    const k = j % env.actionSize;
    out[j] = rng.uniform(Math.max(space.low[k]!, -2), Math.min(space.high[k]!, 2));
  }
  return out;
}

/** Throws unless `svg` is well-formed XML as far as tags, attributes and text go. */
export function assertXmlish(svg: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<&]*(?:&(?:amp|lt|gt|quot|#\d+);[^"<&]*)*")*)\s*(\/?)>/y;
  let i = 0;
  while (i < svg.length) {
    const lt = svg.indexOf("<", i);
    const text = svg.slice(i, lt < 0 ? svg.length : lt);
    assert.doesNotMatch(text, /&(?!(amp|lt|gt|quot|#\d+);)|>/, `unescaped text near offset ${i}: ${text.slice(0, 40)}`);
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(svg);
    assert.ok(m, `malformed tag at offset ${lt}: ${svg.slice(lt, lt + 60)}`);
    const [, close, name, , selfClose] = m;
    if (close) assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    else if (!selfClose) stack.push(name!);
    i = tag.lastIndex;
  }
  assert.deepEqual(stack, [], "every element is closed");
  assert.match(svg, /^<svg[\s>]/);
}

function assertFrame(frame: Frame): void {
  assert.equal(frame.viewBox.length, 4);
  assert.ok(frame.viewBox.every(Number.isFinite), `viewBox ${frame.viewBox} is finite`);
  assert.ok(frame.viewBox[2] > 0 && frame.viewBox[3] > 0, "viewBox has a positive size");
  assert.ok(frame.width > 0 && frame.height > 0, "frame has a positive pixel size");
  assert.ok(Array.isArray(frame.shapes) && frame.shapes.length > 0, "frame draws something");
  for (const s of frame.shapes) {
    for (const [k, v] of Object.entries(s)) if (typeof v === "number") assert.ok(Number.isFinite(v), `${s.type}.${k} = ${v}`);
  }
  assertXmlish(frameToSvg(frame));
}

function assertFinite(values: ArrayLike<number>, what: string): void {
  for (let j = 0; j < values.length; j++) assert.ok(Number.isFinite(values[j]), `${what}[${j}] = ${values[j]} is not finite`);
}

function assertInSpace(values: Float32Array, space: Space & { kind: "box" }, what: string): void {
  const d = flatSize(space);
  for (let j = 0; j < values.length; j++) {
    const lo = space.low[j % d]!;
    const hi = space.high[j % d]!;
    const tol = 1e-5 * Math.max(1, Math.abs(lo), Math.abs(hi));
    assert.ok(values[j]! >= lo - tol && values[j]! <= hi + tol, `${what}[${j}] = ${values[j]} is outside [${lo}, ${hi}]`);
  }
}

/** Everything one step produced, copied. */
function snapshot(env: VecEnv) {
  return {
    obs: Array.from(env.obs),
    rewards: Array.from(env.rewards),
    terminated: Array.from(env.terminated),
    truncated: Array.from(env.truncated),
    elapsed: Array.from(env.elapsed),
    // Rows of copies that did not just finish are stale by contract: leave them out.
    finalObs: Array.from(env.finalObs, (v, j) => {
      const i = Math.floor(j / env.obsSize);
      return env.terminated[i] || env.truncated[i] ? v : 0;
    }),
  };
}

/** Steps `env` `steps` times with actions from `rng`, recording every step. */
function rollout(env: VecEnv, rng: Rng, steps: number) {
  const out = [];
  for (let t = 0; t < steps; t++) {
    env.step(randomActions(env, rng));
    out.push(snapshot(env));
  }
  return out;
}

export function vecEnvConformance(name: string, make: (options: ConformanceMakeOptions) => VecEnv, options: ConformanceOptions = {}): void {
  const limit = options.shortLimit ?? 8;
  const skip = options.skip ?? {};
  const check = (id: ConformanceCheck, title: string, fn: () => void) => {
    const reason = skip[id];
    if (reason) test(title, { skip: reason }, () => {});
    else test(title, fn);
  };

  describe(`VecEnv conformance: ${name}`, () => {
    check("spaces", "spaces, sizes and buffers agree", () => {
      const env = make({ n: 3, seed: 1 });
      assert.ok(typeof env.id === "string" && env.id.length > 0);
      assert.equal(env.numEnvs, 3);
      assert.equal(env.observationSpace.kind, "box");
      assert.equal(env.obsSize, flatSize(env.observationSpace));
      assert.equal(env.actionSize, flatSize(env.actionSpace));
      assert.equal(env.obs.length, 3 * env.obsSize);
      assert.equal(env.finalObs.length, 3 * env.obsSize);
      for (const buf of [env.rewards, env.terminated, env.truncated, env.elapsed]) assert.equal(buf.length, 3);
      assert.ok(env.maxEpisodeSteps === undefined || (Number.isInteger(env.maxEpisodeSteps) && env.maxEpisodeSteps > 0));
      assert.ok(env.stateLayout.every((s) => typeof s === "string"));
      env.reset();
      for (let i = 0; i < 3; i++) assert.equal(env.getPhysicalState(i).length, env.stateLayout.length);
      assert.throws(() => env.getPhysicalState(3), RangeError);
    });

    check("reset", "reset() fills obs in place with finite observations inside the space", () => {
      const env = make({ n: 4, seed: 2 });
      const obs = env.reset();
      assert.equal(obs, env.obs, "reset returns the env's own obs buffer");
      assertFinite(obs, "obs");
      assertInSpace(obs, env.observationSpace, "obs");
      assert.deepEqual(Array.from(env.elapsed), [0, 0, 0, 0]);
      assert.deepEqual(Array.from(env.terminated), [0, 0, 0, 0]);
      assert.deepEqual(Array.from(env.truncated), [0, 0, 0, 0]);
    });

    check("rollout", "random rollout: finite values, 0/1 flags, step counts, time limit and auto-reset", () => {
      const env = make({ n: 3, seed: 3, maxEpisodeSteps: limit });
      assert.equal(env.maxEpisodeSteps, limit);
      const rng = Rng.fromSeed(30);
      env.reset();
      let episodes = 0;
      for (let t = 0; t < 5 * limit; t++) {
        const before = Array.from(env.elapsed);
        env.step(randomActions(env, rng));
        assertFinite(env.obs, "obs");
        assertFinite(env.rewards, "rewards");
        assertInSpace(env.obs, env.observationSpace, "obs");
        for (let i = 0; i < 3; i++) {
          const done = env.terminated[i]! | env.truncated[i]!;
          assert.ok(env.terminated[i]! <= 1 && env.truncated[i]! <= 1, "flags are 0 or 1");
          if (before[i]! + 1 >= limit) assert.equal(env.truncated[i], 1, `copy ${i} reached the time limit ${limit}`);
          if (done) {
            episodes++;
            assert.equal(env.elapsed[i], 0, `copy ${i} was reset on the step it finished`);
            const row = env.finalObs.subarray(i * env.obsSize, (i + 1) * env.obsSize);
            assertFinite(row, "finalObs");
            assertInSpace(row, env.observationSpace, "finalObs");
          } else {
            assert.equal(env.elapsed[i], before[i]! + 1, `copy ${i} counts its steps`);
          }
        }
      }
      assert.ok(episodes >= 3, `episodes ended (${episodes})`);
    });

    check("finalObs", "finalObs of an auto-reset env is the last obs that an env without auto-reset shows", () => {
      const auto = make({ n: 1, seed: 4, maxEpisodeSteps: limit });
      const manual = make({ n: 1, seed: 4, maxEpisodeSteps: limit, autoReset: false });
      const rng = Rng.fromSeed(40);
      assert.deepEqual(Array.from(auto.reset()), Array.from(manual.reset()));
      for (let t = 0; t < limit; t++) {
        const actions = randomActions(auto, rng);
        auto.step(actions);
        manual.step(actions);
        assert.deepEqual([auto.rewards[0], auto.terminated[0], auto.truncated[0]], [manual.rewards[0], manual.terminated[0], manual.truncated[0]]);
        if (manual.terminated[0] || manual.truncated[0]) {
          assert.deepEqual(Array.from(auto.finalObs), Array.from(manual.obs));
          assert.equal(auto.elapsed[0], 0);
          assert.throws(() => manual.step(actions), /reset/, "stepping a finished copy without auto-reset names reset()");
          manual.reset();
          manual.step(randomActions(manual, rng));
          return;
        }
        assert.deepEqual(Array.from(auto.obs), Array.from(manual.obs));
      }
      assert.fail(`no episode ended within the time limit ${limit}`);
    });

    check("determinism", "same seed and actions give the same trajectory", () => {
      const a = make({ n: 3, seed: 5, maxEpisodeSteps: limit });
      const b = make({ n: 3, seed: 5, maxEpisodeSteps: limit });
      assert.deepEqual(Array.from(a.reset()), Array.from(b.reset()));
      assert.deepEqual(rollout(a, Rng.fromSeed(50), 4 * limit), rollout(b, Rng.fromSeed(50), 4 * limit));
    });

    check("reseed", "reset({ seed }) restarts the same random sequence", () => {
      const env = make({ n: 2, seed: 6, maxEpisodeSteps: limit });
      const first = [Array.from(env.reset({ seed: 11 })), rollout(env, Rng.fromSeed(60), 3 * limit)];
      const again = [Array.from(env.reset({ seed: 11 })), rollout(env, Rng.fromSeed(60), 3 * limit)];
      assert.deepEqual(again, first);
    });

    check("checkpoint", "saveState/loadState (through JSON) continues identically, in a fresh env and in the same one", () => {
      const a = make({ n: 2, seed: 7, maxEpisodeSteps: limit });
      a.reset();
      rollout(a, Rng.fromSeed(70), limit + 3);
      const saved = a.saveState();
      const restored = JSON.parse(JSON.stringify(saved));
      const obsAtSave = Array.from(a.obs);
      const expected = rollout(a, Rng.fromSeed(71), 3 * limit);

      const b = make({ n: 2, seed: 99, maxEpisodeSteps: limit });
      b.reset();
      b.loadState(restored);
      assert.deepEqual(Array.from(b.obs), obsAtSave);
      assert.deepEqual(Array.from(b.elapsed), saved.elapsed);
      assert.deepEqual(rollout(b, Rng.fromSeed(71), 3 * limit), expected);

      a.loadState(saved);
      assert.deepEqual(rollout(a, Rng.fromSeed(71), 3 * limit), expected);
      assert.throws(() => make({ n: 3, seed: 7 }).loadState(saved), /3|2/, "loading into a different n is refused");
    });

    check("explicitState", "reset({ state: getPhysicalState(i) }) reproduces each copy's observation", () => {
      const env = make({ n: 3, seed: 8, maxEpisodeSteps: limit });
      env.reset();
      rollout(env, Rng.fromSeed(80), 3);
      if (env.stateLayout.length === 0) {
        assert.throws(() => env.reset({ state: [] }), /state/, "an env without a state layout refuses reset({ state })");
        return;
      }
      const states = [0, 1, 2].map((i) => env.getPhysicalState(i));
      const obs = Array.from(env.obs);
      env.reset({ state: states });
      assert.deepEqual(Array.from(env.obs), obs);
      assert.deepEqual([0, 1, 2].map((i) => env.getPhysicalState(i)), states);
      env.reset({ state: states[1]! });
      const row = obs.slice(env.obsSize, 2 * env.obsSize);
      assert.deepEqual(Array.from(env.obs), [...row, ...row, ...row]);
      assert.throws(() => env.reset({ state: [...states[0]!, 0] }), RangeError, "a state of the wrong length is refused");
    });

    check("render", "render(i) returns a Frame whose SVG is well-formed", () => {
      const env = make({ n: 2, seed: 9, maxEpisodeSteps: limit });
      env.reset();
      assertFrame(env.render());
      env.step(randomActions(env, Rng.fromSeed(90)));
      assertFrame(env.render(1));
      assert.throws(() => env.render(2), RangeError);
    });

    check("badActions", "invalid actions throw and change nothing", () => {
      const env = make({ n: 2, seed: 10, maxEpisodeSteps: limit });
      env.reset();
      const before = snapshot(env);
      const space = env.actionSpace;
      const bad: (Int32Array | Float32Array)[] =
        space.kind === "discrete"
          ? [Int32Array.of(0, space.n), Int32Array.of(-1, 0), new Int32Array(3)]
          : [new Float32Array(2 * env.actionSize).fill(Number.NaN), new Float32Array(2 * env.actionSize + 1)];
      for (const actions of bad) {
        assert.throws(() => env.step(actions), (err: unknown) => err instanceof RangeError || err instanceof TypeError, `step(${Array.from(actions)}) throws`);
        assert.deepEqual(snapshot(env), before, "a rejected step leaves the env unchanged");
      }
    });
  });
}
