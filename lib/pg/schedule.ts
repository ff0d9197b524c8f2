import { int } from "../config/fields.js";
import { defineComponent } from "./component.js";

/** Learning rate of update `updates` (0-based) from the optimizer's `lr`, for batches of `batchRows` env steps. */
export type ScheduleRuntime = (lr: number, updates: number, batchRows: number) => number;

/** CleanRL's annealing: lr · max(0, 1 − u / U) with U = max(1, ⌊totalSteps / batchRows⌋) updates in all. */
export function linearAnneal(lr: number, updates: number, totalSteps: number, batchRows: number): number {
  const numUpdates = Math.max(1, Math.floor(totalSteps / batchRows));
  return lr * Math.max(0, 1 - updates / numUpdates);
}

export const constant = defineComponent({
  slot: "schedule",
  kind: "constant",
  formula: "lr_u = lr",
  doc: "The same learning rate for every update.",
  fields: {},
  create: (): ScheduleRuntime => (lr) => lr,
});

export const linear = defineComponent({
  slot: "schedule",
  kind: "linear",
  formula: "lr_u = lr · max(0, 1 − u / ⌊totalSteps / B⌋)",
  doc: "Linear annealing to 0 over `totalSteps` env steps (CleanRL's anneal_lr); B is the batch's rows.",
  fields: { totalSteps: int(500_000, "env steps (all copies) over which the rate falls to 0", { min: 1, unit: "env steps" }) },
  create: (c): ScheduleRuntime => (lr, updates, batchRows) => linearAnneal(lr, updates, c.totalSteps, batchRows),
});
