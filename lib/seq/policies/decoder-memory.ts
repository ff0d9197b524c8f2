import { Workspace } from "../../../native/transformer/workspace.js";

/** Closed decoders' workspaces a model keeps at most (a GRPO run alternates two sizes: its sampling batch and its evaluation batch). */
const KEEP = 2;

interface Kept {
  ws: Workspace;
  floats: number;
  shared: boolean;
}

/**
 * The wasm memories of a model's closed decoders, handed to its next decoder
 * of the same size: a fresh memory costs a page fault on the first touch of
 * every page (its KV caches are most of it), which was ~15 % of a GRPO
 * sampling step (256 rows of d 64, context 16). A workspace comes back empty
 * (zeroed, as from a fresh `alloc`).
 */
export class DecoderMemory {
  private readonly kept: Kept[] = [];

  /** An empty workspace for `floats` floats, shared (for a helper thread) or not. */
  take(floats: number, shared: boolean): Workspace {
    const i = this.kept.findIndex((k) => k.floats === floats && k.shared === shared);
    if (i < 0) return new Workspace(floats, shared);
    const [k] = this.kept.splice(i, 1);
    k!.ws.reset();
    return k!.ws;
  }

  /** Keeps `ws` (made by {@link take} with these arguments, no longer used) for a later {@link take}. */
  give(ws: Workspace, floats: number, shared: boolean): void {
    this.kept.push({ ws, floats, shared });
    if (this.kept.length > KEEP) this.kept.shift();
  }
}
