// The five classic-control envs against Gymnasium 1.3.0 (fixture written by
// test/fixtures/gen-classic-control.py), plus their time limits, auto-reset,
// action checks, checkpoints and drawings. The shared VecEnv checks run in
// conformance.test.ts.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { AcrobotVecEnv } from "../../lib/envs/classic/acrobot.js";
import { CartPoleVecEnv } from "../../lib/envs/classic/cartpole.js";
import { MountainCarContinuousVecEnv } from "../../lib/envs/classic/mountain-car-continuous.js";
import { MountainCarVecEnv } from "../../lib/envs/classic/mountain-car.js";
import { PendulumVecEnv } from "../../lib/envs/classic/pendulum.js";
import { cos, sin } from "../../lib/envs/classic/trig.js";
import { cartPoleSimdUnavailable } from "../../native/index.js";
import { frameToSvg } from "../../lib/envs/frame.js";
import type { VecEnv, VecEnvOptions } from "../../lib/envs/vec-env.js";
import { Rng } from "../../lib/random/rng.js";
import { assertXmlish } from "./conformance.js";

type Options = Omit<VecEnvOptions, "rng"> & { seed?: number } & Record<string, unknown>;
const MAKERS: Record<string, (o: VecEnvOptions & Record<string, unknown>) => VecEnv> = {
  "CartPole-v1": (o) => new CartPoleVecEnv(o),
  "Acrobot-v1": (o) => new AcrobotVecEnv(o),
  "MountainCar-v0": (o) => new MountainCarVecEnv(o),
  "MountainCarContinuous-v0": (o) => new MountainCarContinuousVecEnv(o),
  "Pendulum-v1": (o) => new PendulumVecEnv(o),
};
const IDS = Object.keys(MAKERS);
const LIMITS: Record<string, number> = { "CartPole-v1": 500, "Acrobot-v1": 500, "MountainCar-v0": 200, "MountainCarContinuous-v0": 999, "Pendulum-v1": 200 };

function make(id: string, { seed = 0, ...rest }: Options): VecEnv {
  return MAKERS[id]!({ ...rest, rng: Rng.fromSeed(seed) });
}

/** One action per copy, the right buffer type for the env. */
function actionsOf(env: VecEnv, values: number[]): Int32Array | Float32Array {
  return env.actionSpace.kind === "discrete" ? Int32Array.from(values) : Float32Array.from(values);
}

interface Case {
  state: number[];
  actions: number[];
  limit?: number;
  dynamics?: "book" | "nips";
  obs: number[][];
  reward: number[];
  terminated: number[];
  truncated: number[];
  next_state: number[][];
}
const fixture = JSON.parse(readFileSync(new URL("../../../test/fixtures/classic-control.json", import.meta.url), "utf8")) as {
  gymnasium: string;
  envs: Record<string, Case[]>;
};

const F32_EPS = 2 ** -23;
/** Float32 values agree to their precision (one rounding apart at most). */
function closeF32(ours: number, theirs: number): boolean {
  return Math.abs(ours - theirs) <= F32_EPS * Math.abs(theirs) + 1e-30;
}
/** Float64 states agree to ~1e-12 relative (NumPy's and V8's sin/cos may differ in the last bit). */
function closeF64(ours: number, theirs: number): boolean {
  return Math.abs(ours - theirs) <= 1e-12 * Math.max(1, Math.abs(theirs));
}
function assertRow(ours: ArrayLike<number>, theirs: number[], close: (a: number, b: number) => boolean, what: string): void {
  assert.equal(ours.length, theirs.length, `${what}: length`);
  for (let k = 0; k < theirs.length; k++) {
    assert.ok(close(ours[k]!, theirs[k]!), `${what}[${k}]: ours ${ours[k]} vs Gymnasium ${theirs[k]} (diff ${ours[k]! - theirs[k]!})`);
  }
}

/** The fixture runs: every env, CartPole once per engine (wasm-simd where the runtime has it). */
const RUNS: { id: string; label: string; extra: Record<string, unknown> }[] = IDS.flatMap((id) =>
  id === "CartPole-v1"
    ? ["js", ...(cartPoleSimdUnavailable() ? [] : ["wasm-simd"])].map((engine) => ({ id, label: `${id} (${engine} engine)`, extra: { engine } }))
    : [{ id, label: id, extra: {} }],
);

