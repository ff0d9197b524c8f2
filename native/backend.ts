import { availableParallelism } from "node:os";
import type * as Tf from "@tensorflow/tfjs";
import { BACKEND_ORDER, INSTALL_HINT, type BackendName, type GpuInfo } from "./backend-names.js";
import { probeCpu, probeCuda, probeTensorflow, probeWasm, probeWebgpu, type Probe } from "./backend-probes.js";
import { defaultMlpEngine, wasmSimdUnavailable, type MlpEngine } from "./mlp/index.js";
import { quietly, spendFirstUseBanner } from "./quiet.js";

export { BACKEND_ORDER, type BackendName, type GpuInfo } from "./backend-names.js";

/** Environment variable that forces a backend: cuda | tensorflow | webgpu | wasm | cpu (or auto). */
export const BACKEND_ENV = "TRELLIS_BACKEND";

/** Which compute runs, and why each faster backend did not. */
export interface DeviceReport {
  /** Trellis's name of the running backend. */
  backend: BackendName;
  /** tfjs's name of it (`tf.getBackend()`). */
  tfjsBackend: string;
  /** Why this backend runs. */
  reason: string;
  /** Set when TRELLIS_BACKEND or `initBackend({ backend })` chose it. */
  forced: BackendName | null;
  /** The faster backends, each with why it was not used. */
  skipped: { backend: BackendName; reason: string }[];
  /** WebAssembly SIMD works here (the wasm backend and the fused MLP kernels use it). */
  simd: boolean;
  /** CPU threads the backend computes with (1 for wasm in Node: tfjs runs it unthreaded). */
  threads: number;
  tfjsVersion: string;
  /** Engine of the fused small-MLP kernels (independent of the tfjs backend). */
  mlpEngine: MlpEngine;
  /** The WebGPU adapter, when the backend is webgpu. */
  gpu?: GpuInfo;
  platform: string;
  node: string;
  /** Time initBackend took, ms. */
  initMs: number;
}

export interface InitBackendOptions {
  /** Forces a backend, like TRELLIS_BACKEND (which it overrides). "auto" picks the fastest. */
  backend?: BackendName | "auto";
}

let current: { key: string; report: Promise<DeviceReport> } | undefined;
let last: DeviceReport | undefined;

/**
 * Selects and activates the fastest tfjs backend present (order:
 * {@link BACKEND_ORDER}), unless `options.backend` or TRELLIS_BACKEND forces
 * one; a forced backend that cannot run throws an Error saying how to
 * install it. Calling again with the same choice returns the same report
 * without work; a different choice switches backend.
 */
export function initBackend(options: InitBackendOptions = {}): Promise<DeviceReport> {
  let choice: BackendName | "auto";
  try {
    choice = options.backend !== undefined ? parseBackendName(options.backend, "initBackend's backend") : parseBackendName(process.env[BACKEND_ENV], BACKEND_ENV);
  } catch (e) {
    return Promise.reject(e);
  }
  const source = options.backend !== undefined ? `initBackend({ backend: "${choice}" })` : `${BACKEND_ENV}=${choice}`;
  if (current?.key !== choice) {
    // a switch waits for the selection in flight: tf.setBackend calls must not interleave
    const previous = current?.report.catch(() => undefined) ?? Promise.resolve();
    const report = previous.then(() => select(choice, source)).then((r) => (last = r));
    report.catch(() => {
      if (current?.report === report) current = undefined;
    });
    current = { key: choice, report };
  }
  return current.report;
}

/** The report of the last {@link initBackend}; throws if none has finished yet. */
export function deviceReport(): DeviceReport {
  if (!last) throw new Error("no backend is initialized yet: call `await initBackend()` first");
  return last;
}

/** Reads a backend name; "" and undefined mean "auto". */
export function parseBackendName(value: string | undefined, what = "backend"): BackendName | "auto" {
  const v = (value ?? "").trim().toLowerCase();
  if (v === "" || v === "auto") return "auto";
  if ((BACKEND_ORDER as readonly string[]).includes(v)) return v as BackendName;
  throw new RangeError(`${what} must be one of auto, ${BACKEND_ORDER.join(", ")}; got ${JSON.stringify(value)}`);
}

const PROBES: Record<BackendName, (tf: typeof Tf, forced: boolean) => Promise<Probe>> = {
  cuda: probeCuda,
  tensorflow: (tf) => probeTensorflow(tf),
  webgpu: probeWebgpu,
  wasm: (tf) => probeWasm(tf),
  cpu: () => probeCpu(),
};

async function select(choice: BackendName | "auto", source: string): Promise<DeviceReport> {
  const t0 = performance.now();
  const tf = await import("@tensorflow/tfjs");
  const forced = choice === "auto" ? null : choice;
  const candidates = forced ? [forced] : BACKEND_ORDER;
  const skipped: DeviceReport["skipped"] = [];
  if (forced) {
    for (const b of BACKEND_ORDER.slice(0, BACKEND_ORDER.indexOf(forced))) skipped.push({ backend: b, reason: `not tried: ${source}` });
  }
  for (const backend of candidates) {
    const probe = await quietly(tf, () => PROBES[backend](tf, forced !== null));
    const failure = probe.ok ? await activate(tf, probe.tfjsName) : probe.reason;
    if (failure === null && probe.ok) {
      await spendFirstUseBanner(tf);
      return {
        backend,
        tfjsBackend: tf.getBackend(),
        reason: forced ? `forced by ${source}` : `fastest available: ${probe.note}`,
        forced,
        skipped,
        simd: wasmSimdUnavailable() === null,
        threads: await threadsOf(backend),
        tfjsVersion: tf.version.tfjs,
        mlpEngine: defaultMlpEngine(),
        ...(probe.gpu ? { gpu: probe.gpu } : {}),
        platform: `${process.platform}-${process.arch}`,
        node: process.version,
        initMs: performance.now() - t0,
      };
    }
    if (forced) {
      const instead = source.startsWith(BACKEND_ENV) ? `unset ${BACKEND_ENV}` : `pass backend: "auto"`;
      throw new Error(`${source} cannot run: ${failure}. Install it with ${INSTALL_HINT[backend]}, or ${instead} to use the fastest backend available.`);
    }
    skipped.push({ backend, reason: failure ?? "unknown" });
  }
  throw new Error(`no TensorFlow.js backend could start (${skipped.map((s) => `${s.backend}: ${s.reason}`).join("; ")})`);
}

/** Activates a registered backend; returns why it failed, or null. */
async function activate(tf: typeof Tf, name: string): Promise<string | null> {
  // tfjs reports a failed backend init only through console.warn
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(" "));
  try {
    if (await tf.setBackend(name)) return null;
  } catch (e) {
    warnings.push((e as Error).message);
  } finally {
    console.warn = warn;
  }
  const detail = warnings.filter((w) => !/^Initialization of backend/.test(w))[0]?.split("\n")[0];
  return `tf.setBackend("${name}") failed${detail ? `: ${detail}` : ""}`;
}

async function threadsOf(backend: BackendName): Promise<number> {
  if (backend === "wasm") return (await import("@tensorflow/tfjs-backend-wasm")).getThreadsCount();
  // libtensorflow sizes its intra-op pool to the core count
  if (backend === "tensorflow" || backend === "cuda") return availableParallelism();
  return 1;
}
