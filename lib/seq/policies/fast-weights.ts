import type { Workspace } from "../../../native/transformer/workspace.js";
import type { TransformerConfig } from "./config.js";
import { blockSlots, slotOf, type BlockSlots, type ParamLayout } from "./layout.js";

/** Float offsets of one block's transposed weights ([out, in]), the B operands of input gradients. */
export interface BlockTransposes {
  attnWT: number;
  attnProjWT: number;
  fcWT: number;
  mlpProjWT: number;
}

/**
 * The parameters inside a {@link Workspace}: a mirror of the flat params (at
 * `P`, same layout, so a tensor at layout offset o is at P + o), the
 * transposed weights and the output embedding transposed and padded to
 * `[dModel, pad4(vocab)]` for the LM head GEMM.
 */
export class WeightMirror {
  readonly P: number;
  readonly blocks: readonly BlockSlots[];
  readonly transposes: readonly BlockTransposes[];
  /** [dModel, vocabPadded]: column v is the output embedding of token v. */
  readonly lmT: number;
  readonly vocabPadded: number;
  /** Layout offset of the output embedding [vocab, dModel] (wte when tied). */
  readonly lm: number;
  readonly wte: number;
  /** Layout offset of wpe, −1 with rotary positions. */
  readonly wpe: number;
  readonly lnfW: number;
  readonly lnfB: number;

  constructor(readonly ws: Workspace, readonly config: TransformerConfig, readonly layout: ParamLayout) {
    const { dModel: D, mlpHidden: H, vocabSize: V } = config;
    this.P = ws.alloc(layout.size);
    this.blocks = Array.from({ length: config.layers }, (_, i) => blockSlots(layout, i));
    this.transposes = this.blocks.map(() => ({
      attnWT: ws.alloc(3 * D * D), attnProjWT: ws.alloc(D * D), fcWT: ws.alloc(H * D), mlpProjWT: ws.alloc(D * H),
    }));
    this.vocabPadded = (V + 3) & ~3;
    this.lmT = ws.alloc(D * this.vocabPadded);
    this.lm = slotOf(layout, config.tieEmbeddings ? "wte.weight" : "lm_head.weight").offset;
    this.wte = slotOf(layout, "wte.weight").offset;
    this.wpe = config.positions === "learned" ? slotOf(layout, "wpe.weight").offset : -1;
    this.lnfW = slotOf(layout, "ln_f.weight").offset;
    this.lnfB = slotOf(layout, "ln_f.bias").offset;
  }

  /** Copies `params` in and re-derives the transposes. */
  sync(params: Float32Array): void {
    const { ws, P } = this;
    const { dModel: D, mlpHidden: H, vocabSize: V } = this.config;
    ws.f32.set(params, P);
    const T = (rows: number, cols: number, src: number, dst: number): void => ws.k.copy(rows, cols, 4 * (P + src), cols, 4 * dst, 1, rows);
    this.blocks.forEach((s, l) => {
      const t = this.transposes[l]!;
      T(D, 3 * D, s.attnW, t.attnWT);
      T(D, D, s.attnProjW, t.attnProjWT);
      T(D, H, s.fcW, t.fcWT);
      T(H, D, s.mlpProjW, t.mlpProjWT);
    });
    ws.k.copy(V, D, 4 * (P + this.lm), D, 4 * this.lmT, 1, this.vocabPadded);
  }
}