describe(`classic control vs Gymnasium ${fixture.gymnasium}`, () => {
  for (const { id, label, extra } of RUNS) {
    const cases = fixture.envs[id]!;
    test(`${label}: ${cases.length} trajectories from explicit states match step by step`, () => {
      for (const [c, kase] of cases.entries()) {
        const env = make(id, { ...extra, n: 1, autoReset: false, ...(kase.limit ? { maxEpisodeSteps: kase.limit } : {}), ...(kase.dynamics ? { dynamics: kase.dynamics } : {}) });
        env.reset({ state: kase.state });
        for (let t = 0; t < kase.reward.length; t++) {
          const at = `${id} case ${c} step ${t + 1}`;
          env.step(actionsOf(env, [kase.actions[t]!]));
          assertRow(env.obs, kase.obs[t]!, closeF32, `${at} obs`);
          assertRow(env.getPhysicalState(0), kase.next_state[t]!, closeF64, `${at} state`);
          assert.ok(closeF32(env.rewards[0]!, Math.fround(kase.reward[t]!)), `${at} reward ${env.rewards[0]} vs ${kase.reward[t]}`);
          assert.equal(env.terminated[0], kase.terminated[t], `${at} terminated`);
          assert.equal(env.truncated[0], kase.truncated[t], `${at} truncated`);
          assert.equal(env.elapsed[0], t + 1, `${at} elapsed`);
        }
        if (kase.terminated.at(-1) || kase.truncated.at(-1)) assert.deepEqual(Array.from(env.finalObs), Array.from(env.obs));
      }
    });
  }

  for (const { id, label, extra } of RUNS) {
    test(`${label}: the same trajectories stepped together with auto-reset: finalObs holds Gymnasium's last obs`, () => {
      const cases = fixture.envs[id]!.filter((k) => k.limit === undefined && k.dynamics === undefined);
      const n = cases.length;
      const env = make(id, { ...extra, n, seed: 1 });
      env.reset({ state: cases.map((k) => k.state) });
      const steps = Math.max(...cases.map((k) => k.reward.length));
      for (let t = 0; t < steps; t++) {
        env.step(actionsOf(env, cases.map((k) => k.actions[t] ?? 0)));
        for (const [i, kase] of cases.entries()) {
          if (t >= kase.reward.length) continue;
          const row = (buf: Float32Array) => buf.subarray(i * env.obsSize, (i + 1) * env.obsSize);
          const ended = kase.terminated[t] || kase.truncated[t];
          assert.equal(env.terminated[i], kase.terminated[t]);
          if (ended) {
            assertRow(row(env.finalObs), kase.obs[t]!, closeF32, `${id} copy ${i} finalObs`);
            assert.equal(env.elapsed[i], 0, "the copy restarted");
          } else {
            assertRow(row(env.obs), kase.obs[t]!, closeF32, `${id} copy ${i} obs at step ${t + 1}`);
          }
        }
      }
    });
  }
});

describe("time limits (Gymnasium's TimeLimit: truncated once elapsed reaches the limit)", () => {
  test("registered limits: 500, 500, 200, 999, 200 steps", () => {
    for (const id of IDS) assert.equal(make(id, { n: 1 }).maxEpisodeSteps, LIMITS[id]);
    assert.equal(make("Pendulum-v1", { n: 1, maxEpisodeSteps: 7 }).maxEpisodeSteps, 7);
    assert.equal(make("Pendulum-v1", { n: 1, maxEpisodeSteps: Infinity }).maxEpisodeSteps, undefined);
    assert.throws(() => make("Pendulum-v1", { n: 1, maxEpisodeSteps: 0 }), /maxEpisodeSteps/);
  });

  /** Steps until the limit with `policy`; asserts nothing ends earlier and the last step is truncated only. */
  function runToLimit(id: string, n: number, policy: (env: VecEnv) => Int32Array | Float32Array, state?: number[]): void {
    const env = make(id, { n, seed: 2 });
    env.reset(state ? { state } : {});
    const limit = LIMITS[id]!;
    for (let t = 1; t <= limit; t++) {
      env.step(policy(env));
      assert.deepEqual(Array.from(env.terminated), new Array(n).fill(0), `${id}: nothing terminates (step ${t})`);
      assert.deepEqual(Array.from(env.truncated), new Array(n).fill(t === limit ? 1 : 0), `${id}: truncated only at step ${limit} (step ${t})`);
    }
    assert.deepEqual(Array.from(env.elapsed), new Array(n).fill(0), `${id}: every copy restarted`);
  }

  test("CartPole-v1 balanced by a controller is truncated at step 500", () => {
    runToLimit("CartPole-v1", 4, (env) => {
      const o = env.obs;
      return Int32Array.from({ length: 4 }, (_, i) => (10 * o[4 * i + 2]! + 2 * o[4 * i + 3]! + 0.3 * o[4 * i]! + 0.8 * o[4 * i + 1]! > 0 ? 1 : 0));
    });
  });
  test("Acrobot-v1 without torque, MountainCar-v0 and MountainCarContinuous-v0 without push, Pendulum-v1: truncated at their limits", () => {
    runToLimit("Acrobot-v1", 2, () => Int32Array.of(1, 1), [0, 0, 0, 0]);
    runToLimit("MountainCar-v0", 3, () => Int32Array.of(1, 1, 1));
    runToLimit("MountainCarContinuous-v0", 3, () => new Float32Array(3));
    runToLimit("Pendulum-v1", 3, () => Float32Array.of(0.5, -2, 3));
  });

  test("a step that terminates at the time limit sets both flags", () => {
    const kase = fixture.envs["CartPole-v1"]!.find((k) => k.limit === 4)!;
    assert.deepEqual([kase.terminated.at(-1), kase.truncated.at(-1)], [1, 1], "fixture case: Gymnasium sets both");
    const env = make("CartPole-v1", { n: 1, maxEpisodeSteps: 4 });
    env.reset({ state: kase.state });
    for (const a of kase.actions) env.step(Int32Array.of(a));
    assert.deepEqual([env.terminated[0], env.truncated[0], env.elapsed[0]], [1, 1, 0]);
  });
});

