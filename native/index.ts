export {
  makeMlpKernel,
  defaultMlpEngine,
  wasmSimdUnavailable,
  mlpLayout,
  fastTanh,
  type MlpEngine,
  type MlpEngineChoice,
  type MlpKernel,
  type MlpShape,
  type LayerLayout,
  type Activation,
} from "./mlp/index.js";
export {
  initBackend,
  deviceReport,
  parseBackendName,
  BACKEND_ENV,
  BACKEND_ORDER,
  type BackendName,
  type DeviceReport,
  type GpuInfo,
  type InitBackendOptions,
} from "./backend.js";
export { INSTALL_HINT } from "./backend-names.js";
export { adamKernel, AdamKernel, type AdamCoefficients } from "./wasm/adam.js";
export {
  CartPoleKernel,
  CARTPOLE_CONSTANTS,
  cartPoleSimdUnavailable,
  defaultEnvEngine,
  resolveEnvEngine,
  ENV_ENGINE_VAR,
  type EnvEngine,
  type EnvEngineChoice,
  type CartPoleKernelShape,
} from "./envs/index.js";
