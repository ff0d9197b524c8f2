import { type Comm, comms, type CommPayload } from "./comms.js";
import { JUPYTER_DISPLAY } from "./display.js";

/** ipywidgets message protocol version this kernel speaks (ipywidgets 8). */
export const WIDGET_PROTOCOL_VERSION = "2.1.0";
/** The comm target of widget models, and of the control channel that asks for all states at once. */
export const WIDGET_TARGET = "jupyter.widget";
export const WIDGET_CONTROL_TARGET = "jupyter.widget.control";
/** Module versions of ipywidgets 8's base and controls packages. */
export const BASE_MODULE = { module: "@jupyter-widgets/base", version: "2.0.0" } as const;
export const CONTROLS_MODULE = { module: "@jupyter-widgets/controls", version: "2.0.0" } as const;

export type WidgetState = Record<string, unknown>;

/** Binary values travel as comm buffers; their places in the state are listed in `buffer_paths`. */
const isBinary = (v: unknown): v is ArrayBufferView | ArrayBuffer => ArrayBuffer.isView(v) || v instanceof ArrayBuffer;
const toBytes = (v: ArrayBufferView | ArrayBuffer) => (v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength));

/** Takes binary values out of `state`: JSON state, their paths, and the buffers (the protocol's `_remove_buffers`). */
export function removeBuffers(state: WidgetState): { state: WidgetState; buffer_paths: (string | number)[][]; buffers: Uint8Array[] } {
  const buffer_paths: (string | number)[][] = [];
  const buffers: Uint8Array[] = [];
  const walk = (value: unknown, path: (string | number)[]): unknown => {
    if (isBinary(value)) {
      buffer_paths.push(path);
      buffers.push(toBytes(value));
      return null;
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i]));
    if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...path, k])]));
    }
    return value;
  };
  return { state: walk(state, []) as WidgetState, buffer_paths, buffers };
}

/** Keys that would reach an object's prototype instead of a property of its own. */
const PROTOTYPE_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/**
 * Puts buffers back into `state` at their paths (the protocol's
 * `_put_buffers`); modifies and returns it. The paths come from the frontend
 * and are checked as data: one path per buffer, each a non-empty list of keys
 * and indices through the state's own objects and arrays, never through a
 * prototype (`__proto__`, `constructor`, `prototype`). Throws a clear error
 * before changing anything otherwise.
 */
export function putBuffers(state: WidgetState, paths: unknown, buffers: readonly Uint8Array[]): WidgetState {
  if (!Array.isArray(paths)) throw new TypeError(`buffer_paths must be a list of paths, got ${typeof paths}`);
  if (paths.length !== buffers.length) throw new TypeError(`buffer_paths lists ${paths.length} paths for ${buffers.length} buffers`);
  const places: [Record<string | number, unknown>, string | number][] = paths.map((path: unknown, i) => {
    const where = `buffer_paths[${i}]`;
    if (!Array.isArray(path) || path.length === 0) throw new TypeError(`${where} must be a non-empty list of keys`);
    let target: unknown = state;
    path.forEach((key: unknown, depth) => {
      const ok = (typeof key === "string" && !PROTOTYPE_KEYS.has(key)) || (Number.isSafeInteger(key) && (key as number) >= 0);
      if (!ok) throw new TypeError(`${where}[${depth}] must be a key or an index of the state, got ${JSON.stringify(key)}`);
      if (target === null || typeof target !== "object") throw new TypeError(`${where} goes through ${JSON.stringify(path.slice(0, depth))}, which is not an object or a list`);
      if (depth < path.length - 1) {
        if (!Object.hasOwn(target, key as string | number)) throw new TypeError(`${where} goes through ${JSON.stringify(path.slice(0, depth + 1))}, which the state does not have`);
        target = (target as Record<string | number, unknown>)[key as string | number];
      }
    });
    return [target as Record<string | number, unknown>, path.at(-1) as string | number];
  });
  places.forEach(([target, key], i) => (target[key] = buffers[i]));
  return state;
}

/** A state update's own keys, without those that would reach a prototype. */
function ownState(state: WidgetState): WidgetState {
  return Object.fromEntries(Object.entries(state).filter(([k]) => !PROTOTYPE_KEYS.has(k)));
}