describe("resets", () => {
  test("auto-reset starts the next episode on the same step: obs from Gymnasium's reset distribution", () => {
    const ranges: Record<string, [number, number][]> = {
      "CartPole-v1": [[-0.05, 0.05], [-0.05, 0.05], [-0.05, 0.05], [-0.05, 0.05]],
      "MountainCar-v0": [[-0.6, -0.4], [0, 0]],
      "MountainCarContinuous-v0": [[-0.6, -0.4], [0, 0]],
      "Pendulum-v1": [[-Math.PI, Math.PI], [-1, 1]],
      "Acrobot-v1": [[-0.1, 0.1], [-0.1, 0.1], [-0.1, 0.1], [-0.1, 0.1]],
    };
    for (const id of IDS) {
      const env = make(id, { n: 64, seed: 3, maxEpisodeSteps: 2 });
      env.reset();
      const rng = Rng.fromSeed(4);
      for (let t = 0; t < 4; t++) {
        env.step(actionsOf(env, Array.from({ length: 64 }, () => (env.actionSpace.kind === "discrete" ? rng.int(env.actionSpace.n) : rng.uniform(-1, 1)))));
        if (t % 2 === 0) continue;
        for (let i = 0; i < 64; i++) {
          assert.equal(env.truncated[i], 1);
          const state = env.getPhysicalState(i);
          state.forEach((v, k) => assert.ok(v >= ranges[id]![k]![0] && v <= ranges[id]![k]![1], `${id} reset ${env.stateLayout[k]} = ${v}`));
        }
      }
    }
  });

  test("Acrobot-v1 draws its start state as float32, like Gymnasium", () => {
    const env = make("Acrobot-v1", { n: 8, seed: 5 });
    env.reset();
    for (let i = 0; i < 8; i++) for (const v of env.getPhysicalState(i)) assert.equal(v, Math.fround(v));
  });

  test("same seed ⇒ identical observations; another seed ⇒ different ones", () => {
    for (const id of IDS) {
      const run = (seed: number) => {
        const env = make(id, { n: 8, seed, maxEpisodeSteps: 5 });
        const out = [Array.from(env.reset())];
        const rng = Rng.fromSeed(6);
        for (let t = 0; t < 12; t++) {
          env.step(actionsOf(env, Array.from({ length: 8 }, () => (env.actionSpace.kind === "discrete" ? rng.int(env.actionSpace.n) : rng.uniform(-1, 1)))));
          out.push(Array.from(env.obs));
        }
        return out;
      };
      assert.deepEqual(run(7), run(7), id);
      assert.notDeepEqual(run(7), run(8), id);
    }
  });

  test("stepping before reset(), or a finished copy without auto-reset, throws and says to call reset()", () => {
    const env = make("MountainCar-v0", { n: 2, autoReset: false, maxEpisodeSteps: 1 });
    assert.throws(() => env.step(Int32Array.of(1, 1)), /MountainCar-v0.*reset\(\)/);
    env.reset();
    env.step(Int32Array.of(1, 1));
    assert.throws(() => env.step(Int32Array.of(1, 1)), /MountainCar-v0: copy 0 finished.*reset\(\)/);
    env.reset();
    env.step(Int32Array.of(1, 1));
  });
});

