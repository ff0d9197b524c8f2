import { BaseVecEnv, VEC_ENV_OPTION_KEYS } from "./base-vec-env.js";
import type { Frame, Shape } from "./frame.js";
import { box, discrete } from "./space.js";
import { rejectUnknownOptions } from "./suggest.js";
import type { VecEnvOptions } from "./vec-env.js";

/** A cell as [row, col], row 0 at the top. */
export type Cell = readonly [number, number];

/** The 5×5 map of "GridWorld-v0": start top-left, goal bottom-right, a trap beside the shortest path. */
export const DEFAULT_GRID_MAP: readonly string[] = ["S....", ".##..", "...#.", ".#T..", "....G"];
export const DEFAULT_GRID_MAX_STEPS = 100;

/** Actions, in index order. */
export const GRID_ACTIONS = ["up", "right", "down", "left"] as const;
const DR = [-1, 0, 1, 0];
const DC = [0, 1, 0, -1];

const FREE = 0;
const WALL = 1;
const GOAL = 2;
const TRAP = 3;
/** Passable, but entering it costs 1 (the env's constraint cost "hazard"). */
const HAZARD = 4;
const MAP_CHARS: Record<string, number> = { ".": FREE, S: FREE, "#": WALL, G: GOAL, T: TRAP, H: HAZARD };
const COLORS = ["#f4f4f4", "#444444", "#4caf50", "#e53935", "#ffb74d"];

export interface GridWorldOptions {
  /** Rows of the map (an array, or one string with a row per line): `S` start, `G` goal, `T` trap, `H` hazard, `#` wall, `.` free. Exclusive with width/height/walls/goal/traps/hazards/start. */
  map?: string | readonly string[];
  /** Without a map: grid width in cells. */
  width?: number;
  /** Without a map: grid height in cells. */
  height?: number;
  /** Without a map: wall cells. */
  walls?: readonly Cell[];
  /** Without a map: goal cell(s); default the bottom-right corner. */
  goal?: Cell | readonly Cell[];
  /** Without a map: trap cells. */
  traps?: readonly Cell[];
  /** Without a map: hazard cells (passable; entering one costs 1, the constraint cost "hazard"). */
  hazards?: readonly Cell[];
  /** Without a map: start cell(s), one drawn uniformly per episode; default the top-left corner. */
  start?: Cell | readonly Cell[];
  /** Probability (0..1) that the agent moves in a random perpendicular direction instead of the chosen one. Default 0. */
  slip?: number;
  /** Reward for entering a goal cell. Default +1. */
  goalReward?: number;
  /** Reward for entering a trap cell. Default −1. */
  trapReward?: number;
  /** Reward for any other step (bumping into a wall included). Default 0. */
  stepReward?: number;
  /** What a trap does: end the episode (default) or send the agent back to a start cell (cliff walking). */
  onTrap?: "terminate" | "restart";
  /** Observation: a one-hot row of `height × width` cells (default) or the `[row, col]` coordinates. */
  observation?: "onehot" | "coords";
  /** Id reported by the env; the registry sets it for its named variants. Default "GridWorld-v0". */
  id?: string;
}

const GRID_OPTION_KEYS = [
  ...VEC_ENV_OPTION_KEYS,
  ...(["map", "width", "height", "walls", "goal", "traps", "hazards", "start", "slip", "goalReward", "trapReward", "stepReward", "onTrap", "observation", "id"] as const),
];

interface Layout {
  readonly width: number;
  readonly height: number;
  readonly kinds: Uint8Array;
  readonly starts: readonly number[];
}

function parseMap(id: string, map: string | readonly string[]): Layout {
  const rows = typeof map === "string" ? map.split("\n").map((r) => r.trim()).filter((r) => r.length > 0) : map;
  const height = rows.length;
  const width = rows[0]?.length ?? 0;
  if (height === 0 || width === 0) throw new RangeError(`${id}: the map is empty; give rows like ["S..", ".#G"]`);
  const kinds = new Uint8Array(width * height);
  const starts: number[] = [];
  rows.forEach((row, r) => {
    if (row.length !== width) throw new RangeError(`${id}: map row ${r} has ${row.length} cells, row 0 has ${width}; every row needs the same length`);
    for (let c = 0; c < width; c++) {
      const kind = MAP_CHARS[row[c]!];
      if (kind === undefined) throw new RangeError(`${id}: map row ${r} col ${c} is '${row[c]}'; use S (start), G (goal), T (trap), H (hazard), # (wall) or . (free)`);
      kinds[r * width + c] = kind;
      if (row[c] === "S") starts.push(r * width + c);
    }
  });
  return { width, height, kinds, starts };
}

function cellList(cells: Cell | readonly Cell[] | undefined): readonly Cell[] {
  if (cells === undefined) return [];
  return typeof cells[0] === "number" ? [cells as Cell] : (cells as readonly Cell[]);
}

