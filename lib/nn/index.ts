export type { Network, NetworkSpec, Activation } from "./network.js";
export { makeMlp, mlpFromParams, initMlpParams, MlpNetwork, type MlpOptions, type MlpInit, type MlpSpec } from "./mlp.js";
export { wrapLayersModel, TfjsNetwork } from "./tfjs-network.js";
export { orthogonal } from "./init.js";