const models = new Map<string, WidgetModel>();

/**
 * A widget model living in the kernel, kept in sync with the frontend's
 * model over a comm (ipywidgets message protocol 2.1): `set()` sends an
 * update, updates from the frontend change `state` and call the change
 * handlers (and are echoed back), custom messages go both ways, and
 * displaying the model shows its view.
 */
export class WidgetModel<S extends WidgetState = WidgetState> {
  readonly comm: Comm;
  private readonly changeHandlers: ((changes: Partial<S>) => void)[] = [];
  private readonly customHandlers: ((content: unknown, buffers: Uint8Array[]) => void)[] = [];

  constructor(public state: S) {
    for (const key of ["_model_name", "_model_module", "_model_module_version"]) {
      if (typeof state[key] !== "string") throw new TypeError(`a widget model needs ${key} in its state (e.g. _model_name: "IntSliderModel")`);
    }
    const { state: json, buffer_paths, buffers } = removeBuffers(state);
    this.comm = comms.open(WIDGET_TARGET, { state: json, buffer_paths }, { metadata: { version: WIDGET_PROTOCOL_VERSION }, buffers });
    models.set(this.comm.id, this as unknown as WidgetModel);
    this.comm.onMsg((m) => this.receive(m));
    this.comm.onClose(() => models.delete(this.comm.id));
  }

  get id(): string {
    return this.comm.id;
  }

  /** How other models refer to this one in their state. */
  get ref(): string {
    return `IPY_MODEL_${this.id}`;
  }

  get<K extends keyof S>(key: K): S[K] {
    return this.state[key];
  }

  /** Changes the state here and in the frontend. */
  set(changes: Partial<S>): void {
    Object.assign(this.state, changes);
    const { state, buffer_paths, buffers } = removeBuffers(changes as WidgetState);
    this.comm.send({ method: "update", state, buffer_paths }, { buffers });
    for (const h of this.changeHandlers) h(changes);
  }

  /** Called with what changed, from either side. */
  onChange(handler: (changes: Partial<S>) => void): this {
    this.changeHandlers.push(handler);
    return this;
  }

  /** Custom messages from the frontend view (e.g. a button's click). */
  onCustom(handler: (content: unknown, buffers: Uint8Array[]) => void): this {
    this.customHandlers.push(handler);
    return this;
  }

  sendCustom(content: unknown, buffers: Uint8Array[] = []): void {
    this.comm.send({ method: "custom", content }, { buffers });
  }

  close(): void {
    models.delete(this.comm.id);
    this.comm.close();
  }

  /** The full state, for request_state and the control channel. */
  fullState(): { state: WidgetState; buffer_paths: (string | number)[][]; buffers: Uint8Array[] } {
    return removeBuffers(this.state);
  }

  private receive(m: CommPayload): void {
    const data = m.data as { method?: unknown; state?: unknown; buffer_paths?: unknown; content?: unknown };
    if (data.method === "update") {
      if (data.state === null || typeof data.state !== "object" || Array.isArray(data.state)) {
        console.error(`[trellis kernel] ignored a widget update for ${this.id}: its state must be an object`);
        return;
      }
      let changes: Partial<S>;
      try {
        changes = ownState(putBuffers(data.state as WidgetState, data.buffer_paths ?? [], m.buffers)) as Partial<S>;
      } catch (error) {
        console.error(`[trellis kernel] ignored a widget update for ${this.id}: ${(error as Error).message}`);
        return;
      }
      Object.assign(this.state, changes);
      // Protocol 2.1: other frontends of the same model learn the change from the echo.
      this.comm.send({ method: "echo_update", state: data.state, buffer_paths: data.buffer_paths ?? [] }, { buffers: m.buffers });
      for (const h of this.changeHandlers) h(changes);
    } else if (data.method === "request_state") {
      const { state, buffer_paths, buffers } = this.fullState();
      this.comm.send({ method: "update", state, buffer_paths }, { buffers });
    } else if (data.method === "custom") {
      for (const h of this.customHandlers) h(data.content, m.buffers);
    }
  }

