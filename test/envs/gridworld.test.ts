import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { frameToSvg } from "../../lib/envs/frame.js";
import { DEFAULT_GRID_MAP, GridWorldVecEnv, type GridWorldOptions } from "../../lib/envs/gridworld.js";
import { Rng } from "../../lib/random/rng.js";

const UP = 0;
const RIGHT = 1;
const DOWN = 2;
const LEFT = 3;

function grid(options: GridWorldOptions & { n?: number; seed?: number; maxEpisodeSteps?: number; autoReset?: boolean } = {}) {
  const { n = 1, seed = 0, ...rest } = options;
  const env = new GridWorldVecEnv({ n, rng: Rng.fromSeed(seed), ...rest });
  env.reset();
  return env;
}

/** Steps copy 0 (of a one-copy env) and returns where it is and what it got. */
function move(env: GridWorldVecEnv, action: number) {
  env.step(Int32Array.of(action));
  return { at: env.getPhysicalState(0), reward: env.rewards[0], terminated: env.terminated[0], truncated: env.truncated[0] };
}

describe("GridWorld dynamics", () => {
  test("moves one cell per action; walls and edges block", () => {
    const env = grid({ map: ["S#.", "...", "..G"] });
    assert.deepEqual(env.getPhysicalState(0), [0, 0]);
    assert.deepEqual(move(env, RIGHT), { at: [0, 0], reward: 0, terminated: 0, truncated: 0 }, "wall to the right");
    assert.deepEqual(move(env, UP).at, [0, 0], "edge above");
    assert.deepEqual(move(env, LEFT).at, [0, 0], "edge to the left");
    assert.deepEqual(move(env, DOWN).at, [1, 0]);
    assert.deepEqual(move(env, RIGHT).at, [1, 1]);
    assert.deepEqual(move(env, UP).at, [1, 1], "wall above");
    assert.equal(env.elapsed[0], 6);
  });

  test("one-hot observation marks the agent's cell", () => {
    const env = grid({ map: ["S..", "..G"] });
    assert.deepEqual(Array.from(env.obs), [1, 0, 0, 0, 0, 0]);
    move(env, DOWN);
    assert.deepEqual(Array.from(env.obs), [0, 0, 0, 1, 0, 0]);
    assert.equal(env.cellIndex(0), 3);
    assert.deepEqual(env.observationSpace.shape, [6]);
  });

  test("coords observation is [row, col]", () => {
    const env = grid({ map: ["S..", "..G"], observation: "coords" });
    assert.deepEqual(env.observationSpace.shape, [2]);
    assert.deepEqual(Array.from(env.observationSpace.high), [1, 2]);
    move(env, RIGHT);
    move(env, DOWN);
    assert.deepEqual(Array.from(env.obs), [1, 1]);
  });

  test("the goal pays goalReward and terminates; auto-reset puts the agent back at S with finalObs at the goal", () => {
    const env = grid({ map: ["SG"], observation: "coords" });
    assert.deepEqual(move(env, RIGHT), { at: [0, 0], reward: 1, terminated: 1, truncated: 0 });
    assert.deepEqual(Array.from(env.finalObs), [0, 1]);
    assert.deepEqual(Array.from(env.obs), [0, 0]);
    assert.equal(env.elapsed[0], 0);
  });

  test("a trap pays trapReward and terminates; rewards are configurable", () => {
    const env = grid({ map: ["S.T"], trapReward: -5, stepReward: -0.25 });
    assert.equal(move(env, RIGHT).reward, -0.25);
    assert.deepEqual(move(env, RIGHT), { at: [0, 0], reward: -5, terminated: 1, truncated: 0 });
    assert.equal(move(grid({ map: ["SG"], goalReward: 3 }), RIGHT).reward, 3);
  });

  test("onTrap 'restart' sends the agent back to S without ending the episode (cliff walking)", () => {
    const env = grid({ map: ["...", "STG"], onTrap: "restart", trapReward: -100 });
    assert.deepEqual(move(env, RIGHT), { at: [1, 0], reward: -100, terminated: 0, truncated: 0 });
    assert.equal(env.elapsed[0], 1);
  });

  test("time limit truncates (not terminates) and auto-resets", () => {
    const env = grid({ map: ["S.", ".G"], maxEpisodeSteps: 3, observation: "coords" });
    move(env, RIGHT);
    move(env, LEFT);
    assert.deepEqual(move(env, RIGHT), { at: [0, 0], reward: 0, terminated: 0, truncated: 1 });
    assert.deepEqual(Array.from(env.finalObs), [0, 1]);
    assert.equal(env.elapsed[0], 0);
  });

  test("the default time limit is 100 steps", () => {
    assert.equal(grid().maxEpisodeSteps, 100);
    assert.equal(grid({ maxEpisodeSteps: Infinity }).maxEpisodeSteps, undefined);
  });

  test("slip = 1 always moves perpendicular to the chosen direction, both ways", () => {
    const env = grid({ map: [".....", ".....", "..S..", ".....", "....."], slip: 1, n: 64, seed: 3 });
    for (const [action, axis] of [[UP, "col"], [DOWN, "col"], [LEFT, "row"], [RIGHT, "row"]] as const) {
      env.reset({ state: [2, 2] });
      env.step(new Int32Array(64).fill(action));
      const ends = new Set<string>();
      for (let i = 0; i < 64; i++) {
        const [r, c] = env.getPhysicalState(i);
        if (axis === "col") assert.ok(r === 2 && Math.abs(c! - 2) === 1, `action ${action} went to [${r}, ${c}]`);
        else assert.ok(c === 2 && Math.abs(r! - 2) === 1, `action ${action} went to [${r}, ${c}]`);
        ends.add(`${r},${c}`);
      }
      assert.equal(ends.size, 2, "both perpendicular directions occur");
    }
  });

  test("slip = 0.3 slips about 30% of the time", () => {
    const env = grid({ map: ["...", ".S.", "..."], slip: 0.3, n: 4000, seed: 5 });
    env.step(new Int32Array(4000).fill(UP));
    let slipped = 0;
    for (let i = 0; i < 4000; i++) if (env.getPhysicalState(i)[0] !== 0) slipped++;
    assert.ok(Math.abs(slipped / 4000 - 0.3) < 0.03, `slip rate ${slipped / 4000}`);
  });

  test("several S cells: each episode starts at one drawn uniformly", () => {
    const env = grid({ map: ["S.S", "..G"], n: 200, seed: 2 });
    const starts = new Set(Array.from({ length: 200 }, (_, i) => env.getPhysicalState(i).join(",")));
    assert.deepEqual([...starts].sort(), ["0,0", "0,2"]);
  });

  test("without auto-reset, stepping a finished copy asks for reset()", () => {
    const env = grid({ map: ["SG"], autoReset: false });
    move(env, RIGHT);
    assert.deepEqual(Array.from(env.obs), [0, 1], "obs stays at the goal");
    assert.throws(() => move(env, LEFT), /call reset\(\)/);
    env.reset();
    assert.deepEqual(move(env, LEFT).at, [0, 0]);
  });

  test("stepping before the first reset() is an error", () => {
    const env = new GridWorldVecEnv({ n: 1, rng: Rng.fromSeed(0) });
    assert.throws(() => env.step(Int32Array.of(0)), /call reset\(\) before the first step\(\)/);
  });

  test("same seed, same slips", () => {
    const run = () => {
      const env = grid({ slip: 0.4, n: 8, seed: 9 });
      const rng = Rng.fromSeed(1);
      const seen: number[] = [];
      for (let t = 0; t < 50; t++) {
        env.step(Int32Array.from({ length: 8 }, () => rng.int(4)));
        seen.push(...env.obs, ...env.rewards);
      }
      return seen;
    };
    assert.deepEqual(run(), run());
  });
});

