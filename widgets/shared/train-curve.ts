// What a training view plots. Here, not in lib/run/display.ts, because both
// sides need the value: lib's train() reports it, widgets/server's training
// view starts from it, and widgets/ may import only types from lib/
// (docs/architecture.md).

/** The metric (a metrics-row key) a training view plots, against env steps ("step") or updates ("update"). */
export interface TrainCurve {
  readonly key: string;
  readonly label: string;
  readonly x: "step" | "update";
  /**
   * More metrics drawn in the same view, against the same x (e.g. a sequence
   * run's `pass1` beside its `reward`). A metric may be logged only on some
   * rows (an evaluation every k steps): its points are those rows', drawn as
   * measured (markers, no smoothing).
   */
  readonly extra?: readonly { readonly key: string; readonly label: string }[];
}

/** What an online run's training view plots: episode return against env steps. */
export const RETURN_CURVE: TrainCurve = Object.freeze({ key: "episodicReturn", label: "episode return", x: "step" });
