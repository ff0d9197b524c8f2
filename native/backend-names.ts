// The backends by name, with no tfjs import: the public types of `native/` stay free of tfjs's ~600 declaration files.

/** Trellis's names for the tfjs backends, fastest first (values of TRELLIS_BACKEND). */
export type BackendName = "cuda" | "tensorflow" | "webgpu" | "wasm" | "cpu";
export const BACKEND_ORDER: readonly BackendName[] = ["cuda", "tensorflow", "webgpu", "wasm", "cpu"];

/** The WebGPU adapter a webgpu backend runs on. */
export interface GpuInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** The adapter's name: `device` (Dawn gives the driver's device name, e.g. "NVIDIA H200"), else vendor and architecture. */
  name: string;
  /** The driver: Dawn's `description` (on Vulkan the driver's name and version), "" when the runtime hides it. */
  driver: string;
}

/** How to get each backend, for errors and the device report. */
export const INSTALL_HINT: Record<BackendName, string> = {
  cuda: "`npm install @tensorflow/tfjs-node-gpu` (Linux x64 with an NVIDIA driver, CUDA 11.2 and cuDNN 8.1; it downloads libtensorflow from outside the npm registry)",
  tensorflow: "`npm install @tensorflow/tfjs-node` (Linux x64, macOS, Windows x64; it downloads libtensorflow from outside the npm registry)",
  webgpu: "`npm install webgpu @tensorflow/tfjs-backend-webgpu` and a GPU with Vulkan (Linux), Metal (macOS) or D3D12 (Windows) drivers",
  wasm: "`npm install @tensorflow/tfjs-backend-wasm`",
  cpu: "`npm install @tensorflow/tfjs`",
};