describe("action checks", () => {
  const err = (re: RegExp, type: typeof TypeError | typeof RangeError) => (e: unknown) => e instanceof type && re.test((e as Error).message);

  test("discrete: wrong buffer type, wrong length and out-of-range indices name the env, the copy and the shape", () => {
    const env = make("CartPole-v1", { n: 3 });
    env.reset();
    assert.throws(() => env.step(Float32Array.of(0, 1, 0)), err(/CartPole-v1: step\(\) expects an Int32Array of 3 actions for Discrete\(2\), got Float32Array\(3\)/, TypeError));
    assert.throws(() => env.step(Int32Array.of(0, 1)), err(/CartPole-v1: step\(\) expects 3 actions \(3 copies × 1\), got 2/, RangeError));
    assert.throws(() => env.step(Int32Array.of(0, 1, 2)), err(/CartPole-v1: action 2 of copy 2 is out of range for Discrete\(2\)/, RangeError));
    assert.throws(() => env.step(Int32Array.of(-1, 0, 0)), err(/action -1 of copy 0/, RangeError));
    const acro = make("Acrobot-v1", { n: 2 });
    acro.reset();
    assert.throws(() => acro.step(Int32Array.of(0, 3)), err(/Acrobot-v1: action 3 of copy 1 .*\[0, 2\]/, RangeError));
  });

  test("continuous: NaN and ±Infinity are refused, out-of-range values are clipped like Gymnasium", () => {
    const env = make("Pendulum-v1", { n: 2 });
    env.reset();
    assert.throws(() => env.step(Int32Array.of(0, 0)), err(/Pendulum-v1: step\(\) expects a Float32Array of 2 actions for Box\(-2\.\.2, \[1\]\), got Int32Array\(2\)/, TypeError));
    assert.throws(() => env.step(new Float32Array(3)), err(/Pendulum-v1: step\(\) expects 2 actions \(2 copies × 1\), got 3/, RangeError));
    assert.throws(() => env.step(Float32Array.of(0, Number.NaN)), err(/Pendulum-v1: action NaN of copy 1 is not a finite number/, RangeError));
    const mcc = make("MountainCarContinuous-v0", { n: 1 });
    mcc.reset();
    assert.throws(() => mcc.step(Float32Array.of(Infinity)), err(/MountainCarContinuous-v0: action Infinity of copy 0/, RangeError));
    // A torque of 50 acts like 2.
    const a = make("Pendulum-v1", { n: 2 });
    a.reset({ state: [1, 0] });
    a.step(Float32Array.of(50, 2));
    assert.deepEqual(a.getPhysicalState(0), a.getPhysicalState(1));
  });

  test("a rejected step changes nothing, even when the bad action is in the last copy", () => {
    const env = make("CartPole-v1", { n: 4 });
    env.reset();
    const before = env.saveState();
    assert.throws(() => env.step(Int32Array.of(0, 1, 0, 7)));
    assert.deepEqual(env.saveState(), before);
  });
});

describe("checkpoints", () => {
  test("saveState/loadState round-trips state, step counts, rng and per-copy flags exactly (through JSON)", () => {
    for (const id of IDS) {
      const env = make(id, { n: 5, seed: 8, maxEpisodeSteps: 6 });
      env.reset();
      const rng = Rng.fromSeed(9);
      const act = () => actionsOf(env, Array.from({ length: 5 }, () => (env.actionSpace.kind === "discrete" ? rng.int(env.actionSpace.n) : rng.uniform(-1.5, 1.5))));
      for (let t = 0; t < 4; t++) env.step(act());
      const saved = JSON.parse(JSON.stringify(env.saveState()));
      const plan = Array.from({ length: 10 }, act);
      const expected = plan.map((a) => (env.step(a), [Array.from(env.obs), Array.from(env.rewards), Array.from(env.terminated), Array.from(env.truncated)]));
      const other = make(id, { n: 5, seed: 123, maxEpisodeSteps: 6 });
      other.loadState(saved);
      const got = plan.map((a) => (other.step(a), [Array.from(other.obs), Array.from(other.rewards), Array.from(other.terminated), Array.from(other.truncated)]));
      assert.deepEqual(got, expected, id);
    }
  });

  test("a finished copy without auto-reset stays finished after a round trip", () => {
    const env = make("Pendulum-v1", { n: 1, autoReset: false, maxEpisodeSteps: 1 });
    env.reset();
    env.step(Float32Array.of(0));
    const other = make("Pendulum-v1", { n: 1, autoReset: false, maxEpisodeSteps: 1 });
    other.loadState(env.saveState());
    assert.throws(() => other.step(Float32Array.of(0)), /reset\(\)/);
  });

  test("MountainCarContinuous-v0 keeps its float32-after-a-step flag: a restored copy continues like Gymnasium", () => {
    const kase = fixture.envs["MountainCarContinuous-v0"]![0]!;
    const env = make("MountainCarContinuous-v0", { n: 1, autoReset: false });
    env.reset({ state: kase.state });
    env.step(Float32Array.of(kase.actions[0]!));
    const other = make("MountainCarContinuous-v0", { n: 1, autoReset: false });
    other.loadState(JSON.parse(JSON.stringify(env.saveState())));
    for (let t = 1; t < kase.reward.length; t++) {
      other.step(Float32Array.of(kase.actions[t]!));
      assertRow(other.getPhysicalState(0), kase.next_state[t]!, closeF64, `step ${t + 1}`);
    }
  });
});

