/**
 * Thrown by `rl.load(dir)` when a checkpoint cannot be loaded: every problem
 * found, each naming the file (and the field or array) and what is wrong.
 */
export class CheckpointError extends Error {
  constructor(
    readonly dir: string,
    readonly problems: readonly string[],
  ) {
    super(`cannot load the run in ${dir}; ${problems.length === 1 ? "" : `${problems.length} problems:`}${problems.length === 1 ? problems[0] : `\n${problems.map((p) => `  - ${p}`).join("\n")}`}`);
    this.name = "CheckpointError";
  }
}