function buildLayout(id: string, o: GridWorldOptions): Layout {
  const width = o.width ?? 5;
  const height = o.height ?? 5;
  for (const [name, v] of [["width", width], ["height", height]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${id}: ${name} must be an integer ≥ 1, got ${v}`);
  }
  const kinds = new Uint8Array(width * height);
  const index = (cell: Cell, what: string) => {
    const [r, c] = cell;
    if (!Number.isInteger(r) || !Number.isInteger(c) || r < 0 || r >= height || c < 0 || c >= width) {
      throw new RangeError(`${id}: ${what} [${r}, ${c}] is outside the ${height}×${width} grid; cells are [row, col] from [0, 0]`);
    }
    return r * width + c;
  };
  for (const w of cellList(o.walls)) kinds[index(w, "wall")] = WALL;
  for (const t of cellList(o.traps)) kinds[index(t, "trap")] = TRAP;
  for (const h of cellList(o.hazards)) kinds[index(h, "hazard")] = HAZARD;
  for (const g of cellList(o.goal ?? [height - 1, width - 1])) kinds[index(g, "goal")] = GOAL;
  const starts = cellList(o.start ?? [0, 0]).map((s) => index(s, "start"));
  for (const s of starts) {
    if (kinds[s] !== FREE) throw new RangeError(`${id}: start [${Math.floor(s / width)}, ${s % width}] is a wall, goal, trap or hazard; start on a free cell`);
  }
  return { width, height, kinds, starts };
}

/**
 * A grid world: the agent moves up/right/down/left (actions 0..3), walls and
 * edges block, entering a goal or trap ends the episode with its reward. With
 * `slip` > 0 the move goes in a random perpendicular direction instead.
 * Hazard cells are passable but each entry costs 1: with any hazard on the
 * map the env emits the constraint cost "hazard". Physical state `[row, col]`.
 *
 * ```ts
 * new GridWorldVecEnv({ n: 8, rng: Rng.fromSeed(1), map: ["S..#", ".#.G", "..T."], slip: 0.1 })
 * ```
 */
export class GridWorldVecEnv extends BaseVecEnv {
  readonly width: number;
  readonly height: number;
  readonly slip: number;
  readonly goalReward: number;
  readonly trapReward: number;
  readonly stepReward: number;
  readonly onTrap: "terminate" | "restart";
  private readonly kinds: Uint8Array;
  private readonly starts: readonly number[];
  /** Whether the layout named its start cells (otherwise every free cell is one, and none is drawn as a start). */
  private readonly startsMarked: boolean;
  private readonly coords: boolean;
  /** Cell index (row × width + col) of each copy. */
  private readonly pos: Int32Array;

  constructor(options: VecEnvOptions & GridWorldOptions) {
    const id = options.id ?? "GridWorld-v0";
    rejectUnknownOptions(`GridWorld '${id}'`, options, GRID_OPTION_KEYS);
    const coordKeys = (["width", "height", "walls", "goal", "traps", "hazards", "start"] as const).filter((k) => options[k] !== undefined);
    if (options.map !== undefined && coordKeys.length > 0) {
      throw new TypeError(`${id}: give either map or ${coordKeys.join("/")}, not both`);
    }
    const layout = coordKeys.length > 0 ? buildLayout(id, options) : parseMap(id, options.map ?? DEFAULT_GRID_MAP);
    const { width, height, kinds } = layout;
    const cells = width * height;
    if (options.observation !== undefined && !["onehot", "coords"].includes(options.observation)) {
      throw new TypeError(`${id}: observation must be "onehot" or "coords", got ${JSON.stringify(options.observation)}`);
    }
    const coords = options.observation === "coords";
    super(
      {
        id,
        observationSpace: coords ? box([0, 0], [height - 1, width - 1]) : box(0, 1, [cells]),
        actionSpace: discrete(4),
        stateLayout: ["row", "col"],
        maxEpisodeSteps: DEFAULT_GRID_MAX_STEPS,
        costNames: kinds.includes(HAZARD) ? ["hazard"] : [],
      },
      options,
    );
    const slip = options.slip ?? 0;
    if (!(slip >= 0 && slip <= 1)) throw new RangeError(`${id}: slip is a probability in [0, 1], got ${slip}`);
    const onTrap = options.onTrap ?? "terminate";
    if (onTrap !== "terminate" && onTrap !== "restart") throw new TypeError(`${id}: onTrap must be "terminate" or "restart", got ${JSON.stringify(onTrap)}`);
    const starts = layout.starts.length > 0 ? layout.starts : [...kinds.keys()].filter((k) => kinds[k] === FREE);
    if (starts.length === 0) throw new RangeError(`${id}: the grid has no free cell to start from; mark one with S`);
    this.width = width;
    this.height = height;
    this.kinds = kinds;
    this.starts = starts;
    this.startsMarked = layout.starts.length > 0;
    this.coords = coords;
    this.slip = slip;
    this.goalReward = options.goalReward ?? 1;
    this.trapReward = options.trapReward ?? -1;
    this.stepReward = options.stepReward ?? 0;
    this.onTrap = onTrap;
    this.pos = new Int32Array(this.numEnvs);
  }

  /** The map as rows of characters (start cells shown as S). */
  get map(): string[] {
    const chars = [".", "#", "G", "T", "H"];
    return Array.from({ length: this.height }, (_, r) =>
      Array.from({ length: this.width }, (_, c) => (this.startsMarked && this.starts.includes(r * this.width + c) ? "S" : chars[this.kinds[r * this.width + c]!])).join(""),
    );
  }

  /** The cell index (row × width + col) copy `i` is in: the tabular state. */
  cellIndex(i: number): number {
    return this.pos[i]!;
  }

  protected resetCopy(i: number): void {
    const k = this.starts.length === 1 ? 0 : this.rng.int(this.starts.length);
    this.moveTo(i, this.starts[k]!);
  }

  protected setCopyState(i: number, state: ArrayLike<number>): void {
    const r = state[0]!;
    const c = state[1]!;
    if (!Number.isInteger(r) || !Number.isInteger(c) || r < 0 || r >= this.height || c < 0 || c >= this.width) {
      throw new RangeError(`${this.id}: state [${r}, ${c}] of copy ${i} is outside the ${this.height}×${this.width} grid; give [row, col]`);
    }
    if (this.kinds[r * this.width + c] === WALL) throw new RangeError(`${this.id}: state [${r}, ${c}] of copy ${i} is a wall; pick a free cell`);
    this.moveTo(i, r * this.width + c);
  }

  protected stepCopy(i: number, actions: Int32Array | Float32Array): void {
    let d = actions[i]!;
    if (this.slip > 0 && this.rng.float() < this.slip) d = (d + (this.rng.int(2) === 0 ? 1 : 3)) % 4;
    const w = this.width;
    const p = this.pos[i]!;
    const r = Math.floor(p / w) + DR[d]!;
    const c = (p % w) + DC[d]!;
    const next = r >= 0 && r < this.height && c >= 0 && c < w && this.kinds[r * w + c] !== WALL ? r * w + c : p;
    const kind = this.kinds[next];
    if (kind === GOAL) {
      this.rewards[i] = this.goalReward;
      this.terminated[i] = 1;
    } else if (kind === TRAP) {
      this.rewards[i] = this.trapReward;
      if (this.onTrap === "terminate") this.terminated[i] = 1;
      else {
        this.resetCopy(i);
        return;
      }
    } else {
      this.rewards[i] = this.stepReward;
      if (kind === HAZARD) this.costs[i] = 1;
    }
    this.moveTo(i, next);
  }

  protected physicalState(i: number): number[] {
    const p = this.pos[i]!;
    return [Math.floor(p / this.width), p % this.width];
  }

  /** The agent's cell (row, col), from a one-hot or coordinate observation. */
  stateFromObservation(obs: ArrayLike<number>): number[] | undefined {
    if (this.coords) return [obs[0]!, obs[1]!];
    let cell = -1;
    for (let k = 0; k < obs.length; k++) if (obs[k] === 1) cell = k;
    return cell < 0 ? undefined : [Math.floor(cell / this.width), cell % this.width];
  }

  protected renderCopy(i: number): Frame {
    const { width: w, height: h } = this;
    const shapes: Shape[] = [];
    for (let k = 0; k < w * h; k++) {
      const x = k % w;
      const y = h - 1 - Math.floor(k / w);
      const fill = this.startsMarked && this.starts.includes(k) ? "#dbe9f6" : COLORS[this.kinds[k]!]!;
      shapes.push({ type: "rect", x, y, w: 1, h: 1, fill, stroke: "#bbbbbb" });
    }
    const p = this.pos[i]!;
    shapes.push({ type: "circle", cx: (p % w) + 0.5, cy: h - 1 - Math.floor(p / w) + 0.5, r: 0.32, fill: "#1e88e5", stroke: "#0d47a1" });
    return { viewBox: [0, 0, w, h], width: 48 * w, height: 48 * h, background: "#ffffff", shapes };
  }

  private moveTo(i: number, cell: number): void {
    const size = this.obsSize;
    const row = this.obs.subarray(i * size, (i + 1) * size);
    if (this.coords) {
      row[0] = Math.floor(cell / this.width);
      row[1] = cell % this.width;
    } else {
      row.fill(0);
      row[cell] = 1;
    }
    this.pos[i] = cell;
  }
}
