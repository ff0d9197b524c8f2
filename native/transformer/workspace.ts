import { webAssembly, type WasmMemory, type WasmModule } from "../wasm/api.js";
import { geluConstants, SHARED_MAXIMUM_PAGES, transformerModule, type TransformerExports } from "./module.js";

const PAGE = 65536;

/**
 * One wasm memory with an instance of the transformer kernels and a bump
 * allocator over it. Offsets are in floats (×4 for the kernels' byte
 * addresses) and stay valid when the memory grows; `f32` is re-made then, so
 * read it after any `alloc`, never keep it across one.
 */
export class Workspace {
  readonly k: TransformerExports;
  f32: Float32Array;
  private top = 16;
  /** The allocation mark of the workspace as constructed. */
  private readonly empty: number;
  /** Float offset of a constant 1.0 (the A operand of bias gradients, 1ᵀ·dZ). */
  readonly one = 4;
  /** Float offset of the GELU kernels' constant table (pass 4·geluTable). */
  readonly geluTable: number;

  readonly memory: WasmMemory;
  readonly module: WasmModule;

  /**
   * `floats`: roughly how many floats will be allocated, to grow the memory
   * once instead of on every `alloc`. `shared`: a shared memory (up to
   * SHARED_MAXIMUM_PAGES) that a helper thread can run the same kernels on.
   */
  constructor(floats = 0, shared = false) {
    const initial = 1 + Math.ceil((4 * floats) / PAGE);
    this.memory = new webAssembly!.Memory(shared ? { initial, maximum: SHARED_MAXIMUM_PAGES, shared: true } : { initial });
    this.module = transformerModule(shared);
    this.k = new webAssembly!.Instance(this.module, { env: { memory: this.memory } }).exports as unknown as TransformerExports;
    this.f32 = new Float32Array(this.memory.buffer);
    this.f32[this.one] = 1;
    const table = geluConstants();
    this.geluTable = this.alloc(table.length);
    this.f32.set(table, this.geluTable);
    this.empty = this.top;
  }

  /** Frees (and zeroes) every allocation, for reuse of the memory as if fresh. */
  reset(): void {
    this.release(this.empty);
  }

  /** Bump-allocates `floats` zeroed floats, 64-byte aligned; returns the float offset. */
  alloc(floats: number): number {
    const at = this.top;
    this.top += (floats + 15) & ~15;
    const need = this.top * 4 - this.memory.buffer.byteLength;
    if (need > 0) {
      this.memory.grow(Math.ceil(need / PAGE));
      this.f32 = new Float32Array(this.memory.buffer);
    }
    return at;
  }

  /** The allocation mark, for {@link release}. */
  mark(): number {
    return this.top;
  }

  /** Frees everything allocated after `mark` (zeroing it, as fresh allocations are). */
  release(mark: number): void {
    this.f32.fill(0, mark, this.top);
    this.top = mark;
  }
}
