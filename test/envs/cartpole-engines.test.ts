// CartPole's two engines (the wasm SIMD kernel of native/envs and the plain
// JS loop) step bit for bit alike: state, obs, elapsed, the ended list,
// rewards, flags and finalObs, over long random runs, odd n, large angles,
// ±0, time limits, rejected actions and checkpoints. The Gymnasium fixture
// runs with both engines in classic.test.ts.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CartPoleVecEnv, type CartPoleOptions } from "../../lib/envs/classic/cartpole.js";
import type { VecEnvOptions } from "../../lib/envs/vec-env.js";
import { Rng } from "../../lib/random/rng.js";
import { CartPoleKernel, cartPoleSimdUnavailable, defaultEnvEngine } from "../../native/index.js";

const skip = cartPoleSimdUnavailable() ?? false;
type Options = Omit<VecEnvOptions, "rng"> & CartPoleOptions;

function pair(options: Options, seed = 0): { js: CartPoleVecEnv; wasm: CartPoleVecEnv } {
  return {
    js: new CartPoleVecEnv({ ...options, rng: Rng.fromSeed(seed), engine: "js" }),
    wasm: new CartPoleVecEnv({ ...options, rng: Rng.fromSeed(seed), engine: "wasm-simd" }),
  };
}

const bytes = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
/** Everything a step shows, as bytes (and the protected physical state). */
function snapshot(env: CartPoleVecEnv): Record<string, Buffer> {
  return {
    state: bytes((env as unknown as { state: Float64Array }).state),
    obs: bytes(env.obs),
    elapsed: bytes(env.elapsed),
    rewards: bytes(env.rewards),
    terminated: bytes(env.terminated),
    truncated: bytes(env.truncated),
    // finalObs rows of copies that did not just finish are stale (left from earlier episodes)
    finalObs: bytes(env.finalObs.map((v, k) => (env.terminated[k >> 2] || env.truncated[k >> 2] ? v : 0))),
  };
}
function assertSame(js: CartPoleVecEnv, wasm: CartPoleVecEnv, what: string): void {
  const a = snapshot(js), b = snapshot(wasm);
  for (const key of Object.keys(a)) assert.ok(a[key]!.equals(b[key]!), `${what}: ${key} differs`);
}

/** Steps both envs with the same random actions, comparing after every step; returns how many episodes ended. */
function run(js: CartPoleVecEnv, wasm: CartPoleVecEnv, steps: number, rng: Rng, what: string): number {
  const n = js.numEnvs;
  const actions = new Int32Array(n);
  let ended = 0;
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < n; i++) actions[i] = rng.int(2);
    js.step(actions);
    wasm.step(actions);
    assertSame(js, wasm, `${what} step ${t + 1}`);
    for (let i = 0; i < n; i++) ended += js.terminated[i]! | js.truncated[i]!;
  }
  return ended;
}

