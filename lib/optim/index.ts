export { adamStep, makeAdamState, ADAM_DEFAULTS, type AdamOptions, type AdamState } from "./adam.js";
export { clipGradNorm } from "./clip.js";
export { sgdStep, makeSgdState, type SgdOptions, type SgdState } from "./sgd.js";
