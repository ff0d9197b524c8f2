import { poisson } from "../../random/poisson.js";
import { BaseVecEnv, VEC_ENV_OPTION_KEYS } from "../base-vec-env.js";
import type { Frame, Shape } from "../frame.js";
import { box, discrete } from "../space.js";
import { rejectUnknownOptions } from "../suggest.js";
import type { VecEnvOptions } from "../vec-env.js";

export interface InventoryOptions {
  /** Units the warehouse holds; stock above it spills into overflow space, the constraint cost "overflow" (units per step). Default 10. */
  capacity?: number;
  /** Order sizes, one per action (units). Default [0, 2, 4, 6, 8, 10]. */
  orders?: readonly number[];
  /** Mean weekly demand; it swings ± `season` × base over a year. Default 6. */
  baseDemand?: number;
  /** Seasonal swing of the demand as a share of the base (0..1). Default 0.6. */
  season?: number;
  /** Steps per season cycle. Default 52 (weeks). */
  period?: number;
  /** Revenue per unit sold. Default 4. */
  price?: number;
  /** Cost per unit ordered. Default 1. */
  unitCost?: number;
  /** Cost per unit held at the end of a step. Default 0.1. */
  holding?: number;
}

const OPTION_KEYS = [...VEC_ENV_OPTION_KEYS, "capacity", "orders", "baseDemand", "season", "period", "price", "unitCost", "holding"];

/**
 * A seasonal single-item inventory, the smallest member of the resource
 * allocation problems with binding constraints that TS-DDR targets. Each
 * step (a week) the agent orders one of `orders` units, delivered at once;
 * Poisson demand with a seasonal mean is served from stock; the reward is
 * price × sales − unitCost × order − holding × stock left. Stock above
 * `capacity` (after the delivery) is the constraint cost "overflow": the
 * reward-maximizing policy stocks up for the peak season and overflows, a
 * policy under an overflow budget must accept lost sales instead.
 *
 * Observation: [stock / capacity, sin(2π t/period), cos(2π t/period)]
 * (the season is observed). Stock is capped at 2 × capacity (deliveries
 * beyond it are refused and not paid). Physical state [stock, week].
 * An episode is one period (52 steps by default).
 */
export class InventoryVecEnv extends BaseVecEnv {
  readonly capacity: number;
  readonly orders: readonly number[];
  readonly baseDemand: number;
  readonly season: number;
  readonly period: number;
  readonly price: number;
  readonly unitCost: number;
  readonly holding: number;
  private readonly stock: Int32Array;
  private readonly week: Int32Array;

  constructor(options: VecEnvOptions & InventoryOptions & { id?: string }) {
    const id = options.id ?? "Inventory-v0";
    rejectUnknownOptions(id, options, [...OPTION_KEYS, "id"]);
    const orders = options.orders ?? [0, 2, 4, 6, 8, 10];
    if (!Array.isArray(orders) || orders.length < 2 || orders.some((q) => !Number.isInteger(q) || q < 0)) {
      throw new TypeError(`${id}: orders must be an array of at least 2 non-negative integers (units per order), got ${JSON.stringify(orders)}`);
    }
    const period = options.period ?? 52;
    if (!Number.isInteger(period) || period < 1) throw new RangeError(`${id}: period must be an integer ≥ 1, got ${period}`);
    super({ id, observationSpace: box([0, -1, -1], [2, 1, 1]), actionSpace: discrete(orders.length), stateLayout: ["stock", "week"], maxEpisodeSteps: period, costNames: ["overflow"] }, options);
    const num = (name: keyof InventoryOptions, fallback: number, ok: (v: number) => boolean, want: string) => {
      const v = (options[name] as number | undefined) ?? fallback;
      if (typeof v !== "number" || !ok(v)) throw new RangeError(`${id}: ${name} must be ${want}, got ${String(v)}`);
      return v;
    };
    this.capacity = num("capacity", 10, (v) => Number.isInteger(v) && v >= 1, "an integer ≥ 1");
    this.baseDemand = num("baseDemand", 6, (v) => v >= 0 && v <= 50, "a number in [0, 50]");
    this.season = num("season", 0.6, (v) => v >= 0 && v <= 1, "a share in [0, 1]");
    this.price = num("price", 4, Number.isFinite, "a finite number");
    this.unitCost = num("unitCost", 1, Number.isFinite, "a finite number");
    this.holding = num("holding", 0.1, Number.isFinite, "a finite number");
    this.orders = Object.freeze([...orders]);
    this.period = period;
    this.stock = new Int32Array(this.numEnvs);
    this.week = new Int32Array(this.numEnvs);
  }

  /** Mean demand in week `t`. */
  meanDemand(t: number): number {
    return this.baseDemand * (1 + this.season * Math.sin((2 * Math.PI * t) / this.period));
  }

  protected resetCopy(i: number): void {
    this.place(i, this.rng.int(this.capacity + 1), 0);
  }

  protected setCopyState(i: number, state: ArrayLike<number>): void {
    const [s, w] = [state[0]!, state[1]!];
    if (!Number.isInteger(s) || s < 0 || s > 2 * this.capacity || !Number.isInteger(w) || w < 0) {
      throw new RangeError(`${this.id}: state [${s}, ${w}] of copy ${i}: stock must be an integer in [0, ${2 * this.capacity}] and week an integer ≥ 0`);
    }
    this.place(i, s, w);
  }

  protected stepCopy(i: number, actions: Int32Array | Float32Array): void {
    const cap = this.capacity;
    const before = this.stock[i]!;
    const delivered = Math.min(this.orders[actions[i]!]!, 2 * cap - before);
    const stocked = before + delivered;
    this.costs[i] = Math.max(0, stocked - cap);
    const demand = poisson(this.rng, this.meanDemand(this.week[i]!));
    const sold = Math.min(stocked, demand);
    const left = stocked - sold;
    this.rewards[i] = this.price * sold - this.unitCost * delivered - this.holding * left;
    this.place(i, left, this.week[i]! + 1);
  }

  protected physicalState(i: number): number[] {
    return [this.stock[i]!, this.week[i]!];
  }

  protected renderCopy(i: number): Frame {
    const cap = this.capacity;
    const s = this.stock[i]!;
    const shapes: Shape[] = [
      { type: "rect", x: 0, y: 0, w: 1, h: cap, fill: "#eeeeee", stroke: "#999999" },
      { type: "rect", x: 0, y: 0, w: 1, h: Math.min(s, cap), fill: "#1e88e5", stroke: "#0d47a1" },
    ];
    if (s > cap) shapes.push({ type: "rect", x: 0, y: cap, w: 1, h: s - cap, fill: "#e53935", stroke: "#b71c1c" });
    shapes.push({ type: "text", x: 1.2, y: 2 * cap - 1, text: `week ${this.week[i]}, stock ${s}`, size: 0.8, fill: "#333333" });
    return { viewBox: [0, 0, 6, 2 * cap], width: 180, height: 240, background: "#ffffff", shapes };
  }

  private place(i: number, stock: number, week: number): void {
    this.stock[i] = stock;
    this.week[i] = week;
    const row = i * this.obsSize;
    const angle = (2 * Math.PI * week) / this.period;
    this.obs[row] = stock / this.capacity;
    this.obs[row + 1] = Math.sin(angle);
    this.obs[row + 2] = Math.cos(angle);
  }
}