describe("env kwargs", () => {
  test("physical constants change the dynamics (sim-vs-real variants)", () => {
    const step = (id: string, kwargs: Record<string, unknown>, state: number[], action: number) => {
      const env = make(id, { n: 1, ...kwargs });
      env.reset({ state });
      env.step(actionsOf(env, [action]));
      return env.getPhysicalState(0);
    };
    assert.notDeepEqual(step("CartPole-v1", { length: 0.6 }, [0, 0, 0.1, 0], 1), step("CartPole-v1", {}, [0, 0, 0.1, 0], 1));
    assert.deepEqual(step("CartPole-v1", { length: 0.5, gravity: 9.8 }, [0, 0, 0.1, 0], 1), step("CartPole-v1", {}, [0, 0, 0.1, 0], 1));
    assert.notDeepEqual(step("Pendulum-v1", { g: 9.81 }, [1, 0], 0), step("Pendulum-v1", {}, [1, 0], 0));
    assert.throws(() => make("Pendulum-v1", { n: 1, g: "ten" }), /Pendulum-v1: option g must be a finite number/);
    assert.throws(() => make("CartPole-v1", { n: 1, gravty: 9.81 }), /CartPole-v1 has no option 'gravty'. Did you mean 'gravity'\?/);
    const sb = make("CartPole-v1", { n: 1, suttonBartoReward: true });
    sb.reset({ state: [2.39, 1, 0, 0] });
    sb.step(Int32Array.of(1));
    assert.deepEqual([sb.rewards[0], sb.terminated[0]], [-1, 1]);
  });
});

describe("drawings", () => {
  test("render(i) of each env is a valid-looking SVG document", () => {
    for (const id of IDS) {
      const env = make(id, { n: 2, seed: 10 });
      assert.throws(() => env.render(0), /reset\(\)/);
      env.reset();
      env.step(actionsOf(env, [0, env.actionSpace.kind === "discrete" ? 1 : 0.5]));
      const svg = frameToSvg(env.render(1));
      assertXmlish(svg);
      assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="\d+" viewBox="[-\d. ]+">/);
      assert.ok((svg.match(/<(line|rect|circle|polygon|polyline)\b/g) ?? []).length >= 3, `${id} draws several shapes`);
      assert.doesNotMatch(svg, /NaN|Infinity/);
    }
  });

  test("the CartPole pole tilts with θ and the cart moves with x", () => {
    const env = make("CartPole-v1", { n: 1 });
    env.reset({ state: [1, 0, 0.2, 0] });
    const frame = env.render();
    const pole = frame.shapes.find((s) => s.type === "polygon");
    assert.ok(pole && pole.type === "polygon");
    const top = pole.points[1]!;
    assert.ok(top[0] > 1 && top[1] > 0.5, `pole top ${top} leans right of the cart at x = 1`);
  });
});

test("trig: sin/cos are bit-identical to Math.sin/Math.cos", () => {
  const rng = Rng.fromSeed(11);
  for (let k = 0; k < 100_000; k++) {
    const x = k < 50_000 ? rng.uniform(-0.3, 0.3) : rng.uniform(-20, 20);
    assert.equal(sin(x), Math.sin(x), `sin(${x})`);
    assert.equal(cos(x), Math.cos(x), `cos(${x})`);
  }
  for (const x of [0, -0, 0.3, -0.3, 0.29999999999999993, 1e-300, -1e-9]) {
    assert.equal(sin(x), Math.sin(x));
    assert.equal(cos(x), Math.cos(x));
  }
});