  [JUPYTER_DISPLAY](): Record<string, unknown> {
    return {
      "application/vnd.jupyter.widget-view+json": { model_id: this.id, version_major: 2, version_minor: 1 },
      "text/plain": `${String(this.state._model_name).replace(/Model$/, "")}(${["value", "description"].filter((k) => k in this.state).map((k) => `${k}=${JSON.stringify(this.state[k])}`).join(", ")})`,
    };
  }
}

/** The frontend's control comm: answers request_states with every model's state (ipywidgets 8 restores views with it). */
comms.registerTarget(WIDGET_CONTROL_TARGET, (comm) => {
  comm.onMsg((m) => {
    if ((m.data as { method?: string }).method !== "request_states") return;
    const states: Record<string, WidgetState> = {};
    const paths: Record<string, (string | number)[][]> = {};
    const buffers: Uint8Array[] = [];
    for (const [id, model] of models) {
      const full = model.fullState();
      states[id] = full.state;
      // Buffers of all models travel in one list; each model's paths are offset into it by the frontend in order.
      paths[id] = full.buffer_paths;
      buffers.push(...full.buffers);
    }
    comm.send({ method: "update_states", states, buffer_paths: paths }, { buffers });
  });
});

const view = (name: string, module: { module: string; version: string } = CONTROLS_MODULE) => ({
  _model_name: `${name}Model`,
  _model_module: module.module,
  _model_module_version: module.version,
  _view_name: `${name}View`,
  _view_module: module.module,
  _view_module_version: module.version,
});

function layout(): WidgetModel {
  return new WidgetModel({ ...view("Layout", BASE_MODULE), _view_name: "LayoutView" });
}

function style(name: string): WidgetModel {
  return new WidgetModel({ _model_name: name, _model_module: CONTROLS_MODULE.module, _model_module_version: CONTROLS_MODULE.version, _view_name: "StyleView", _view_module: BASE_MODULE.module, _view_module_version: BASE_MODULE.version, description_width: "" });
}

/** ipywidgets controls as kernel-side models (ipywidgets 8 names and defaults). */
export const widgets = {
  /** Any model: give `_model_name`, `_model_module`, `_model_module_version` (and a view) in the state. */
  model: <S extends WidgetState>(state: S) => new WidgetModel(state),
  intSlider: (o: { value?: number; min?: number; max?: number; step?: number; description?: string } = {}) =>
    new WidgetModel({ ...view("IntSlider"), layout: layout().ref, style: style("SliderStyleModel").ref, value: 0, min: 0, max: 100, step: 1, description: "", orientation: "horizontal", readout: true, readout_format: "d", continuous_update: true, disabled: false, ...o }),
  floatSlider: (o: { value?: number; min?: number; max?: number; step?: number; description?: string } = {}) =>
    new WidgetModel({ ...view("FloatSlider"), layout: layout().ref, style: style("SliderStyleModel").ref, value: 0, min: 0, max: 10, step: 0.1, description: "", orientation: "horizontal", readout: true, readout_format: ".2f", continuous_update: true, disabled: false, ...o }),
  button: (o: { description?: string; tooltip?: string; button_style?: string } = {}) =>
    new WidgetModel({ ...view("Button"), layout: layout().ref, style: style("ButtonStyleModel").ref, description: "", tooltip: "", button_style: "", icon: "", disabled: false, ...o }),
  html: (value = "") => new WidgetModel({ ...view("HTML"), layout: layout().ref, style: style("HTMLStyleModel").ref, value, description: "", placeholder: "" }),
  text: (o: { value?: string; description?: string; placeholder?: string } = {}) =>
    new WidgetModel({ ...view("Text"), layout: layout().ref, style: style("TextStyleModel").ref, value: "", description: "", placeholder: "", continuous_update: true, disabled: false, ...o }),
  vbox: (children: readonly WidgetModel[]) => new WidgetModel({ ...view("VBox"), layout: layout().ref, box_style: "", children: children.map((c) => c.ref) }),
  hbox: (children: readonly WidgetModel[]) => new WidgetModel({ ...view("HBox"), layout: layout().ref, box_style: "", children: children.map((c) => c.ref) }),
};