describe("CartPole engines: wasm-simd equals js bit for bit", { skip }, () => {
  test("random runs with auto-reset, n = 1, 2, 3, 5, 8, 31, 1023, 1024", () => {
    for (const n of [1, 2, 3, 5, 8, 31, 1023, 1024]) {
      const { js, wasm } = pair({ n }, n);
      js.reset();
      wasm.reset();
      assertSame(js, wasm, `n = ${n} reset`);
      const ended = run(js, wasm, n >= 1000 ? 600 : 3000, Rng.fromSeed(100 + n), `n = ${n}`);
      assert.ok(ended > 0, `n = ${n}: episodes ended (${ended})`);
    }
  });

  test("time limits: short, registered and none; a truncation at the same step as a termination", () => {
    for (const maxEpisodeSteps of [1, 2, 7, 500, Infinity]) {
      const { js, wasm } = pair({ n: 37, maxEpisodeSteps }, 3);
      js.reset();
      wasm.reset();
      run(js, wasm, 700, Rng.fromSeed(4), `limit ${maxEpisodeSteps}`);
    }
  });

  test("explicit states: |θ| ≥ 0.3 (Math.cos/Math.sin), θ = ±0, the range's edges, far-out carts", () => {
    const thetas = [0, -0, 0.3, -0.3, 0.29999999999999993, -0.29999999999999993, 0.35, -0.5, 1, 3, -20, 1e-300, -1e-9, 0.2, -0.21];
    const states = thetas.map((th, k) => [((k % 5) - 2) * 0.7, (k % 3) - 1, th, ((k % 4) - 1.5) * 2]);
    for (const n of [states.length, states.length + 2]) {
      const { js, wasm } = pair({ n, autoReset: false, maxEpisodeSteps: 1000 }, 5);
      const given = Array.from({ length: n }, (_, i) => states[i % states.length]!);
      js.reset({ state: given });
      wasm.reset({ state: given });
      const actions = Int32Array.from({ length: n }, (_, i) => i & 1);
      js.step(actions);
      wasm.step(actions);
      assertSame(js, wasm, `n = ${n}`);
    }
    // Every copy far out of the polynomial range, for a few steps without termination checks mattering.
    const { js, wasm } = pair({ n: 9, maxEpisodeSteps: 3 }, 6);
    const wild = Array.from({ length: 9 }, (_, i) => [0, 0, (i - 4) * 0.8, i - 4]);
    js.reset({ state: wild });
    wasm.reset({ state: wild });
    run(js, wasm, 6, Rng.fromSeed(7), "wild angles");
  });

  test("autoReset off, the Sutton–Barto reward and other physical constants", () => {
    const variants: Options[] = [
      { n: 6, autoReset: false },
      { n: 6, suttonBartoReward: true },
      { n: 6, gravity: 3.7, massCart: 2, massPole: 0.3, length: 0.8, forceMag: 7, tau: 0.01 },
    ];
    for (const options of variants) {
      const { js, wasm } = pair(options, 8);
      js.reset();
      wasm.reset();
      const rng = Rng.fromSeed(9);
      for (let t = 0; t < 400; t++) {
        if (options.autoReset === false && (js.terminated.includes(1) || js.truncated.includes(1))) {
          js.reset();
          wasm.reset();
        }
        const actions = Int32Array.from({ length: 6 }, () => rng.int(2));
        js.step(actions);
        wasm.step(actions);
        assertSame(js, wasm, `${JSON.stringify(options)} step ${t + 1}`);
      }
    }
  });

  test("a rejected action throws the same error and changes nothing, wherever it is", () => {
    for (const n of [1, 3, 4, 5, 1023]) {
      for (const [where, bad] of [[0, 2], [n - 1, -1], [n >> 1, 0x7fffffff], [n - 1, -0x80000000]] as const) {
        const { js, wasm } = pair({ n }, 10);
        js.reset();
        wasm.reset();
        const actions = new Int32Array(n);
        actions[where] = bad;
        const before = JSON.stringify(wasm.saveState());
        const obs = Buffer.from(bytes(wasm.obs));
        const errors = [js, wasm].map((env) => {
          try {
            env.step(actions);
          } catch (e) {
            return (e as Error).message;
          }
          return "no error";
        });
        assert.equal(errors[1], errors[0], `n = ${n}, action ${bad} at ${where}`);
        assert.match(errors[0]!, new RegExp(`action ${bad} of copy ${where} is out of range`));
        assert.equal(JSON.stringify(wasm.saveState()), before);
        assert.ok(bytes(wasm.obs).equals(obs));
        assertSame(js, wasm, "after the rejected step");
        run(js, wasm, 20, Rng.fromSeed(11), "after the rejected step");
      }
    }
  });

  test("checkpoints move between engines; elapsed at the int32 edge ends the episode in both", () => {
    const { js, wasm } = pair({ n: 7, maxEpisodeSteps: 40 }, 12);
    wasm.reset();
    for (let t = 0; t < 50; t++) wasm.step(Int32Array.from({ length: 7 }, (_, i) => (t * i) & 1));
    js.loadState(JSON.parse(JSON.stringify(wasm.saveState())));
    assert.ok(bytes(js.obs).equals(bytes(wasm.obs)) && bytes(js.elapsed).equals(bytes(wasm.elapsed)), "after loadState");
    run(js, wasm, 200, Rng.fromSeed(14), "after loadState");

    const edge = pair({ n: 3, maxEpisodeSteps: Infinity }, 15);
    edge.js.reset();
    const saved = { ...edge.js.saveState(), elapsed: [0x7fffffff, 0x7ffffffe, 5] };
    edge.js.loadState(saved);
    edge.wasm.loadState(saved);
    run(edge.js, edge.wasm, 3, Rng.fromSeed(16), "elapsed near 2^31");
  });

  test("the env's buffers are views of the kernel's memory, stable across steps", () => {
    const env = new CartPoleVecEnv({ n: 5, rng: Rng.fromSeed(17), engine: "wasm-simd" });
    assert.equal(env.engine, "wasm-simd");
    const obs = env.obs;
    const elapsed = env.elapsed;
    env.reset();
    for (let t = 0; t < 30; t++) env.step(Int32Array.from({ length: 5 }, (_, i) => (t + i) & 1));
    assert.equal(env.obs, obs);
    assert.equal(env.elapsed, elapsed);
    assert.equal(obs.length, 20);
    assert.notEqual(obs.buffer.byteLength, obs.byteLength, "a view into a larger wasm memory");
  });
});

