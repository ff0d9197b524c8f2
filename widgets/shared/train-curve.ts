// What a training view plots. Here, not in lib/run/display.ts, because both
// sides need the value: lib's train() reports it, widgets/server's training
// view starts from it, and widgets/ may import only types from lib/
// (docs/architecture.md).

/** The metric (a metrics-row key) a training view plots, against env steps ("step") or updates ("update"). */
export interface TrainCurve {
  readonly key: string;
  readonly label: string;
  readonly x: "step" | "update";
}

/** What an online run's training view plots: episode return against env steps. */
export const RETURN_CURVE: TrainCurve = Object.freeze({ key: "episodicReturn", label: "episode return", x: "step" });
