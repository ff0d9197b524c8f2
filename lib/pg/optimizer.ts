import { num } from "../config/fields.js";
import { defineComponent } from "./component.js";

/** Adam's settings as the engine reads them. */
export interface AdamSettings {
  readonly lr: number;
  readonly eps: number;
}

export const adam = defineComponent({
  slot: "optimizer",
  kind: "adam",
  formula: "θ ← θ − lr · m̂ / (√v̂ + ε)  (β₁ = 0.9, β₂ = 0.999)",
  doc: "Adam (Kingma & Ba 2015) over every parameter group of the policy and critic, as torch.optim.Adam.",
  fields: {
    lr: num(2.5e-4, "learning rate (the schedule's starting value)", { min: 0, exclusiveMin: true }),
    eps: num(1e-5, "ε added to √v̂", { min: 0, exclusiveMin: true }),
  },
  create: (c): AdamSettings => ({ lr: c.lr, eps: c.eps }),
});