describe("GridWorld layout", () => {
  test("the default map is 5×5 and round-trips through .map", () => {
    const env = grid();
    assert.deepEqual(env.map, DEFAULT_GRID_MAP);
    assert.equal(env.width, 5);
    assert.equal(env.height, 5);
  });

  test("width/height/walls/goal/traps/start build the same world as the map", () => {
    const fromOptions = grid({ width: 3, height: 2, walls: [[0, 1]], goal: [1, 2], traps: [[0, 2]], start: [1, 0] });
    assert.deepEqual(fromOptions.map, [".#T", "S.G"]);
  });

  test("a multi-line string map works", () => {
    assert.deepEqual(grid({ map: "S.\n.G\n" }).map, ["S.", ".G"]);
  });

  test("layout mistakes are clear errors", () => {
    assert.throws(() => grid({ map: ["S.x"] }), /row 0 col 2 is 'x'; use S \(start\), G \(goal\), T \(trap\), H \(hazard\), # \(wall\) or \. \(free\)/);
    assert.throws(() => grid({ map: ["S..", ".G"] }), /map row 1 has 2 cells, row 0 has 3/);
    assert.throws(() => grid({ map: ["S."], width: 2 }), /either map or width, not both/);
    assert.throws(() => grid({ width: 2, height: 2, walls: [[2, 0]] }), /wall \[2, 0\] is outside the 2×2 grid/);
    assert.throws(() => grid({ width: 2, height: 2, start: [1, 1] }), /start \[1, 1\] is a wall, goal, trap or hazard/);
    assert.throws(() => grid({ slip: 1.5 }), /slip is a probability in \[0, 1\], got 1.5/);
    assert.throws(() => grid({ slipp: 0.2 } as GridWorldOptions), /has no option 'slipp'\. Did you mean 'slip'\?/);
    assert.throws(() => grid({ observation: "pixels" as "coords" }), /observation must be "onehot" or "coords"/);
  });

  test("reset({ state }) takes [row, col] and refuses walls and outside cells", () => {
    const env = grid({ map: ["S#", ".G"] });
    env.reset({ state: [1, 0] });
    assert.deepEqual(env.getPhysicalState(0), [1, 0]);
    assert.throws(() => env.reset({ state: [0, 1] }), /\[0, 1\] of copy 0 is a wall/);
    assert.throws(() => env.reset({ state: [2, 0] }), /outside the 2×2 grid/);
  });

  test("render draws every cell and the agent where it stands", () => {
    const env = grid({ map: ["S.", "#G"] });
    move(env, RIGHT);
    const frame = env.render();
    assert.deepEqual(frame.viewBox, [0, 0, 2, 2]);
    const rects = frame.shapes.filter((s) => s.type === "rect");
    assert.equal(rects.length, 4);
    const agent = frame.shapes.find((s) => s.type === "circle");
    assert.deepEqual(agent && [agent.cx, agent.cy], [1.5, 1.5], "row 0 col 1 is drawn top-right (y up)");
    assert.match(frameToSvg(frame), /^<svg/);
  });
});

test("discrete actions must come as an Int32Array", () => {
  const env = grid();
  assert.throws(() => env.step(Float32Array.of(1)), /expects an Int32Array of 1 actions for Discrete\(4\), got Float32Array/);
});
