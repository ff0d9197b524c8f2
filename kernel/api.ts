// `import { display } from "trellis/kernel"`: what notebook code can use of the kernel.
export { display, newDisplay, clearOutput, mimeBundleOf, JUPYTER_DISPLAY, type Display } from "./session/display.js";
export { currentCell, type CellContext } from "./session/context.js";
export { comms, Comm, CommManager, type CommPayload, type CommTarget } from "./session/comms.js";
