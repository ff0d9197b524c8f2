/**
 * A loss or gradient became NaN or ±Infinity. The update that produced it was
 * undone: the run holds the last good parameters, optimizer and RNG state and
 * can be saved or inspected. Retrying repeats the same update (training is
 * deterministic); change the configuration and build a new run to go on.
 */
export class TrainingDivergedError extends Error {
  constructor(
    readonly algo: string,
    readonly update: number,
    /** Epoch and minibatch (0-based) for methods that make several passes per update. */
    readonly epoch: number | undefined,
    readonly minibatch: number | undefined,
    readonly loss: number,
  ) {
    const where = epoch !== undefined && minibatch !== undefined ? ` (epoch ${epoch + 1}, minibatch ${minibatch + 1})` : "";
    super(
      `${algo} update ${update}${where} produced a non-finite loss or gradient (loss = ${loss}). ` +
        `The update was undone and the run keeps its last good state (save it or inspect it); retrying repeats the same update, so rebuild the run with a lower learning rate or check the rewards and observations for NaN/Inf.`,
    );
    this.name = "TrainingDivergedError";
  }
}
