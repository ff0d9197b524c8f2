/** A finite set of actions or observations `{0, 1, …, n-1}`. */
export interface DiscreteSpace {
  readonly kind: "discrete";
  readonly n: number;
}

/** A box in R^shape with per-element bounds (±Infinity where unbounded). */
export interface BoxSpace {
  readonly kind: "box";
  readonly shape: readonly number[];
  readonly low: Float32Array;
  readonly high: Float32Array;
}

export type Space = DiscreteSpace | BoxSpace;

/** `{0, …, n-1}`. */
export function discrete(n: number): DiscreteSpace {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`a discrete space needs an integer n ≥ 1, got ${n}`);
  return { kind: "discrete", n };
}

/** A box with the given bounds; scalars are broadcast to `shape`. */
export function box(low: number | ArrayLike<number>, high: number | ArrayLike<number>, shape?: readonly number[]): BoxSpace {
  const size = shape
    ? shape.reduce((a, b) => a * b, 1)
    : typeof low === "number"
      ? typeof high === "number"
        ? 1
        : high.length
      : low.length;
  const fill = (v: number | ArrayLike<number>, name: string) => {
    if (typeof v === "number") return new Float32Array(size).fill(v);
    if (v.length !== size) throw new RangeError(`box ${name} has ${v.length} elements, shape needs ${size}`);
    return Float32Array.from(v);
  };
  const lo = fill(low, "low");
  const hi = fill(high, "high");
  for (let i = 0; i < size; i++) {
    if (!(lo[i]! <= hi[i]!)) throw new RangeError(`box bound ${i}: low ${lo[i]} must be ≤ high ${hi[i]}`);
  }
  return { kind: "box", shape: shape ? [...shape] : [size], low: lo, high: hi };
}

/** Number of float32 slots one element of the space takes in a flat buffer (1 for discrete). */
export function flatSize(space: Space): number {
  return space.kind === "discrete" ? 1 : space.shape.reduce((a, b) => a * b, 1);
}

/** Whether two envs observe as many values and act in the same action space (bounds included). */
export function sameSpaces(a: { readonly obsSize: number; readonly actionSpace: Space }, b: { readonly obsSize: number; readonly actionSpace: Space }): boolean {
  return a.obsSize === b.obsSize && JSON.stringify(a.actionSpace) === JSON.stringify(b.actionSpace);
}

/** Human-readable description, e.g. `Discrete(2)` or `Box(-2..2, [1])`. */
export function describeSpace(space: Space): string {
  if (space.kind === "discrete") return `Discrete(${space.n})`;
  const lo = Math.min(...space.low);
  const hi = Math.max(...space.high);
  return `Box(${lo}..${hi}, [${space.shape.join(", ")}])`;
}
