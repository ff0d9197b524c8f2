// One probe per tfjs backend: can it load here, and if not, why and how to
// get it. Probes load packages but do not activate a backend.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type * as Tf from "@tensorflow/tfjs";
import { tfjsWasmDir } from "./wasm-files.js";
import type { BackendName, GpuInfo } from "./backend-names.js";

export { BACKEND_ORDER, INSTALL_HINT, type BackendName, type GpuInfo } from "./backend-names.js";

export type Probe =
  | { ok: true; tfjsName: string; note: string; gpu?: GpuInfo }
  | { ok: false; reason: string };

const require = createRequire(import.meta.url);

/** Set by scripts/gpu-run.sh: the program is one esbuild bundle, tfjs's backends are inside it (no node_modules to resolve). */
export const BUNDLED_ENV = "TRELLIS_BUNDLED";
const BUNDLED_PACKAGES = ["@tensorflow/tfjs-backend-webgpu"];

function installed(pkg: string): boolean {
  if (process.env[BUNDLED_ENV] === "1" && BUNDLED_PACKAGES.includes(pkg)) return true;
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split("\n")[0]!;
}

async function tensorflowProbe(tf: typeof Tf, pkg: string, what: string): Promise<Probe> {
  if (!installed(pkg)) return { ok: false, reason: `${pkg} is not installed (optional dependency)` };
  // libtensorflow logs CPU-feature notes at INFO level on load
  process.env.TF_CPP_MIN_LOG_LEVEL ??= "2";
  try {
    await import(pkg);
  } catch (e) {
    return { ok: false, reason: `${pkg} is installed but failed to load: ${firstLine(e)}` };
  }
  if (tf.findBackendFactory("tensorflow") === null) {
    return { ok: false, reason: `${pkg} registered its backend with another copy of @tensorflow/tfjs-core; install the version matching @tensorflow/tfjs ${tf.version.tfjs}` };
  }
  return { ok: true, tfjsName: "tensorflow", note: `${pkg} (${what})` };
}

export async function probeCuda(tf: typeof Tf, forced: boolean): Promise<Probe> {
  const pkg = "@tensorflow/tfjs-node-gpu";
  if (!installed(pkg)) return { ok: false, reason: `${pkg} is not installed (optional dependency)` };
  if (!forced && process.platform === "linux" && !existsSync("/proc/driver/nvidia/version")) {
    return { ok: false, reason: "no NVIDIA driver found (/proc/driver/nvidia/version is missing)" };
  }
  return tensorflowProbe(tf, pkg, "TensorFlow C library with CUDA");
}

export function probeTensorflow(tf: typeof Tf): Promise<Probe> {
  return tensorflowProbe(tf, "@tensorflow/tfjs-node", "TensorFlow C library on the CPU");
}

const VULKAN_DIRS = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib", "/lib/x86_64-linux-gnu", "/lib64"];
const SOFTWARE_GPU = /swiftshader|llvmpipe|lavapipe|software/i;

// Dawn prints a native warning when it cannot load Vulkan, so look first.
function hasVulkanLoader(): boolean {
  const dirs = [...(process.env.LD_LIBRARY_PATH ?? "").split(":").filter(Boolean), ...VULKAN_DIRS];
  return dirs.some((d) => existsSync(join(d, "libvulkan.so.1")));
}

interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<AdapterLike | null>;
}
interface AdapterLike {
  isFallbackAdapter?: boolean;
  info?: Partial<GpuInfo> & { isFallbackAdapter?: boolean };
}

/** What a WebGPU adapter's `info` says about it, with its name and driver picked out. */
export function gpuInfoOf(raw: Partial<Record<"vendor" | "architecture" | "device" | "description", unknown>>): GpuInfo {
  const text = (v: unknown) => (typeof v === "string" ? v.trim() : "");
  const vendor = text(raw.vendor), architecture = text(raw.architecture), device = text(raw.device), description = text(raw.description);
  const name = device || [vendor, architecture].filter(Boolean).join(" ") || description || "unnamed adapter";
  return { vendor, architecture, device, description, name, driver: description === name ? "" : description };
}

/** A CPU rasterizer posing as a GPU (SwiftShader, llvmpipe, lavapipe): slower than the wasm backend. */
export function isSoftwareGpu(info: GpuInfo): boolean {
  return SOFTWARE_GPU.test([info.vendor, info.architecture, info.device, info.description].join(" "));
}

/** WebGPU: the runtime's navigator.gpu, else Dawn from the `webgpu` package. */
export async function probeWebgpu(tf: typeof Tf, forced: boolean): Promise<Probe> {
  const pkg = "@tensorflow/tfjs-backend-webgpu";
  if (!installed(pkg)) return { ok: false, reason: `${pkg} is not installed (optional dependency)` };
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  let gpu = nav?.gpu;
  let globals: object | undefined;
  if (!gpu) {
    if (!installed("webgpu")) return { ok: false, reason: "this runtime has no navigator.gpu and the `webgpu` package (Dawn for Node) is not installed" };
    if (!forced && process.platform === "linux" && !hasVulkanLoader()) {
      return { ok: false, reason: "no Vulkan loader (libvulkan.so.1), which Dawn needs for WebGPU on Linux" };
    }
    try {
      const dawn = (await import("webgpu" as string)) as { create(flags: string[]): GpuLike; globals: object };
      gpu = dawn.create([]);
      globals = dawn.globals;
    } catch (e) {
      return { ok: false, reason: `the webgpu package failed to load: ${firstLine(e)}` };
    }
  }
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" }).catch(() => null);
  if (!adapter) return { ok: false, reason: "no WebGPU adapter found" };
  const info = gpuInfoOf(adapter.info ?? {});
  const software = adapter.isFallbackAdapter || adapter.info?.isFallbackAdapter || isSoftwareGpu(info);
  const name = `${info.name}${info.driver ? ` (${info.driver})` : ""}`;
  if (software && !forced) return { ok: false, reason: `only a software WebGPU adapter was found (${name}), slower than wasm` };
  if (globals) {
    for (const [k, v] of Object.entries(globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    if (nav) Object.defineProperty(nav, "gpu", { value: gpu, configurable: true });
    else Object.defineProperty(globalThis, "navigator", { value: { gpu }, configurable: true, writable: true });
  }
  try {
    // a literal specifier, so a bundler includes the package
    await import("@tensorflow/tfjs-backend-webgpu");
  } catch (e) {
    return { ok: false, reason: `${pkg} failed to load: ${firstLine(e)}` };
  }
  if (tf.findBackendFactory("webgpu") === null) return { ok: false, reason: `${pkg} did not register a backend with this @tensorflow/tfjs` };
  return { ok: true, tfjsName: "webgpu", note: `WebGPU on ${name}`, gpu: info };
}

let wasmPathsSet = false;

export async function probeWasm(tf: typeof Tf): Promise<Probe> {
  let wasm: typeof import("@tensorflow/tfjs-backend-wasm");
  try {
    wasm = await import("@tensorflow/tfjs-backend-wasm");
  } catch (e) {
    return { ok: false, reason: `@tensorflow/tfjs-backend-wasm failed to load: ${firstLine(e)}` };
  }
  if (!wasmPathsSet) {
    try {
      wasm.setWasmPaths(tfjsWasmDir());
    } catch (e) {
      return { ok: false, reason: firstLine(e) };
    }
    wasmPathsSet = true;
  }
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  return { ok: true, tfjsName: "wasm", note: `WebAssembly ${simd ? "with" : "without"} SIMD` };
}

export async function probeCpu(): Promise<Probe> {
  return { ok: true, tfjsName: "cpu", note: "plain JavaScript" };
}
