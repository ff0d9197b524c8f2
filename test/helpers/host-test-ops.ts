// Operations for the TfjsHost tests: a slow one, and ways for the worker to die.
export const ops = {
  "test.echo"(args: { value: unknown }): unknown {
    return args.value;
  },
  "test.sleep"(args: { ms: number }): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, args.ms));
  },
  /** Returns, then throws outside any request: the worker dies of an uncaught error. */
  "test.throwLater"(): void {
    setTimeout(() => {
      throw new Error("boom from the worker");
    }, 20);
  },
};
