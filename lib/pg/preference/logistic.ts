/** The logistic loss log(1 + e^{−z}) = −log σ(z) and its slope −σ(−z), without overflow for any finite z. */
export function logisticLoss(z: number): { loss: number; slope: number } {
  if (z >= 0) {
    const e = Math.exp(-z);
    return { loss: Math.log1p(e), slope: -e / (1 + e) };
  }
  const e = Math.exp(z);
  return { loss: -z + Math.log1p(e), slope: -1 / (1 + e) };
}
