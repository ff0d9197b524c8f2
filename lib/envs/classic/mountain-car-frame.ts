import type { Frame, Shape } from "../frame.js";

const MIN_POSITION = -1.2;
const MAX_POSITION = 0.6;

/** Height of the mountain-car track at `x`. */
export function hillHeight(x: number): number {
  return Math.sin(3 * x) * 0.45 + 0.55;
}

/** The mountain-car scene: hill curve, a car tilted with the slope at `position`, and the goal flag. */
export function mountainCarFrame(position: number, goal: number): Frame {
  const curve: [number, number][] = [];
  for (let k = 0; k <= 60; k++) {
    const x = MIN_POSITION + ((MAX_POSITION - MIN_POSITION) * k) / 60;
    curve.push([x, hillHeight(x)]);
  }
  const angle = Math.atan(Math.cos(3 * position) * 1.35);
  const ca = Math.cos(angle);
  const sa = Math.sin(angle);
  const y0 = hillHeight(position);
  const clearance = 0.03;
  // Car corners in its own frame (x along the slope, y normal to it).
  const at = (u: number, v: number): [number, number] => [position + u * ca - (v + clearance) * sa, y0 + u * sa + (v + clearance) * ca];
  const w = 0.12;
  const h = 0.06;
  const flagY = hillHeight(goal);
  const shapes: Shape[] = [
    { type: "polyline", points: curve, stroke: "#000", width: 0.008 },
    { type: "polygon", points: [at(-w / 2, 0), at(-w / 2, h), at(w / 2, h), at(w / 2, 0)], fill: "#000" },
    { type: "circle", cx: at(-w / 3, 0)[0], cy: at(-w / 3, 0)[1], r: 0.018, fill: "#808080" },
    { type: "circle", cx: at(w / 3, 0)[0], cy: at(w / 3, 0)[1], r: 0.018, fill: "#808080" },
    { type: "line", x1: goal, y1: flagY, x2: goal, y2: flagY + 0.15, stroke: "#000", width: 0.006 },
    { type: "polygon", points: [[goal, flagY + 0.15], [goal, flagY + 0.12], [goal + 0.07, flagY + 0.135]], fill: "#cccc00" },
  ];
  return { viewBox: [MIN_POSITION, -0.05, MAX_POSITION - MIN_POSITION, 1.2], width: 600, height: 400, background: "#fff", shapes };
}