describe("CartPole kernel shapes", { skip }, () => {
  test("1, 2 and 4 vectors per iteration, obs inline or in a pass: the same results", () => {
    const n = 45;
    const C = Float64Array.of(9.8, 0.1, 1.1, 0.05, 0.5, 10, 0.02, 2.4, (12 * 2 * Math.PI) / 360);
    const kernels = ([1, 2, 4] as const).flatMap((vecs) => (["inline", "pass"] as const).map((obs) => new CartPoleKernel(n, { vecs, obs })));
    const rng = Rng.fromSeed(18);
    const start = Float64Array.from({ length: 4 * n }, (_, k) => ((k & 3) === 2 && k % 7 === 0 ? rng.uniform(-0.6, 0.6) : rng.uniform(-0.05, 0.05)));
    for (const k of kernels) {
      k.setConstants(C);
      k.state.set(start);
    }
    for (let t = 0; t < 300; t++) {
      const actions = Int32Array.from({ length: n }, () => rng.int(2));
      const results = kernels.map((k) => {
        k.actions.set(actions);
        const ended = k.step(25);
        const list = Array.from(k.ended.subarray(0, ended));
        for (const i of list) {
          k.state.fill(0.01, 4 * i, 4 * i + 4);
          k.elapsed[i] = 0;
        }
        return { ended: list, state: bytes(k.state), obs: bytes(k.obs), elapsed: bytes(k.elapsed) };
      });
      for (const r of results.slice(1)) {
        assert.deepEqual(r.ended, results[0]!.ended, `step ${t + 1}`);
        assert.ok(r.state.equals(results[0]!.state) && r.obs.equals(results[0]!.obs) && r.elapsed.equals(results[0]!.elapsed), `step ${t + 1}`);
      }
    }
    assert.throws(() => new CartPoleKernel(0), /n must be an integer ≥ 1/);
    assert.throws(() => kernels[0]!.setConstants([1, 2]), /expected 9 constants/);
  });
});

describe("CartPole engine choice", () => {
  test("engine option, TRELLIS_ENV_ENGINE and 'auto'", () => {
    const before = process.env.TRELLIS_ENV_ENGINE;
    const make = (engine?: unknown) => new CartPoleVecEnv({ n: 2, rng: Rng.fromSeed(0), ...(engine === undefined ? {} : { engine: engine as "js" }) });
    try {
      delete process.env.TRELLIS_ENV_ENGINE;
      assert.equal(make().engine, skip ? "js" : "wasm-simd");
      assert.equal(make("js").engine, "js");
      process.env.TRELLIS_ENV_ENGINE = "js";
      assert.equal(defaultEnvEngine(), "js");
      assert.equal(make().engine, "js");
      assert.equal(make("auto").engine, "js");
      if (!skip) assert.equal(make("wasm-simd").engine, "wasm-simd", "the option beats the variable");
      process.env.TRELLIS_ENV_ENGINE = "fast";
      assert.throws(() => make(), /TRELLIS_ENV_ENGINE must be one of auto, wasm-simd, js, got "fast"/);
      delete process.env.TRELLIS_ENV_ENGINE;
      assert.throws(() => make("gpu"), /CartPole-v1: option engine must be one of auto, wasm-simd, js, got "gpu"/);
    } finally {
      if (before === undefined) delete process.env.TRELLIS_ENV_ENGINE;
      else process.env.TRELLIS_ENV_ENGINE = before;
    }
  });
});
