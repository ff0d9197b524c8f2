/**
 * A loss or gradient became NaN or ±Infinity. The update that produced it was
 * undone: the run holds the last good parameters and can continue (e.g. with
 * a lower learning rate) or be saved.
 */
export class TrainingDivergedError extends Error {
  constructor(
    readonly algo: string,
    readonly update: number,
    readonly epoch: number,
    readonly minibatch: number,
    readonly loss: number,
  ) {
    super(
      `${algo} update ${update} (epoch ${epoch + 1}, minibatch ${minibatch + 1}) produced a non-finite loss or gradient (loss = ${loss}). ` +
        `The update was undone and the run keeps its last good state; lower the learning rate or check the rewards and observations for NaN/Inf.`,
    );
    this.name = "TrainingDivergedError";
  }
}
