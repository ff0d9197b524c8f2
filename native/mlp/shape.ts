/** Elementwise nonlinearity after a dense layer. */
export type Activation = "tanh" | "relu" | "linear";

/** A stack of dense layers `y = act(x W + b)`; `sizes` = [input, hidden…, output]. */
export interface MlpShape {
  readonly sizes: readonly number[];
  /** After every hidden layer. */
  readonly activation: Activation;
  /** After the last layer. */
  readonly outputActivation: Activation;
}

/** Where one layer lives in the flat parameter vector. */
export interface LayerLayout {
  readonly inSize: number;
  readonly outSize: number;
  /** Offset of W (`inSize × outSize`, row-major: W[i, j] at `w + i*outSize + j`). */
  readonly w: number;
  /** Offset of b (`outSize`), right after W. */
  readonly b: number;
  readonly act: Activation;
}

const ACTIVATIONS: readonly Activation[] = ["tanh", "relu", "linear"];

/**
 * The flat parameter layout shared by every engine: per layer W then b, W
 * row-major `[in, out]` (the layout of a tfjs Dense kernel; a torch Linear
 * weight is its transpose).
 */
export function mlpLayout(shape: MlpShape): { layers: LayerLayout[]; paramCount: number } {
  checkShape(shape);
  const layers: LayerLayout[] = [];
  let offset = 0;
  const last = shape.sizes.length - 2;
  for (let l = 0; l <= last; l++) {
    const inSize = shape.sizes[l]!;
    const outSize = shape.sizes[l + 1]!;
    const act = l === last ? shape.outputActivation : shape.activation;
    layers.push({ inSize, outSize, w: offset, b: offset + inSize * outSize, act });
    offset += inSize * outSize + outSize;
  }
  return { layers, paramCount: offset };
}

function checkShape(shape: MlpShape): void {
  const { sizes } = shape;
  if (sizes.length < 2 || sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new RangeError(`an MLP needs sizes [input, …hidden, output] of positive integers, got [${sizes.join(", ")}]`);
  }
  for (const act of [shape.activation, shape.outputActivation]) {
    if (!ACTIVATIONS.includes(act)) {
      throw new RangeError(`activation must be one of ${ACTIVATIONS.join(", ")}, got ${String(act)}`);
    }
  }
}
