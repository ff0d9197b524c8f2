// Frames (env drawings) and their SVG are shared with the widgets, which draw them in the browser with the same code.
export { frameToSvg, type Frame, type Shape } from "../../widgets/shared/frame-svg.js";
