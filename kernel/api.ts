// `import { display } from "trellis/kernel"`: what notebook code can use of the kernel.
export { display, newDisplay, clearOutput, mimeBundleOf, JUPYTER_DISPLAY, type Display } from "./session/display.js";
export { currentCell, type CellContext } from "./session/context.js";
export { comms, Comm, CommManager, type CommPayload, type CommTarget } from "./session/comms.js";
export { widgets, WidgetModel, removeBuffers, putBuffers, WIDGET_PROTOCOL_VERSION, type WidgetState } from "./session/widgets.js";
