import { forgetCollected, releaseWhenCollected, sharedFloats, sharedTfjsHost, type TfjsHost } from "../../../native/tfjs-host/host.js";
import type { Rng } from "../../random/rng.js";
import { transformerConfig, validateTransformerConfig, type TransformerConfig } from "./config.js";
import { initTransformerParams, paramLayout, type ParamLayout } from "./layout.js";
import { checkForwardTokens, checkShareRows, type TokenDecoder, type TokenPolicy } from "./token-policy.js";

const OPS = new URL("./tfjs-transformer-ops.js", import.meta.url);

/**
 * The {@link Transformer} run by TensorFlow.js in a {@link TfjsHost} (a
 * worker thread), on the host's backend (the fastest present: WebGPU where
 * a hardware adapter exists, else wasm). The same config, flat layout, gradients and decoder
 * semantics as the reference and the fast kernels, in float32; `params` and
 * `grads` live in SharedArrayBuffers that the worker reads and writes in
 * place. Dropped without dispose(), it frees its worker state when collected. Each forward uploads the current params (optimizers change them
 * between steps); its backward recomputes the forward under tfjs autograd.
 * Pays where a GPU does the work: on a CPU the fused kernels
 * ({@link FastTransformer}) are faster (see docs/gpu.md).
 */
export class HostedTransformer implements TokenPolicy {
  readonly kind = "transformer";
  readonly config: TransformerConfig;
  readonly layout: ParamLayout;
  readonly params: Float32Array;
  readonly grads: Float32Array;
  readonly host: TfjsHost;
  private readonly id: number;
  private lastRows = -1;
  private disposed = false;

  /** Copies `params` into shared memory; fresh zero grads. `host` defaults to the process's shared host. */
  constructor(config: TransformerConfig, params: Float32Array, host: TfjsHost = sharedTfjsHost()) {
    validateTransformerConfig(config);
    this.config = { ...config };
    this.layout = paramLayout(this.config);
    if (!(params instanceof Float32Array) || params.length !== this.layout.size) {
      throw new RangeError(`transformer params: expected a Float32Array of ${this.layout.size} values for this config, got ${params?.length}`);
    }
    this.params = sharedFloats(params.length);
    this.params.set(params);
    this.grads = sharedFloats(params.length);
    this.host = host;
    host.load(OPS);
    this.id = host.call<number>("transformer.create", { config: this.config, params: this.params, grads: this.grads });
    releaseWhenCollected(this, host, "transformer.dispose", this.id);
  }

  /** A new model with GPT-2's initialization, drawn from `rng` only (the same params as `Transformer.create`). */
  static create(config: Partial<TransformerConfig> & { vocabSize: number }, options: { rng: Rng; std?: number; host?: TfjsHost }): HostedTransformer {
    const full = transformerConfig(config);
    return new HostedTransformer(full, initTransformerParams(full, paramLayout(full), options), options.host);
  }

  get vocabSize(): number {
    return this.config.vocabSize;
  }

  get context(): number {
    return this.config.context;
  }

  zeroGrads(): void {
    this.grads.fill(0);
  }

  clone(): HostedTransformer {
    return new HostedTransformer(this.config, this.params, this.host);
  }

  forward(tokens: Int32Array, batch: number, length: number): Float32Array {
    this.alive("forward");
    checkForwardTokens(tokens, batch, length, this.config.context, this.config.vocabSize);
    this.lastRows = batch * length;
    return this.host.call<Float32Array>("transformer.forward", { id: this.id, tokens, batch, length });
  }

  backward(dLogits: ArrayLike<number>): void {
    this.alive("backward");
    if (this.lastRows < 0) throw new Error("backward: call forward first (each forward allows one backward)");
    const n = this.lastRows * this.config.vocabSize;
    if (dLogits.length !== n) throw new RangeError(`backward: expected dLogits of ${this.lastRows}·${this.config.vocabSize} = ${n} values, got ${dLogits.length}`);
    this.lastRows = -1;
    this.host.call("transformer.backward", { id: this.id, dLogits: dLogits instanceof Float32Array ? dLogits : Float32Array.from(dLogits) });
  }

  /** A decoder over a snapshot of the current params (uploaded now); close it to free its tensors. */
  decoder(rows: number): TokenDecoder {
    this.alive("decoder");
    if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`decoder: rows must be a positive integer, got ${rows}`);
    return new HostedDecoder(this.host, this.config, rows, this.host.call<number>("transformer.decoder", { id: this.id, rows }));
  }

  /** Frees the worker's tensors of this model. Later calls throw. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    forgetCollected(this);
    this.host.call("transformer.dispose", { id: this.id });
  }

  private alive(what: string): void {
    if (this.disposed) throw new Error(`${what}: the hosted transformer is disposed`);
  }
}

/**
 * The decoder of {@link HostedTransformer}: rows keep their own positions (a
 * row that sat out steps is fed at its next one); shares are collected and
 * applied with the next step (one gather of the cache, not one per share).
 */
class HostedDecoder implements TokenDecoder {
  private readonly fed: Int32Array;
  /** Row r's cache comes from row pending[r] at the next step; null: no share since the last step. */
  private pending: Int32Array | null = null;
  private steps = 0;
  private closed = false;

  constructor(private readonly host: TfjsHost, private readonly config: TransformerConfig, readonly rows: number, private readonly id: number) {
    this.fed = new Int32Array(rows);
    releaseWhenCollected(this, host, "decoder.close", id);
  }

  get position(): number {
    return this.steps;
  }

  step(tokens: Int32Array, active: Uint8Array | null, logits: Float32Array | Float64Array): void {
    if (this.closed) throw new Error("decoder.step: the decoder is closed");
    const { rows } = this;
    const { vocabSize: V, context: T } = this.config;
    if (tokens.length < rows || logits.length < rows * V) throw new RangeError(`decoder.step: expected ${rows} tokens and ${rows}·${V} logits, got ${tokens.length} and ${logits.length}`);
    if (active !== null && active.length < rows) throw new RangeError(`decoder.step: expected ${rows} active flags, got ${active.length}`);
    const feed = new Int32Array(rows);
    const positions = new Int32Array(rows);
    const write = new Float32Array(rows);
    let any = false;
    for (let r = 0; r < rows; r++) {
      positions[r] = Math.min(this.fed[r]!, T - 1);
      if (active !== null && !active[r]) continue;
      const tok = tokens[r]!;
      if (!(Number.isInteger(tok) && tok >= 0 && tok < V)) throw new RangeError(`decoder.step: token ${tok} of row ${r} is outside the vocabulary [0, ${V})`);
      if (this.fed[r]! >= T) throw new RangeError(`decoder.step: row ${r} is full (context ${T})`);
      feed[r] = tok;
      write[r] = 1;
      any = true;
    }
    this.steps++;
    if (!any) return;
    const out = this.host.call<Float32Array>("decoder.step", { id: this.id, tokens: feed, positions, write, gather: this.pending });
    this.pending = null;
    for (let r = 0; r < rows; r++) {
      if (!write[r]) continue;
      this.fed[r]!++;
      for (let v = 0; v < V; v++) logits[r * V + v] = out[r * V + v]!;
    }
  }

  share(from: number, to: number): void {
    if (this.closed) throw new Error("decoder.share: the decoder is closed");
    const { rows } = this;
    checkShareRows(from, to, rows);
    if (from === to) return;
    this.pending ??= Int32Array.from({ length: rows }, (_, r) => r);
    this.pending[to] = this.pending[from]!;
    this.fed[to] = this.fed[from]!;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    forgetCollected(this);
    this.host.call("decoder.close", { id: this.id });
  }
}
