import type { Frame } from "./frame.js";
import type { BoxSpace, Space } from "./space.js";
import type { VecEnv, VecEnvState, VecResetOptions } from "./vec-env.js";

/**
 * A vector env that is another one with something added (recording, costs):
 * every field and method is the inner env's until a subclass overrides it,
 * and the buffers are the inner env's own.
 */
export abstract class VecEnvWrapper implements VecEnv {
  readonly stateFromObservation?: (obs: ArrayLike<number>) => number[] | undefined;

  protected constructor(readonly inner: VecEnv) {
    if (inner.stateFromObservation) this.stateFromObservation = (obs) => inner.stateFromObservation!(obs);
  }

  get id(): string {
    return this.inner.id;
  }
  get numEnvs(): number {
    return this.inner.numEnvs;
  }
  get observationSpace(): BoxSpace {
    return this.inner.observationSpace;
  }
  get actionSpace(): Space {
    return this.inner.actionSpace;
  }
  get obsSize(): number {
    return this.inner.obsSize;
  }
  get actionSize(): number {
    return this.inner.actionSize;
  }
  get maxEpisodeSteps(): number | undefined {
    return this.inner.maxEpisodeSteps;
  }
  get stateLayout(): readonly string[] {
    return this.inner.stateLayout;
  }
  get obs(): Float32Array {
    return this.inner.obs;
  }
  get rewards(): Float32Array {
    return this.inner.rewards;
  }
  get terminated(): Uint8Array {
    return this.inner.terminated;
  }
  get truncated(): Uint8Array {
    return this.inner.truncated;
  }
  get finalObs(): Float32Array {
    return this.inner.finalObs;
  }
  get elapsed(): Int32Array {
    return this.inner.elapsed;
  }
  get costNames(): readonly string[] | undefined {
    return this.inner.costNames;
  }
  get costs(): Float32Array | undefined {
    return this.inner.costs;
  }

  reset(options?: VecResetOptions): Float32Array {
    return this.inner.reset(options);
  }
  step(actions: Int32Array | Float32Array): void {
    this.inner.step(actions);
  }
  render(index?: number): Frame {
    return this.inner.render(index);
  }
  getPhysicalState(index: number): number[] {
    return this.inner.getPhysicalState(index);
  }
  saveState(): VecEnvState {
    return this.inner.saveState();
  }
  loadState(state: VecEnvState): void {
    this.inner.loadState(state);
  }
}
